"""A journalist adds a social post as a card from the desk in Chromium: fills it in from the
post's link (a stand-in oEmbed provider), inserts it, sees it in the preview, publishes it and
finds it on an open reader page."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(page, live_server, settings, editor, client, provider):
    settings.DEBUG = True  # as `make run` serves it
    settings.SOCIAL_CARD_OEMBED_ENDPOINTS = {"X": f"{provider}/oembed"}
    client.force_login(editor)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.url_root = live_server.url
    return page


def test_a_social_post_is_filled_in_from_its_link_inserted_and_published_as_a_card(desk, story):
    reader = desk.context.new_page()
    reader.goto(f"{desk.url_root}{story.get_absolute_url()}")
    desk.goto(f"{desk.url_root}/newsroom/stories/{story.slug}/")
    desk.locator("#compose-form textarea[name=body]").fill("The Atlantic's Matt O'Brien posts:")

    desk.get_by_text("Add a social post", exact=True).click()
    desk.get_by_label("Link to the post").fill("https://x.com/mattobrien/status/1")
    desk.get_by_role("button", name="Fill in from the link").click()
    expect(desk.get_by_label("Author")).to_have_value("Matt O'Brien")
    expect(desk.get_by_label("Handle")).to_have_value("@mattobrien")
    desk.get_by_role("button", name="Insert the card into the update").click()

    body = desk.locator("#compose-form textarea[name=body]")
    expect(body).to_have_value(
        "The Atlantic's Matt O'Brien posts:\n\n```post\nurl: https://x.com/mattobrien/status/1\n"
        "author: Matt O'Brien\nhandle: @mattobrien\nposted: 2026-11-25\n"
        "Twitter is down & so is TweetDeck\nfor many\n```\n\n"
    )
    expect(body).to_be_focused()
    preview = desk.locator("#compose-preview .post-card")
    expect(preview.locator(".post-card__network")).to_have_text("X")
    desk.locator("#compose-form").get_by_role("button", name="Publish").click()
    expect(desk.locator("#compose .notice--success")).to_contain_text("is published")

    card = reader.locator("#update-1 .post-card")
    # The test's live server (WSGI) serves no event stream: the reader's page gets the update by
    # the poll it falls back to after the stream's failures, a few seconds later.
    expect(card.locator(".post-card__author")).to_have_text("Matt O'Brien", timeout=15_000)
    expect(card.locator("blockquote")).to_contain_text("Twitter is down & so is TweetDeck")
    expect(card.get_by_role("link", name="View the post, Nov. 25, 2026")).to_have_attribute(
        "href", "https://x.com/mattobrien/status/1"
    )


def test_inserting_a_card_without_its_author_and_text_asks_for_them_first(desk, story):
    desk.goto(f"{desk.url_root}/newsroom/stories/{story.slug}/")
    desk.get_by_text("Add a social post", exact=True).click()
    desk.get_by_label("Link to the post").fill("https://x.com/mattobrien/status/1")

    desk.get_by_role("button", name="Insert the card into the update").click()

    expect(desk.get_by_label("Author")).to_be_focused()
    expect(desk.get_by_label("Author")).to_have_attribute("aria-invalid", "true")
    expect(desk.locator("#compose-form textarea[name=body]")).to_have_value("")
