"""A reader opens the demo article in Chromium and sees the story the way it was written."""

import re

import pytest
from django.core.management import call_command

from incidents.demo import DEMO_SLUG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_url(live_server):
    call_command("load_demo", verbosity=0)
    return f"{live_server.url}/stories/{DEMO_SLUG}/"


def test_a_reader_sees_the_demo_article(page, demo_url):
    page.goto(demo_url)

    headline = page.locator("h1.story__headline")
    assert "CloudPay Outage" in headline.inner_text()
    assert "(UPDATE: Payments Are Flowing Again)" in headline.inner_text()
    assert page.locator(".story__byline").inner_text() == "By Maya Okafor, Infrastructure Reporter"
    assert page.get_by_text("This post has been updated.").is_visible()
    labels = page.locator(".update__label").all_inner_texts()
    assert labels == [f"UPDATE {n}" for n in range(1, 6)]
    # The text may read "2 hr ago" on a live story; the absolute time is always in the title.
    first_time = page.locator(".update__time").first.get_attribute("title")
    assert re.search(r"(\d(:\d\d)? [ap]\.m\.|noon|midnight) ET$", first_time)
    assert page.locator(".update blockquote").count() >= 2
    assert page.get_by_role("link", name="Suggest a correction").is_visible()
    assert page.locator(".story__tags li").all_inner_texts()[:2] == [
        "Cloud Computing",
        "E-commerce",
    ]


def test_a_permalink_lands_on_its_update(page, demo_url):
    page.goto(demo_url + "#update-4")

    assert page.locator("#update-4").is_visible()
    assert page.evaluate("location.hash") == "#update-4"


def test_the_reader_can_switch_to_newest_first(page, demo_url):
    page.goto(demo_url)
    page.get_by_role("link", name="Newest first").click()

    page.wait_for_url("**?order=newest")
    assert page.locator(".update__label").first.inner_text() == "UPDATE 5"


def test_the_article_reads_on_a_phone(browser, demo_url):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    phone = context.new_page()
    phone.goto(demo_url)

    scroll_width = phone.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert scroll_width <= 375
