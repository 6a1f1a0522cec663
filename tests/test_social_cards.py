"""Social-post cards (issue 13, item 5): a post shown as a static card, with no script, frame or
tracking from its network, written as a ```post block; and the desk's "Fill in from the link",
tried against a local stand-in oEmbed provider."""

import json

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils.html import escape

from incidents import social_cards
from incidents.export import export_html
from incidents.models import Update
from incidents.rendering import render_markdown
from incidents.social_cards import network_of, parse_card
from tests.api_support import Api, error_of
from tests.oembed_provider import Provider

HTMX = {"HX-Request": "true"}
CARD = """\
Matt O'Brien posted:

```post
url: https://bsky.app/profile/mattobrien.bsky.social/post/3kabc
author: Matt O'Brien
handle: @mattobrien.bsky.social
posted: 2026-11-25 09:38
Twitter is down for a lot of people.

Second paragraph.
```

More after the card."""


def card(**fields) -> str:
    lines = ["```post"] + [f"{name}: {value}" for name, value in fields.items() if name != "text"]
    return "\n".join([*lines, fields.get("text", "The text of the post."), "```"])


# --- how a card looks ---------------------------------------------------------------------------


def test_a_post_block_renders_as_a_static_card_with_network_author_handle_time_and_link():
    html = render_markdown(CARD)

    assert html.startswith('<p>Matt O&rsquo;Brien posted:</p>\n<figure class="post-card')
    assert '<figure class="post-card post-card--bluesky">' in html
    assert (
        '<blockquote class="post-card__text" '
        'cite="https://bsky.app/profile/mattobrien.bsky.social/post/3kabc">\n'
        "<p>Twitter is down for a lot of people.</p>\n<p>Second paragraph.</p>\n</blockquote>"
    ) in html
    assert '<span class="post-card__network">Bluesky</span>' in html
    assert '<strong class="post-card__author">Matt O&#x27;Brien</strong>' in html
    assert '<span class="post-card__handle">@mattobrien.bsky.social</span>' in html
    assert (
        '<a href="https://bsky.app/profile/mattobrien.bsky.social/post/3kabc" '
        'rel="nofollow noopener noreferrer">View the post, '
        '<time datetime="2026-11-25T09:38">Nov. 25, 2026, 9:38 a.m.</time></a>'
    ) in html
    assert html.endswith("<p>More after the card.</p>")
    assert "<script" not in html and "<iframe" not in html


@pytest.mark.parametrize(
    ("url", "network"),
    [
        ("https://x.com/mattobrien/status/1", "X"),
        ("https://twitter.com/mattobrien/status/1", "X"),
        ("https://mobile.twitter.com/mattobrien/status/1", "X"),
        ("https://bsky.app/profile/matt.bsky.social/post/3k", "Bluesky"),
        ("https://mastodon.social/@matt/111222333", "Mastodon"),
        ("https://journa.host/@matt@example.org/111", "Mastodon"),
        ("https://www.threads.net/@matt/post/C1", "Threads"),
        ("https://www.youtube.com/watch?v=abc", "YouTube"),
        ("https://youtu.be/abc", "YouTube"),
        ("https://www.linkedin.com/posts/matt_activity-1", "LinkedIn"),
        ("https://www.example.org/blog/post", "example.org"),
    ],
)
def test_the_network_is_named_from_the_posts_address(url, network):
    assert network_of(url) == network


def test_handle_and_time_are_optional_and_a_date_alone_shows_as_a_date():
    html = render_markdown(card(url="https://x.com/a/status/1", author="A", posted="2026-11-25"))

    assert "post-card__handle" not in html
    assert '<time datetime="2026-11-25">Nov. 25, 2026</time>' in html
    assert render_markdown(card(url="https://x.com/a/status/1", author="A")).count("<time") == 0


def test_everything_in_a_card_is_escaped():
    html = render_markdown(
        card(
            url='https://x.com/a/status/1?q="><script>alert(1)</script>',
            author="<img src=x onerror=alert(1)>",
            handle="@a<b>",
            text="<script>alert(2)</script> & <b>bold</b>",
        )
    )

    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_text_cannot_name_a_card_of_its_own():
    html = render_markdown("\ue0020\ue003\n\n" + card(url="https://x.com/a/status/1", author="A"))

    assert html.count("<figure") == 1
    assert html.startswith("<p>0</p>")


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (card(url="javascript:alert(1)", author="A"), "“javascript:alert(1)” is not one."),
        (card(url="data:text/html,x", author="A"), "is not one."),
        (card(author="A"), "needs a url: line"),
        (card(url="https://x.com/a/status/1"), "needs an author: line"),
        ("```post\nurl: https://x.com/a/status/1\nauthor: A\n```", "needs the post's text"),
        (card(url="https://x.com/a/status/1", author="A", posted="yesterday"), "“yesterday”"),
        (card(url="https://x.com/a/status/1", author="A" * 101), "author can be at most 100"),
    ],
)
def test_a_bad_card_is_refused_with_a_message_and_nothing_is_saved(
    client, editor, story, block, message
):
    client.force_login(editor)

    response = client.post(
        reverse("desk:publish", args=[story.slug]), {"body": f"Look:\n\n{block}"}, headers=HTMX
    )

    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert not Update.objects.filter(story=story).exists()


