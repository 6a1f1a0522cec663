"""A long story in Chromium: "Show older updates" adds the next page in place, and new updates
arrive live only on the page that holds the newest end, while edits and retractions reach every
page that shows them."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from incidents.models import Update
from tests.live_server import Server
from tests.timelines import add_updates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE = 4_000  # ms


@pytest.fixture
def server():
    with Server() as server:
        yield server


@pytest.fixture
def long_story(story):
    return add_updates(story, 65)


@pytest.fixture
def open_page(page, server, long_story):
    def open_page(query=""):
        page.goto(f"{server.url}/stories/{long_story.slug}/{query}")
        expect(page.locator("article.story")).to_have_attribute("data-connection", "stream")
        page.evaluate("window.notReloaded = true")
        return page

    return open_page


def shown_numbers(page) -> list[int]:
    return [
        int(n)
        for n in page.locator("#timeline article.update").evaluate_all(
            "els => els.map(el => el.dataset.number)"
        )
    ]


def test_show_older_updates_adds_the_next_page_in_place(open_page):
    page = open_page("?order=newest")
    assert shown_numbers(page) == list(range(65, 35, -1))

    page.get_by_role("link", name="Show older updates").click()

    expect(page.locator("#update-6")).to_be_attached()
    expect(page.locator("#update-35")).to_be_focused()  # the first update added
    assert shown_numbers(page) == list(range(65, 5, -1))
    assert page.evaluate("window.notReloaded === true")
    assert page.url.endswith("?order=newest")
    expect(page.get_by_role("link", name="Show older updates")).to_have_attribute(
        "href", "?order=newest&page=3"
    )


def test_new_updates_arrive_only_on_the_page_with_the_newest_end(open_page, long_story, editor):
    page = open_page("?order=newest&page=2")
    expect(page.locator("[data-latest-notice]")).to_be_hidden()

    long_story.publish_update("Breaking: a new update.", by=editor)
    Update.objects.get(story=long_story, number=20).edit(
        "Update 20, edited.", by=editor, expected_revision=1
    )
    Update.objects.get(story=long_story, number=21).retract("Not confirmed.", by=editor)

    expect(page.locator("#update-20")).to_contain_text("Update 20, edited.", timeout=LIVE)
    expect(page.locator("#update-21")).to_contain_text("This update was retracted")
    expect(page.locator("#update-21")).not_to_contain_text("Update number 21.")
    expect(page.locator("[data-latest-notice]")).to_be_visible()
    assert page.locator("#update-66").count() == 0
    assert shown_numbers(page) == list(range(35, 5, -1))

    page.locator("[data-latest-notice] a").click()
    expect(page.locator("#timeline article.update").first).to_have_id("update-66")

    page.evaluate("window.notReloaded = true")
    expect(page.locator("article.story")).to_have_attribute("data-connection", "stream")
    long_story.publish_update("And another.", by=editor)
    expect(page.locator("#update-67")).to_contain_text("And another.", timeout=LIVE)
    assert page.evaluate("window.notReloaded === true")


def test_oldest_first_new_updates_arrive_once_the_reader_reaches_the_end(
    open_page, long_story, editor
):
    page = open_page()
    long_story.publish_update("Not for page one.", by=editor)
    expect(page.locator("[data-latest-notice]")).to_be_visible(timeout=LIVE)
    assert page.locator("#update-66").count() == 0

    page.get_by_role("link", name="Show more updates").click()
    expect(page.locator("#update-60")).to_be_attached()
    page.get_by_role("link", name="Show more updates").click()
    expect(page.locator("#update-66")).to_be_attached()
    expect(page.locator("[data-latest-notice]")).to_be_hidden()

    long_story.publish_update("At the end now.", by=editor)
    expect(page.locator("#update-67")).to_contain_text("At the end now.", timeout=LIVE)
    assert shown_numbers(page) == list(range(1, 68))


def test_a_page_of_a_long_story_has_no_serious_accessibility_problem(open_page, long_story, editor):
    from tests.test_browser_accessibility import serious_problems

    page = open_page("?order=newest&page=2")
    long_story.publish_update("Shows the notice.", by=editor)
    expect(page.locator("[data-latest-notice]")).to_be_visible(timeout=LIVE)

    assert serious_problems(Axe(), page) == []
