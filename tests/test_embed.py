"""The embeddable live widget (issue 14, item 5): /stories/<slug>/embed/ shows the newest updates
through the update partial, may be framed by the sites of EMBED_FRAME_ANCESTORS only (every
other page keeps frame-ancestors 'none' and X-Frame-Options DENY), is public and cookie-free,
follows the same event stream, and the desk shows the code to paste."""

import html
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Story
from liveblog.env import env_origins

PARTNER = "https://news.partner.example"


def embed_url(story):
    return reverse("reader:embed", args=[story.slug])


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if "frame-ancestors" in part)


def labels(text: str) -> list[str]:
    return re.findall(r'class="update__label"[^>]*>(UPDATE \d+)<', text)


@pytest.fixture
def twelve(story, editor):
    texts = [f"Update number {n} from the scene." for n in range(12)]
    return [story.publish_update(text, by=editor) for text in texts]


# --- what it shows ---------------------------------------------------------------------------


def test_it_shows_the_newest_ten_updates_newest_first(story, twelve):
    response = Client().get(embed_url(story))

    assert response.status_code == 200
    assert labels(response.text) == [f"UPDATE {n}" for n in range(12, 2, -1)]
    assert "Update number 11 from the scene." in response.text
    assert "Update number 1 from the scene." not in response.text


def test_each_update_has_its_time_and_links_to_its_permalink(story, twelve):
    response = Client().get(embed_url(story))

    assert response.status_code == 200
    newest = twelve[-1]
    assert f'<a class="update__label" href="/stories/{story.slug}/updates/12/">UPDATE 12</a>' in (
        response.text
    )
    assert f'datetime="{newest.timestamp:%Y-%m-%dT%H:%M:%S}' in response.text
    assert response.text.count('<time class="update__time"') == 10
    assert 'href="#update-' not in response.text  # "#update-N" would mean the frame itself


def test_it_links_to_the_full_article_in_a_new_tab(story, twelve):
    response = Client().get(embed_url(story))

    assert response.status_code == 200
    assert (
        f'<a class="button button--primary" href="{story.get_absolute_url()}" target="_blank" '
        'rel="noopener">Read the full coverage</a>'
    ) in response.text
    # Links in what authors wrote open a new tab too, rather than loading inside the frame.
    assert '<base target="_blank">' in response.text


def test_the_article_keeps_its_in_page_update_links(story, twelve):
    Client().get(embed_url(story))  # the embed's renderings are cached under keys of their own
    response = Client().get(story.get_absolute_url())

    assert response.status_code == 200
    assert '<a class="update__label" href="#update-12">UPDATE 12</a>' in response.text


def test_it_follows_the_articles_event_stream(story, twelve):
    response = Client().get(embed_url(story))

    assert response.status_code == 200
    assert f'data-events-url="/stories/{story.slug}/events"' in response.text
    assert f'data-updates-url="/stories/{story.slug}/updates"' in response.text
    story.refresh_from_db()
    assert f'data-sequence="{story.sequence}"' in response.text
    assert "/static/js/live.js" in response.text and "/static/js/embed.js" in response.text
    assert "<script>" not in response.text  # no inline script: the CSP stays strict


def test_a_story_without_updates_says_they_will_come(story):
    response = Client().get(embed_url(story))

    assert response.status_code == 200
    assert "No updates yet." in response.text
    assert "Read the full coverage" in response.text


def test_an_ended_story_says_so(story, editor, twelve):
    story.end_coverage(by=editor)

    response = Client().get(embed_url(story))

    assert response.status_code == 200
    assert 'data-state="ended"' in response.text
    assert "Live coverage has ended" in response.text


