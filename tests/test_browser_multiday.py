"""Multi-day stories in Chromium (issue 12): relative times that keep themselves current, day
headings for updates arriving live, a header and corrections log that follow every change, and a
desk whose Publish button goes quiet the moment coverage ends."""

import re
from datetime import timedelta

import pytest
from django.utils.timezone import now
from playwright.sync_api import expect

from tests.live_server import Server
from tests.test_browser_xss import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE = 3_000  # ms: what a reader with an open page waits for a change
ABSOLUTE = re.compile(r"\d(:\d\d)? [ap]\.m\. ET$|(noon|midnight) ET$")


@pytest.fixture
def server():
    with Server() as server:
        yield server


def open_article(page, server, story):
    page.goto(f"{server.url}/stories/{story.slug}/")
    expect(page.locator("article.story")).to_have_attribute("data-connection", "stream")
    return page


def test_live_times_read_relative_keep_current_and_turn_absolute_when_coverage_ends(
    page, server, story, editor
):
    update = story.publish_update("Trains stopped.", by=editor, timestamp=now())
    page.clock.install()
    open_article(page, server, story)
    time = page.locator(f"#{update.anchor} .update__time")
    expect(time).to_have_text("just now")
    assert ABSOLUTE.search(time.get_attribute("title"))
    assert time.get_attribute("datetime")

    page.clock.fast_forward("12:10")
    expect(time).to_have_text("12 min ago")
    # The timer writes only what changed: half a minute later, nothing on the page moves.
    page.evaluate(
        """() => {
        window.mutations = 0;
        new MutationObserver((records) => { window.mutations += records.length; })
          .observe(document.getElementById("timeline"), {subtree: true, childList: true,
                   characterData: true, attributes: true});
    }"""
    )
    page.clock.fast_forward("00:31")
    page.wait_for_timeout(100)
    assert page.evaluate("window.mutations") == 0
    page.clock.fast_forward("02:00:00")
    expect(time).to_have_text("2 hr ago")

    story.end_coverage(by=editor)
    expect(page.locator(".story__ended-at")).to_contain_text("Coverage ended at", timeout=LIVE)
    expect(time).to_have_text(ABSOLUTE)


def test_the_header_and_corrections_log_follow_every_change(page, server, story, editor):
    first = story.publish_update("Signal failure at Central.", by=editor)
    open_article(page, server, story)
    header = page.locator("#story-header")
    expect(header).to_contain_text("This post has been updated.")
    shown = page.locator(".story__updated-at time").get_attribute("datetime")
    page.wait_for_timeout(1_100)  # the header's time is to the second

    story.publish_update("Buses replace trains.", by=editor, timestamp=now() + timedelta(minutes=2))
    expect(page.locator(".story__updated-at time")).not_to_have_attribute(
        "datetime", shown, timeout=LIVE
    )
    expect(page.locator("#corrections")).to_have_count(0)

    first.edit(
        "Signal failure at Central Station.",
        by=editor,
        expected_revision=1,
        is_correction=True,
        correction_note="We misnamed the station.",
    )
    expect(page.locator("#corrections")).to_contain_text("We misnamed the station.", timeout=LIVE)
    expect(page.locator("#corrections a")).to_have_text("UPDATE 1")

    story.end_coverage(by=editor)
    expect(page.locator(".story__ended")).to_have_text("Live coverage has ended", timeout=LIVE)
    expect(page.locator(".story__ended-at")).to_contain_text("Coverage ended at")
    expect(page.locator("#corrections")).to_contain_text("We misnamed the station.")
    expect(page.locator("article.story")).to_have_attribute("data-connection", "closed")


