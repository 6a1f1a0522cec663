"""The polling fallback: changes after `?since=`, cacheable by a CDN, 304 when nothing changed."""

import re

import pytest

from incidents.live.heads import forget_story_heads
from incidents.live.poll import POLL_CACHE_CONTROL
from tests.conftest import make_story


@pytest.fixture(autouse=True)
def fresh_heads(settings):
    """Every poll here reads the database: the per-process head cache has its own test."""
    settings.LIVE_POLL_HEAD_SECONDS = 0
    forget_story_heads()
    yield
    forget_story_heads()


def poll_url(story, since=None):
    url = f"/stories/{story.slug}/updates"
    return url if since is None else f"{url}?since={since}"


def sequences(response):
    return [
        int(n)
        for n in re.findall(r'<template data-kind="\w+" data-sequence="(\d+)">', response.text)
    ]


def test_a_poll_returns_the_changes_after_since_with_the_update_partial(client, story, editor):
    story.refresh_from_db()
    since = story.sequence
    first = story.publish_update("Checkout is *slow*.", by=editor)
    story.publish_update("Payments recovering.", by=editor)
    story.refresh_from_db()

    response = client.get(poll_url(story, since))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert sequences(response) == [since + 1, since + 2]
    # The newest change carries the story's regions as markup, not escaped.
    assert '<div class="key-events-region" id="key-events" data-story-region>' in response.text
    assert f'<article class="update" id="{first.anchor}"' in response.text
    assert "<em>slow</em>" in response.text
    assert f'data-sequence="{story.sequence}" data-state="live"' in response.text
    assert response["X-Live-Sequence"] == str(story.sequence)


def test_a_poll_is_cacheable_by_anyone_and_carries_no_cookie(client, story):
    client.cookies["sessionid"] = "someone-elses-session"
    client.cookies["csrftoken"] = "not-a-valid-token"

    response = client.get(poll_url(story, 0))

    assert response["Cache-Control"] == POLL_CACHE_CONTROL
    assert POLL_CACHE_CONTROL.startswith("public, max-age=5, stale-while-revalidate=")
    assert response.has_header("ETag")
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_a_poll_with_the_current_etag_is_answered_304(client, story):
    etag = client.get(poll_url(story, story.sequence))["ETag"]

    response = client.get(poll_url(story, story.sequence), headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == POLL_CACHE_CONTROL


def test_the_etag_changes_when_the_story_changes(client, story, editor):
    since = story.sequence
    etag = client.get(poll_url(story, since))["ETag"]
    story.publish_update("Something new", by=editor)

    response = client.get(poll_url(story, since), headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "Something new" in response.text


def test_a_poll_with_nothing_new_is_an_empty_batch(client, story):
    response = client.get(poll_url(story, story.sequence))

    assert response.status_code == 200
    assert sequences(response) == []


def test_a_poll_after_coverage_ended_says_stop_polling(client, story, editor):
    since = story.sequence
    story.end_coverage(by=editor)

    response = client.get(poll_url(story, since))

    assert response.status_code == 286
    assert 'data-kind="ended"' in response.text
    assert "Live coverage has ended" in response.text


def test_a_poll_with_the_etag_of_an_ended_story_still_says_stop(client, story, editor):
    story.end_coverage(by=editor)
    etag = client.get(poll_url(story, story.sequence))["ETag"]

    response = client.get(poll_url(story, story.sequence), headers={"If-None-Match": etag})

    assert response.status_code == 286


@pytest.mark.parametrize("bad", ["abc", "-1", "1e5", "1.0", "99999", ""], ids=repr)
def test_a_malformed_since_gets_a_small_cacheable_reset(client, story, editor, bad):
    for n in range(30):
        story.publish_update(f"Update {n} " + "with a long body " * 20, by=editor)
    story.refresh_from_db()

    response = client.get(poll_url(story) + f"?since={bad}")

    assert response.status_code == 200
    assert "data-reset" in response.text
    assert f'data-sequence="{story.sequence}"' in response.text
    assert sequences(response) == []
    assert len(response.content) < 200
    assert response["Cache-Control"] == POLL_CACHE_CONTROL
    assert response.has_header("ETag")


def test_a_poll_without_since_gets_a_reset(client, story, editor):
    story.publish_update("One", by=editor)

    response = client.get(poll_url(story))

    assert response.status_code == 200
    assert "data-reset" in response.text
    assert sequences(response) == []


def test_a_since_further_behind_than_a_replay_holds_gets_a_reset(client, story, editor, settings):
    settings.LIVE_REPLAY_MEMORY = 3
    since = story.sequence
    for n in range(4):
        story.publish_update(f"Update {n}", by=editor)
    story.refresh_from_db()

    too_old = client.get(poll_url(story, since))
    recent = client.get(poll_url(story, since + 1))

    assert too_old.status_code == 200 and "data-reset" in too_old.text
    assert recent.status_code == 200 and "data-reset" not in recent.text
    assert sequences(recent) == [since + 2, since + 3, since + 4]


def test_an_ended_storys_poll_is_answered_from_the_cache(
    client, story, editor, settings, django_assert_num_queries
):
    settings.LIVE_POLL_HEAD_SECONDS = 60
    since = story.sequence
    story.publish_update("Last words", by=editor)
    story.end_coverage(by=editor)
    first = client.get(poll_url(story, since))

    with django_assert_num_queries(0):
        again = client.get(poll_url(story, since))
        current = client.get(poll_url(story, since + 2))

    assert first.status_code == again.status_code == current.status_code == 286
    assert "Last words" in again.text and again.content == first.content
    assert again["Cache-Control"] == POLL_CACHE_CONTROL
    assert sequences(current) == []


def test_a_poll_for_an_unknown_story_is_not_found(client, db):
    assert client.get("/stories/nothing-here/updates?since=0").status_code == 404


def test_a_poll_for_a_draft_story_is_not_found(client, db):
    draft = make_story(headline="Not yet", state="draft")

    assert client.get(poll_url(draft, 0)).status_code == 404


def test_a_poll_only_answers_reads(client, story):
    assert client.head(poll_url(story, 0)).status_code == 200
    assert client.post(poll_url(story, 0)).status_code == 405


def test_repeated_polls_are_answered_304_without_a_query(
    client, story, settings, django_assert_num_queries
):
    settings.LIVE_POLL_HEAD_SECONDS = 60
    etag = client.get(poll_url(story, story.sequence))["ETag"]

    with django_assert_num_queries(0):
        response = client.get(poll_url(story, story.sequence), headers={"If-None-Match": etag})

    assert response.status_code == 304