def test_draft_withdrawn_and_unknown_stories_are_not_found(story, editor, twelve):
    draft = Story.objects.create(headline="Not Yet", slug="not-yet")
    assert Client().get(embed_url(draft)).status_code == 404
    assert Client().get("/stories/no-such-story/embed/").status_code == 404

    assert Client().get(embed_url(story)).status_code == 200
    story.set_state(Story.State.DRAFT, by=editor)  # withdrawn
    assert Client().get(embed_url(story)).status_code == 404
    assert Client().get(story.get_absolute_url()).status_code == 404


# --- who may frame it ------------------------------------------------------------------------


def test_the_embed_may_be_framed_by_the_configured_sites(settings, story):
    settings.EMBED_FRAME_ANCESTORS = [PARTNER, "http://127.0.0.1:8123"]

    response = Client().get(embed_url(story))

    assert response.status_code == 200
    assert frame_ancestors(response) == f"frame-ancestors 'self' {PARTNER} http://127.0.0.1:8123"
    assert "X-Frame-Options" not in response.headers
    # The rest of the policy is the site's own.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "base-uri 'none'" in response["Content-Security-Policy"]


def test_by_default_only_the_site_itself_may_frame_the_embed(settings, story):
    settings.EMBED_FRAME_ANCESTORS = []

    response = Client().get(embed_url(story))

    assert response.status_code == 200
    assert frame_ancestors(response) == "frame-ancestors 'self'"
    assert "X-Frame-Options" not in response.headers


@pytest.mark.parametrize("path", ["article", "front", "desk", "events-poll"])
def test_every_other_page_still_refuses_every_frame(settings, client, editor, story, path):
    settings.EMBED_FRAME_ANCESTORS = [PARTNER]
    client.force_login(editor)
    url = {
        "article": story.get_absolute_url(),
        "front": "/",
        "desk": reverse("desk:story", args=[story.slug]),
        "events-poll": reverse("live:updates", args=[story.slug]),
    }[path]

    response = client.get(url)

    assert response.status_code == 200
    assert frame_ancestors(response) == "frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert PARTNER not in response["Content-Security-Policy"]


def test_a_remembered_embed_keeps_its_frame_policy(settings, story, twelve):
    settings.EMBED_FRAME_ANCESTORS = [PARTNER]
    first = Client().get(embed_url(story))
    again = Client().get(embed_url(story))  # from the process's memory of the page
    revalidated = Client().get(embed_url(story), headers={"If-None-Match": first["ETag"]})

    assert first.status_code == again.status_code == 200
    assert revalidated.status_code == 304
    for response in (first, again, revalidated):
        assert frame_ancestors(response) == f"frame-ancestors 'self' {PARTNER}"
        assert "X-Frame-Options" not in response.headers


@pytest.mark.parametrize(
    "value",
    [
        "news.partner.example",
        "https://news.partner.example/live",
        "ftp://news.partner.example",
        "https://news.partner.example; script-src *",
        "https://news.partner.example 'unsafe-inline'",
        "https://news.partner.example:99999",
        "https://",
        "*",
    ],
)
def test_a_malformed_origin_stops_start_up_with_its_name(monkeypatch, value):
    monkeypatch.setenv("EMBED_FRAME_ANCESTORS", f"https://ok.example, {value}")

    with pytest.raises(ImproperlyConfigured, match="EMBED_FRAME_ANCESTORS must list origins"):
        env_origins("EMBED_FRAME_ANCESTORS", [])


def test_origins_are_read_as_a_list(monkeypatch):
    monkeypatch.setenv("EMBED_FRAME_ANCESTORS", "https://a.example, http://127.0.0.1:8123/,")

    assert env_origins("EMBED_FRAME_ANCESTORS", []) == [
        "https://a.example",
        "http://127.0.0.1:8123",
    ]


# --- caching ---------------------------------------------------------------------------------


def test_the_embed_is_public_cacheable_and_sets_no_cookie(story, twelve):
    first = Client().get(embed_url(story))
    again = Client().get(embed_url(story), headers={"If-None-Match": first["ETag"]})

    assert first.status_code == 200
    directives = {part.strip() for part in first["Cache-Control"].split(",")}
    assert {"public", "max-age=10", "stale-while-revalidate=30"} <= directives
    assert first.cookies == {}
    assert "Cookie" not in first.get("Vary", "")
    assert again.status_code == 304


