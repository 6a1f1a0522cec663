"""Anonymous readers' pages can be cached by a CDN and the browser (issue 10, finding 9): no
cookie, no CSRF token, no CSP nonce, `Cache-Control: public` with stale-while-revalidate, an
ETag and 304; signed-in users' pages stay private."""

import pytest
from django.test import Client

PAGES = ["front", "article", "article-newest-first"]


def url_of(name, story):
    return {
        "front": "/",
        "article": story.get_absolute_url(),
        "article-newest-first": story.get_absolute_url() + "?order=newest",
    }[name]


@pytest.fixture
def published(story, editor):
    story.publish_update("Engineers are **investigating**.", by=editor)
    return story


@pytest.mark.parametrize("name", PAGES)
def test_an_anonymous_reader_gets_a_public_cacheable_page_without_cookies(published, name):
    response = Client().get(url_of(name, published))

    assert response.status_code == 200
    assert "Chat Service Suffers Global Outage" in response.text
    assert response.cookies == {}
    assert "Set-Cookie" not in response.headers
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=10", "stale-while-revalidate=30"} <= directives
    assert response["ETag"].startswith('"')


@pytest.mark.parametrize("name", PAGES)
def test_an_anonymous_page_carries_no_csrf_token_and_no_nonce(published, name):
    response = Client().get(url_of(name, published))

    assert response.status_code == 200
    assert "X-CSRFToken" not in response.text
    assert "csrfmiddlewaretoken" not in response.text
    assert "nonce" not in response.text
    assert "nonce" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("name", PAGES)
def test_every_anonymous_reader_gets_the_same_bytes_and_a_304_with_the_etag(published, name):
    first = Client().get(url_of(name, published))
    second = Client().get(url_of(name, published))
    again = Client().get(url_of(name, published), headers={"If-None-Match": first["ETag"]})

    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]
    assert again.status_code == 304
    assert again.content == b""


def test_a_new_update_changes_the_etag(published, editor):
    before = Client().get(published.get_absolute_url())

    published.publish_update("Service is coming back.", by=editor)
    after = Client().get(published.get_absolute_url(), headers={"If-None-Match": before["ETag"]})

    assert after.status_code == 200
    assert "Service is coming back." in after.text
    assert after["ETag"] != before["ETag"]


@pytest.mark.parametrize("name", PAGES)
def test_a_signed_in_editor_gets_a_private_page_with_their_csrf_token(published, editor, name):
    client = Client()
    client.force_login(editor)

    response = client.get(url_of(name, published))

    assert response.status_code == 200
    assert "Newsroom" in response.text
    assert '"X-CSRFToken": "' in response.text
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert "private" in directives
    assert "public" not in directives
    assert not response.has_header("ETag")


def test_the_suggest_a_correction_page_keeps_its_form_and_token(published):
    response = Client().get(published.get_absolute_url() + "suggest-correction/")

    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in response.text
    assert "public" not in response.get("Cache-Control", "")


def test_a_missing_story_is_not_cached_as_public(db):
    response = Client().get("/stories/nothing-here/")

    assert response.status_code == 404
    assert "public" not in response.get("Cache-Control", "")
