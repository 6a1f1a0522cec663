"""A reader finds stories in Chromium (issue 12): the masthead's search box leads to a result
that opens at its update, and a tag under "More:" to the tag's page; both work with JavaScript
off and read on a phone."""

import pytest
from django.core.management import call_command

from incidents.demo import DEMO_SLUG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server):
    call_command("load_demo", verbosity=0)
    return live_server.url


@pytest.fixture
def no_script_page(browser):
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_search_from_the_masthead_opens_the_matching_update(no_script_page, site):
    page = no_script_page
    page.goto(site + "/")
    page.get_by_role("searchbox", name="Search stories").fill("checkout working again")
    page.get_by_role("button", name="Search").click()

    page.wait_for_url("**/search/?q=checkout+working+again")
    result = page.locator(".search-result").first
    assert result.locator("mark").first.inner_text().lower() == "checkout"
    label = result.locator(".search-result__meta a").inner_text()
    number = label.removeprefix("UPDATE ")
    result.get_by_role("link", name=label).click()

    page.wait_for_url(f"**/stories/{DEMO_SLUG}/#update-{number}")
    assert page.locator(f"#update-{number}").is_visible()


def test_a_tag_under_more_leads_to_its_stories(no_script_page, site):
    page = no_script_page
    page.goto(f"{site}/stories/{DEMO_SLUG}/")
    tag = page.locator(".story__tags a").first
    name = tag.inner_text()
    tag.click()

    assert page.locator("h1").inner_text() == name
    page.locator(".story-card__headline a").first.click()
    page.wait_for_url(f"**/stories/{DEMO_SLUG}/")


@pytest.mark.parametrize("path", ["/", "/search/?q=outage", "/tags/e-commerce/"])
def test_finding_pages_read_on_a_phone(browser, site, path):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    phone = context.new_page()
    response = phone.goto(site + path)

    status = response.status
    scroll_width = phone.evaluate("document.documentElement.scrollWidth")
    search_box = phone.get_by_role("searchbox", name="Search stories").is_visible()
    context.close()
    assert status == 200
    assert search_box
    assert scroll_width <= 375