@pytest.mark.parametrize("order", ["oldest", "newest"])
def test_an_update_arriving_on_a_new_day_gets_its_heading(page, server, story, editor, order):
    if order == "newest":
        story.change_details(reading_order=order, by=editor)
    yesterday = now() - timedelta(days=1, hours=1)
    story.publish_update("Yesterday's report.", by=editor, timestamp=yesterday)
    open_article(page, server, story)
    expect(page.locator(".timeline__day")).to_have_count(0)
    assert re.match(r"[A-Z][a-z]+\.? \d+, ", page.locator(".update__time").first.inner_text())

    story.publish_update("Today's news.", by=editor)

    expect(page.locator("#update-2")).to_be_visible(timeout=LIVE)
    heading = page.locator(".timeline__day")
    expect(heading).to_have_count(1)
    # The heading names the day of the update under it: today's, or yesterday's newest first.
    later = "#update-2" if order == "oldest" else "#update-1"
    expect(heading).to_have_text(page.locator(later).get_attribute("data-day-label"))
    assert page.evaluate(
        f"document.querySelector('{later}').previousElementSibling.matches('.timeline__day')"
    )


def test_publish_goes_quiet_when_coverage_ends_here_or_in_another_tab(page, server, editor, story):
    desk = f"/newsroom/stories/{story.slug}/"
    sign_in(page, server.url, desk)  # both tabs share the sign-in
    here = page
    there = page.context.new_page()
    there.goto(f"{server.url}{desk}")
    publish = "#compose-form [data-publish]"
    expect(there.locator(publish)).to_be_enabled()

    here.on("dialog", lambda dialog: dialog.accept())
    here.get_by_role("button", name="End live coverage").click()

    expect(here.locator(publish)).to_be_disabled()
    expect(here.locator("[data-ended-note]")).to_be_visible()
    expect(here.locator("[data-ended-note]")).to_contain_text("Live coverage has ended")
    # The other tab hears of it at once, from the story's live stream (its poll would take up
    # to 10 s).
    expect(there.locator(publish)).to_be_disabled(timeout=LIVE)
    expect(there.locator("[data-ended-note]")).to_be_visible()

    here.get_by_role("button", name="Reopen live coverage").click()
    expect(here.locator(publish)).to_be_enabled()
    expect(here.locator("[data-ended-note]")).to_be_hidden()
    # The stream closed with the coverage: the other tab's poll sees it reopened, and it listens
    # again.
    expect(there.locator(publish)).to_be_enabled(timeout=12_000)
    # A change this tab made itself is not announced to it as news.
    here.locator("#compose-form textarea[name='body']").fill("Back on the story.")
    here.locator(publish).click()
    expect(here.locator("#desk-timeline")).to_contain_text("Back on the story.")
    expect(there.locator("#desk-changes")).to_contain_text("This story changed", timeout=LIVE)
    here.wait_for_timeout(1500)
    expect(here.locator("#desk-changes")).not_to_contain_text("This story changed")


def test_a_new_reading_order_is_offered_to_open_pages_that_follow_the_story(
    page, server, story, editor
):
    for n in (1, 2):
        story.publish_update(f"Update number {n}.", by=editor)
    open_article(page, server, story)
    notice = page.locator("[data-order-notice]")
    expect(page.locator("#timeline article.update").first).to_have_id("update-1")
    expect(notice).to_be_hidden()

    story.change_details(reading_order="newest", by=editor)

    expect(notice).to_be_visible(timeout=LIVE)
    expect(notice).to_contain_text("The newsroom now shows this story's updates newest first.")
    expect(page.locator("#timeline article.update").first).to_have_id("update-1")  # unmoved
    notice.get_by_role("link", name="Read them in that order").click()
    expect(page.locator("#timeline article.update").first).to_have_id("update-2")


def test_a_reader_who_chose_an_order_is_not_offered_the_newsrooms(page, server, story, editor):
    story.publish_update("Update number 1.", by=editor)
    page.goto(f"{server.url}/stories/{story.slug}/?order=oldest")
    expect(page.locator("article.story")).to_have_attribute("data-connection", "stream")

    story.change_details(reading_order="newest", by=editor, headline="A New Headline")

    expect(page.locator("h1")).to_contain_text("A New Headline", timeout=LIVE)
    assert page.locator("[data-order-notice]").count() == 0
