"""A reader's open article follows the story live in Chromium, served by a real uvicorn process
(the event stream needs ASGI, which the WSGI live_server cannot serve)."""

import time

import pytest
from playwright.sync_api import expect

from tests.live_server import Server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE = 2_000  # ms: what a reader with an open page waits for a change


@pytest.fixture
def server():
    with Server() as server:
        yield server


@pytest.fixture
def open_article(page, server, story):
    def open_article(query="", connection="stream"):
        page.goto(f"{server.url}/stories/{story.slug}/{query}")
        expect(page.locator("article.story")).to_have_attribute("data-connection", connection)
        # A mark that a reload would wipe out.
        page.evaluate("window.notReloaded = true")
        return page

    return open_article


def still_the_same_page(page):
    return page.evaluate("window.notReloaded === true")


def test_an_open_page_shows_a_new_update_an_edit_and_a_retraction(open_article, story, editor):
    page = open_article()

    update = story.publish_update("Engineers found the **faulty router**.", by=editor)
    card = page.locator(f"#{update.anchor}")
    expect(card).to_contain_text("Engineers found the faulty router.", timeout=LIVE)
    expect(card.locator(".update__label")).to_have_text("UPDATE 1")

    update.edit("Engineers found the faulty switch.", by=editor, expected_revision=1)
    expect(card).to_contain_text("faulty switch", timeout=LIVE)
    expect(card.locator(".update__edited")).to_be_visible()

    update.retract("The cause was not confirmed.", by=editor)
    expect(card).to_contain_text("This update was retracted", timeout=LIVE)
    expect(card).to_contain_text("The cause was not confirmed.")
    expect(card).not_to_contain_text("faulty switch")
    assert page.locator(".update").count() == 1
    assert still_the_same_page(page)


def test_the_header_and_a_pin_follow_the_story(open_article, story, editor):
    first = story.publish_update("First", by=editor)
    second = story.publish_update("Second", by=editor)
    page = open_article()
    assert page.locator(".update__label").all_inner_texts() == ["UPDATE 1", "UPDATE 2"]

    first.set_pinned(True, by=editor)
    expect(page.locator("#story-summary .summary__body")).to_have_text("First", timeout=LIVE)
    second.set_pinned(True, by=editor)  # one change: the first is unpinned with it
    expect(page.locator("#story-summary .summary__body")).to_have_text("Second", timeout=LIVE)
    expect(page.locator(".summary")).to_have_count(1)
    # The timeline keeps both in their places.
    assert page.locator(".update__label").all_inner_texts() == ["UPDATE 1", "UPDATE 2"]

    story.change_details(headline_suffix="UPDATE: Service Restored", by=editor)
    expect(page.locator(".story__suffix")).to_have_text("(UPDATE: Service Restored)", timeout=LIVE)
    expect(page).to_have_title(f"{story.headline} (UPDATE: Service Restored)")

    story.end_coverage(by=editor)
    expect(page.locator(".story__ended")).to_have_text("Live coverage has ended", timeout=LIVE)
    expect(page.locator("article.story")).to_have_attribute("data-connection", "closed")
    assert page.locator(f"#{first.anchor}").count() == 1
    assert still_the_same_page(page)


def test_a_new_update_is_announced_to_screen_readers(open_article, story, editor):
    page = open_article()

    story.publish_update("Status page now shows a partial outage.", by=editor)

    announcer = page.locator("[data-live-announcer]")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_contain_text("New: UPDATE 1.", timeout=LIVE)
    expect(announcer).to_contain_text("Status page now shows a partial outage.")


def test_new_updates_wait_behind_a_button_when_the_reader_scrolled_away(
    open_article, story, editor
):
    for n in range(1, 21):
        story.publish_update(
            f"Update number {n}.\n\n" + "A long paragraph of detail. " * 30, by=editor
        )
    page = open_article()
    page.evaluate("window.scrollTo(0, 0)")  # reading the top; the newest end is far below

    story.publish_update("Twenty-one.", by=editor)
    story.publish_update("Twenty-two.", by=editor)

    button = page.locator("[data-new-updates]")
    expect(button).to_have_text("2 new updates", timeout=LIVE)
    expect(button).to_be_visible()
    assert page.locator("#update-21").count() == 0
    assert page.evaluate("window.scrollY") == 0
    expect(page).to_have_title(f"(2) {story.full_headline}")
    expect(page.locator("[data-live-announcer]")).to_contain_text("2 new updates")

    button.click()

    expect(page.locator("#update-21")).to_be_in_viewport()
    expect(page.locator("#update-22")).to_be_attached()
    expect(button).to_be_hidden()
    expect(page).to_have_title(story.full_headline)
    labels = page.locator(".update__label").all_inner_texts()
    assert labels == [f"UPDATE {n}" for n in range(1, 23)]


