"""How the pages look in Chromium at 1280 and 390 px, measured: the masthead stands on the
same column as the article or the desk, the order links keep to one line on a phone, and
badges are big enough to read."""

import pytest
from django.core.management import call_command

from incidents.demo import LIVE_DEMO_SLUG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 390]

# The masthead's title and the main column's content box, left and right, in CSS pixels.
EDGES = """() => {
  const title = document.querySelector(".masthead__title").getBoundingClientRect();
  const inner = document.querySelector(".masthead__inner");
  const main = document.querySelector("#main");
  const box = (element) => {
    const rect = element.getBoundingClientRect(), style = getComputedStyle(element);
    return [rect.left + parseFloat(style.paddingLeft), rect.right - parseFloat(style.paddingRight)];
  };
  return {title: title.left, masthead: box(inner), main: box(main)};
}"""

# Each line box an element's text occupies: one distinct top per line.
LINES = """(element) => {
  const range = document.createRange();
  range.selectNodeContents(element);
  return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
}"""

# Every badge's size and case.
BADGES = """() => [...document.querySelectorAll(".badge, .status, .state-label")].map((badge) => {
  const style = getComputedStyle(badge);
  return {text: badge.textContent.trim(), size: parseFloat(style.fontSize),
          transform: style.textTransform};
})"""


@pytest.fixture
def demo(live_server):
    call_command("load_demo", verbosity=0)
    return live_server.url


def open_at(browser, width, url, *, cookie=None):
    context = browser.new_context(viewport={"width": width, "height": 900})
    if cookie:
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    response = page.goto(url)
    assert response.status == 200
    return page


def signed_in(client):
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="editor"))
    return client.cookies["sessionid"].value


def assert_on_one_column(page):
    edges = page.evaluate(EDGES)
    assert edges["masthead"][0] == pytest.approx(edges["main"][0], abs=1), edges
    assert edges["masthead"][1] == pytest.approx(edges["main"][1], abs=1), edges
    assert edges["title"] == pytest.approx(edges["main"][0], abs=1), edges


@pytest.mark.parametrize("width", WIDTHS)
def test_the_masthead_lines_up_with_the_article(browser, demo, width):
    page = open_at(browser, width, f"{demo}/stories/{LIVE_DEMO_SLUG}/")
    headline = page.locator(".story__headline").bounding_box()

    assert_on_one_column(page)
    assert headline["x"] == pytest.approx(page.evaluate(EDGES)["title"], abs=1)
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", ["/newsroom/", f"/newsroom/stories/{LIVE_DEMO_SLUG}/"])
def test_the_masthead_lines_up_with_the_newsroom_and_keeps_each_link_whole(
    browser, demo, client, path, width
):
    page = open_at(browser, width, demo + path, cookie=signed_in(client))
    assert page.locator(".masthead__nav").get_by_text("Newsroom").is_visible()

    assert_on_one_column(page)
    for item in page.locator(".masthead__title, .masthead__nav a, .masthead__nav button").all():
        assert item.evaluate(LINES) == 1, item.inner_text()
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_front_page_keeps_its_column(browser, demo, width):
    page = open_at(browser, width, f"{demo}/")
    assert page.locator(".story-card").count() == 2

    assert_on_one_column(page)
    page.context.close()


def test_each_order_link_keeps_to_one_line_on_a_phone(browser, demo):
    page = open_at(browser, 390, f"{demo}/stories/{LIVE_DEMO_SLUG}/")
    controls = page.locator(".timeline-controls")
    choices = controls.locator("a, strong")
    assert choices.all_inner_texts() == ["Oldest first", "Newest first"]

    for choice in choices.all():
        assert choice.evaluate(LINES) == 1, choice.inner_text()
    toggle = controls.locator("[data-time-toggle]")
    assert toggle.is_visible()
    assert toggle.evaluate(LINES) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_badges_are_readable(browser, demo, client, width):
    article = open_at(browser, width, f"{demo}/stories/{LIVE_DEMO_SLUG}/")
    desk = open_at(browser, width, f"{demo}/newsroom/", cookie=signed_in(client))
    badges = article.evaluate(BADGES) + desk.evaluate(BADGES)
    texts = {badge["text"] for badge in badges}
    assert {"Key event", "Investigating", "Live", "Ended"} <= texts

    for badge in badges:
        assert badge["size"] >= 12, badge
        assert badge["transform"] == "none", badge
    article.context.close()
    desk.context.close()


def test_badges_are_readable_in_the_exported_file(browser, demo):
    from incidents.export import export_html
    from incidents.models import Story

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_content(export_html(Story.objects.get(slug=LIVE_DEMO_SLUG)))
    badges = page.evaluate(BADGES)
    assert {"Key event", "Investigating"} <= {badge["text"] for badge in badges}

    for badge in badges:
        assert badge["size"] >= 12, badge
        assert badge["transform"] == "none", badge
    page.context.close()