def test_the_api_refuses_a_card_with_a_script_link_on_the_body_field(editor, story):
    response = Api(editor).post(
        f"/stories/{story.slug}/updates", {"body": card(url="javascript:alert(1)", author="A")}
    )

    assert response.status_code == 400
    assert "is not one" in json.dumps(error_of(response))
    assert not Update.objects.filter(story=story).exists()


def test_a_published_card_reaches_the_article_and_the_export_without_any_third_party_resource(
    client, editor, story
):
    story.publish_update(CARD, by=editor)

    page = client.get(story.get_absolute_url()).content.decode()
    export = export_html(story)

    for html in (page, export):
        assert '<figure class="post-card post-card--bluesky">' in html
        assert "bsky.app" not in html.replace('href="https://bsky.app', "").replace(
            'cite="https://bsky.app', ""
        )


def test_a_card_is_found_by_search(client, editor, story):
    story.publish_update(CARD, by=editor)

    response = client.get("/search/", {"q": "Second paragraph"})

    assert response.status_code == 200
    assert "UPDATE 1" in response.content.decode()


# --- "Fill in from the link", against a stand-in provider -------------------------------------


def fill_in(client, story, url):
    return client.post(
        reverse("desk:post_card_details", args=[story.slug]),
        {"card_url": url, "card_author": "", "card_text": ""},
        headers=HTMX,
    )


def test_fill_in_from_the_link_asks_the_networks_oembed_and_fills_the_fields(
    client, editor, story, provider
):
    client.force_login(editor)
    Provider.asked.clear()

    with override_settings(SOCIAL_CARD_OEMBED_ENDPOINTS={"X": f"{provider}/oembed"}):
        response = fill_in(client, story, "https://x.com/mattobrien/status/1")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Filled in from the link." in html
    assert 'value="Matt O&#x27;Brien"' in html
    assert 'value="@mattobrien"' in html
    assert 'value="2026-11-25"' in html
    assert "Twitter is down &amp; so is TweetDeck\nfor many</textarea>" in html
    [(path, query)] = Provider.asked
    assert path == "/oembed" and query["url"] == ["https://x.com/mattobrien/status/1"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/fail", "did not answer in time or refused (HTTP 500)"),
        ("/junk", "answer was not readable"),
        ("/redirect", "did not answer in time or refused (HTTP 302)"),
        ("/slow", "did not answer in time or refused (timed out)"),
    ],
)
def test_a_provider_that_fails_leaves_the_fields_as_they_were_with_why(
    client, editor, story, provider, monkeypatch, path, message
):
    monkeypatch.setattr(social_cards, "FETCH_TIMEOUT_SECONDS", 0.5)
    client.force_login(editor)

    with override_settings(SOCIAL_CARD_OEMBED_ENDPOINTS={"X": f"{provider}{path}"}):
        response = fill_in(client, story, "https://x.com/mattobrien/status/1")

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'value="https://x.com/mattobrien/status/1"' in html


def test_a_network_without_public_oembed_says_to_fill_in_by_hand(client, editor, story):
    client.force_login(editor)

    response = fill_in(client, story, "https://www.threads.net/@matt/post/C1")

    assert response.status_code == 400
    assert "Details of Threads posts cannot be fetched without an app token" in (
        response.content.decode()
    )


def test_a_script_link_is_never_fetched(client, editor, story):
    client.force_login(editor)

    response = fill_in(client, story, "javascript:alert(1)")

    assert response.status_code == 400
    assert "“javascript:alert(1)” is not one." in response.content.decode()


def test_a_mastodon_server_on_a_private_address_is_not_asked(client, editor, story, provider):
    client.force_login(editor)
    Provider.asked.clear()

    response = fill_in(client, story, f"{provider}/@matt/111")

    assert response.status_code == 400
    assert "is on a private address; it is not asked." in response.content.decode()
    assert Provider.asked == []


@override_settings(SOCIAL_CARD_ALLOW_LOOPBACK=True)
def test_a_mastodon_servers_own_oembed_is_asked_when_its_address_is_allowed(
    client, editor, story, provider
):
    client.force_login(editor)

    response = fill_in(client, story, f"{provider}/@matt/111")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Matt"' in html
    assert 'value="@matt@127.0.0.1"' in html


def test_fill_in_is_for_the_storys_desk_only(client, outsider, story):
    client.force_login(outsider)

    response = fill_in(client, story, "https://x.com/a/status/1")

    assert response.status_code == 403


def test_the_parsed_card_keeps_what_was_typed():
    parsed, problem = parse_card("url: https://x.com/a/status/1\nAUTHOR: A\n\nLine one\nLine two")

    assert problem == ""
    assert (parsed.url, parsed.author, parsed.text) == (
        "https://x.com/a/status/1",
        "A",
        "Line one\nLine two",
    )
