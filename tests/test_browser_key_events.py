"""An open article's "Key events" list and summary box follow the story live in Chromium (served
by a real uvicorn process), and have no serious accessibility problem."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.live_server import Server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE = 2_000  # ms: what a reader with an open page waits for a change
SERIOUS = {"serious", "critical"}


@pytest.fixture
def server():
    with Server() as server:
        yield server


@pytest.fixture
def open_article(browser, server, story):
    def open_article(width=1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{server.url}/stories/{story.slug}/")
        expect(page.locator("article.story")).to_have_attribute("data-connection", "stream")
        page.evaluate("window.notReloaded = true")  # a mark that a reload would wipe out
        return page

    return open_article


def titles(page):
    return page.locator("#key-events .key-event__title")


def test_an_open_page_follows_key_events_as_they_are_marked_edited_and_retracted(
    open_article, story, editor
):
    story.publish_update("Engineers are looking.", by=editor)
    page = open_article()
    expect(page.locator("#key-events")).to_be_empty()

    first = story.publish_update("Outage confirmed. More soon.", by=editor, key_event=True)
    expect(titles(page)).to_have_text(["Outage confirmed."], timeout=LIVE)
    expect(page.locator("#key-events h2")).to_have_text("Key events")
    link = page.locator("#key-events .key-event__link").first
    expect(link).to_have_attribute("href", first.get_absolute_url())

    ordinary = story.updates.get(number=1)
    ordinary.edit(ordinary.body, by=editor, expected_revision=1, key_event=True)
    expect(titles(page)).to_have_text(["Outage confirmed.", "Engineers are looking."], timeout=LIVE)

    first.edit("Outage confirmed worldwide.", by=editor, expected_revision=1)
    expect(titles(page).first).to_have_text("Outage confirmed worldwide.", timeout=LIVE)

    first.retract("Not confirmed.", by=editor)
    expect(titles(page)).to_have_text(["Engineers are looking."], timeout=LIVE)
    ordinary.refresh_from_db()
    ordinary.edit(ordinary.body, by=editor, expected_revision=ordinary.revision, key_event=False)
    expect(page.locator("#key-events")).to_be_empty(timeout=LIVE)
    assert page.evaluate("window.notReloaded === true")


def test_following_a_key_event_goes_to_its_update(open_article, story, editor):
    story.publish_update("Cause found.", by=editor, key_event=True)
    page = open_article()

    page.locator("#key-events .key-event__link").first.click()

    expect(page.locator("#update-1")).to_be_in_viewport()


def test_the_summary_box_follows_pin_edit_unpin_and_retraction(open_article, story, editor):
    first = story.publish_update("First.", by=editor)
    second = story.publish_update("Second.", by=editor)
    page = open_article()
    expect(page.locator("#story-summary")).to_be_empty()

    first.set_pinned(True, by=editor)
    summary = page.get_by_role("region", name="Summary")
    expect(summary).to_contain_text("First.", timeout=LIVE)
    expect(summary.get_by_role("link", name="UPDATE 1")).to_be_visible()

    first.edit("First, corrected.", by=editor, expected_revision=1)
    expect(summary).to_contain_text("First, corrected.", timeout=LIVE)

    second.set_pinned(True, by=editor)
    expect(summary).to_contain_text("Second.", timeout=LIVE)
    second.set_pinned(False, by=editor)
    expect(page.locator("#story-summary")).to_be_empty(timeout=LIVE)

    first.set_pinned(True, by=editor)
    expect(summary).to_contain_text("First, corrected.", timeout=LIVE)
    first.retract("Wrong.", by=editor)
    expect(page.locator("#story-summary")).to_be_empty(timeout=LIVE)
    expect(page.locator("#update-1")).to_contain_text("This update was retracted")
    # The timeline keeps each update in its place all along.
    assert page.locator(".update__label").all_inner_texts() == ["UPDATE 1", "UPDATE 2"]
    assert page.evaluate("window.notReloaded === true")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_summary_and_key_events_have_no_serious_problem(open_article, story, editor, width):
    for n in range(1, 13):
        story.publish_update(f"Event {n}. Details follow.", by=editor, key_event=True)
    page = open_article(width)
    story.publish_update("**What we know:** payments fail.", by=editor, pinned=True)
    expect(page.get_by_role("region", name="Summary")).to_be_visible(timeout=LIVE)
    page.get_by_text("Show all key events (12)").click()
    expect(titles(page)).to_have_count(12)

    found = Axe().run(page).response["violations"]
    serious = [f"{v['id']}: {v['help']}" for v in found if v["impact"] in SERIOUS]
    assert serious == []