def test_newest_first_readers_get_new_updates_on_top(open_article, story, editor):
    story.publish_update("Older", by=editor)
    page = open_article("?order=newest")

    story.publish_update("Newer", by=editor)

    expect(page.locator(".update").first).to_contain_text("Newer", timeout=LIVE)


def test_without_eventsource_the_page_polls_and_stops_when_coverage_ends(
    page, open_article, story, editor
):
    page.add_init_script("delete window.EventSource")
    polls = []
    page.on("request", lambda request: "/updates?" in request.url and polls.append(request.url))
    page = open_article(connection="polling")

    # A poll answer may be reused for max-age=5 s (by the browser, or a CDN), then one poll more.
    story.publish_update("Delivered by polling.", by=editor)
    expect(page.locator("#update-1")).to_contain_text("Delivered by polling.", timeout=8_000)

    story.end_coverage(by=editor)
    expect(page.locator(".story__ended")).to_be_visible(timeout=8_000)
    expect(page.locator("article.story")).to_have_attribute("data-connection", "closed")
    count = len(polls)
    time.sleep(2.5)  # the server asks for a poll a second; none may follow the end
    assert len(polls) == count
    assert all("/events" not in url for url in polls)


def test_a_reader_who_lost_the_connection_gets_what_was_missed_once(
    page, open_article, server, story, editor
):
    story.publish_update("Before the drop.", by=editor)
    page = open_article()

    server.kill()
    story.publish_update("Missed one.", by=editor)
    story.publish_update("Missed two.", by=editor)
    with Server(port=server.port):
        expect(page.locator("#update-3")).to_contain_text("Missed two.", timeout=10_000)
        expect(page.locator("article.story")).to_have_attribute("data-connection", "stream")
        story.publish_update("After the return.", by=editor)
        expect(page.locator("#update-4")).to_be_attached(timeout=LIVE)

    labels = page.locator(".update__label").all_inner_texts()
    assert labels == ["UPDATE 1", "UPDATE 2", "UPDATE 3", "UPDATE 4"]
    assert page.locator("#update-2").count() == 1
    assert still_the_same_page(page)


# Before live.js runs, the page claims a sequence the server never reached (a tampered page, or
# one from another database): the stream cannot replay from there.
UNKNOWN_CURSOR = """
new MutationObserver((_, observer) => {
  const article = document.querySelector("article.story");
  if (article) {
    article.setAttribute("data-sequence", "999999");
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
"""


@pytest.mark.parametrize("polling", [False, True], ids=["stream", "polling"])
def test_a_page_the_server_cannot_replay_reloads_its_timeline_in_place(
    page, open_article, story, editor, polling
):
    story.publish_update("Already there.", by=editor)
    if polling:
        page.add_init_script("delete window.EventSource")
    page.add_init_script(UNKNOWN_CURSOR)
    page = open_article(connection="polling" if polling else "stream")
    story.refresh_from_db()
    expect(page.locator("article.story")).to_have_attribute(
        "data-sequence", str(story.sequence), timeout=8_000
    )

    story.publish_update("After the reset.", by=editor)

    expect(page.locator("#update-2")).to_contain_text("After the reset.", timeout=8_000)
    assert page.locator(".update__label").all_inner_texts() == ["UPDATE 1", "UPDATE 2"]
    assert still_the_same_page(page)


def test_times_switch_to_the_readers_timezone_and_the_choice_is_remembered(
    browser, server, story, editor
):
    story.publish_update("At a fixed time.", by=editor)
    story.end_coverage(by=editor)  # a live page reads "just now" instead (test_browser_multiday)
    context = browser.new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.goto(f"{server.url}/stories/{story.slug}/")
    time_element = page.locator(".update__time").first
    assert time_element.inner_text().endswith(" ET")

    page.get_by_role("button", name="Show times in my timezone").click()

    expect(time_element).to_contain_text("GMT+9")
    assert page.evaluate("localStorage.getItem('liveblog.times')") == "reader"
    page.reload()
    expect(page.locator(".update__time").first).to_contain_text("GMT+9")
    expect(page.get_by_role("button", name="Show times in the story’s timezone")).to_have_attribute(
        "aria-pressed", "true"
    )
    context.close()