def test_a_signed_in_reader_gets_the_same_public_page(client, editor, story, twelve):
    anonymous = Client().get(embed_url(story))
    client.force_login(editor)

    response = client.get(embed_url(story))

    assert response.status_code == 200
    assert response.content == anonymous.content
    assert "public" in response["Cache-Control"]
    assert response.cookies == {}
    assert "csrfmiddlewaretoken" not in response.text and "X-CSRFToken" not in response.text


def test_the_next_readers_get_the_embed_from_memory_with_no_query(story, twelve):
    with CaptureQueriesContext(connection) as first_queries:
        first = Client().get(embed_url(story))
    with CaptureQueriesContext(connection) as next_queries:
        again = Client().get(embed_url(story))

    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert 0 < len(first_queries) <= 4  # the story, its updates (and their cached renderings)
    assert len(next_queries) == 0


def test_the_embed_changes_with_the_story(story, editor, twelve):
    before = Client().get(embed_url(story))
    story.publish_update("A thirteenth update.", by=editor)

    after = Client().get(embed_url(story))

    assert after.status_code == 200
    assert labels(after.text)[0] == "UPDATE 13"
    assert after["ETag"] != before["ETag"]


# --- the desk shows the code -----------------------------------------------------------------


def embed_code_on(response) -> str:
    found = re.search(r'<textarea id="embed-code-text"[^>]*>(.*?)</textarea>', response.text, re.S)
    assert found, "no embed code on the page"
    return html.unescape(found.group(1))


@pytest.mark.parametrize("who", ["editor", "reporter"])
def test_the_desk_shows_the_embed_code_to_copy(client, request, story, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(reverse("desk:story", args=[story.slug]))

    assert response.status_code == 200
    assert "Embed on another site" in response.text
    assert "readonly" in re.search(r"<textarea id=\"embed-code-text\"[^>]*>", response.text)[0]
    assert 'data-copy="#embed-code-text"' in response.text
    code = embed_code_on(response)
    site = "http://testserver"
    assert f'<iframe src="{site}/stories/{story.slug}/embed/"' in code
    assert f'title="Live coverage: {story.headline}"' in code
    assert "data-liveblog-embed" in code
    # The fallback: a plain link that works with no frame and no script.
    assert (
        f'<p><a href="{site}/stories/{story.slug}/">Follow the live coverage: {story.headline}</a>'
        in code
    )
    assert f'<script src="{site}/static/js/embed-resize.js" async></script>' in code


def test_the_embed_code_uses_the_sites_own_address_and_escapes_the_headline(
    settings, client, editor, story
):
    settings.SITE_URL = "https://live.example.com"
    story.change_details(headline='Storm "Ana" <Hits> Coast', by=editor)
    client.force_login(editor)

    response = client.get(reverse("desk:story", args=[story.slug]))

    assert response.status_code == 200
    code = embed_code_on(response)
    assert f'<iframe src="https://live.example.com/stories/{story.slug}/embed/"' in code
    assert 'title="Live coverage: Storm &quot;Ana&quot; &lt;Hits&gt; Coast"' in code
    assert "<Hits>" not in code


def test_anonymous_visitors_see_no_desk(story):
    response = Client().get(reverse("desk:story", args=[story.slug]))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_parent_side_script_is_served_from_static(story):
    client = Client()
    frame_script = client.get("/static/js/embed.js")
    parent_script = client.get("/static/js/embed-resize.js")

    assert frame_script.status_code == parent_script.status_code == 200
    assert b"liveblog:embed-height" in b"".join(frame_script.streaming_content)
    assert b"liveblog:embed-height" in b"".join(parent_script.streaming_content)
