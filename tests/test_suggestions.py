"""Readers suggest corrections; editors work through the queue on the story desk."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import CorrectionSuggestion, Story
from incidents.views.corrections import SUGGESTIONS_PER_HOUR
from tests.conftest import make_story

HTMX = {"HX-Request": "true"}
MESSAGE = "The outage began at 9:15, not 9:50."


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def suggest_url(story):
    return reverse("reader:suggest_correction", args=[story.slug])


def resolve_url(suggestion):
    return reverse("desk:resolve_suggestion", args=[suggestion.story.slug, suggestion.pk])


# --- the reader's form ----------------------------------------------------------------------


def test_article_links_to_the_suggestion_form(client, story):
    assert suggest_url(story).encode() in client.get(story.get_absolute_url()).content


def test_form_shows_message_and_optional_email_and_a_hidden_trap(client, story):
    html = client.get(suggest_url(story)).content.decode()

    assert 'name="message"' in html and 'name="email"' in html
    assert 'class="field field--trap" aria-hidden="true"' in html
    assert 'name="website" id="id_website" tabindex="-1"' in html


def test_reader_suggestion_is_queued(client, story):
    response = client.post(suggest_url(story), {"message": MESSAGE, "email": "r@example.com"})

    suggestion = CorrectionSuggestion.objects.get()
    assert response.status_code == 200
    assert b"Thank you." in response.content
    assert (suggestion.story, suggestion.message, suggestion.email) == (
        story,
        MESSAGE,
        "r@example.com",
    )
    assert suggestion.sender_key and "127.0.0.1" not in suggestion.sender_key
    assert not suggestion.is_resolved


def test_htmx_suggestion_gets_the_thanks_fragment(client, story):
    response = client.post(suggest_url(story), {"message": MESSAGE}, headers=HTMX)

    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<div class="notice notice--success"')


def test_honeypot_thanks_the_bot_and_keeps_nothing(client, story):
    response = client.post(suggest_url(story), {"message": MESSAGE, "website": "http://spam"})

    assert response.status_code == 200
    assert b"Thank you." in response.content
    assert not CorrectionSuggestion.objects.exists()


def test_too_short_message_is_refused_on_its_field(client, story):
    response = client.post(suggest_url(story), {"message": "bad"})

    assert response.status_code == 400
    assert b"Tell us a little more" in response.content
    assert b"field field--error" in response.content
    assert not CorrectionSuggestion.objects.exists()


def test_missing_message_is_refused(client, story):
    response = client.post(suggest_url(story), {"email": "r@example.com"})

    assert response.status_code == 400
    assert b"This field is required." in response.content


def test_bad_email_is_refused_and_the_message_kept(client, story):
    response = client.post(suggest_url(story), {"message": MESSAGE, "email": "not-an-email"})

    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content
    assert MESSAGE.encode() in response.content
    assert not CorrectionSuggestion.objects.exists()


def test_oversized_message_is_refused(client, story):
    response = client.post(suggest_url(story), {"message": "x" * 2001})

    assert response.status_code == 400
    assert b"at most 2000 characters" in response.content
    assert not CorrectionSuggestion.objects.exists()


def test_one_address_is_rate_limited(client, story):
    for _ in range(SUGGESTIONS_PER_HOUR):
        assert client.post(suggest_url(story), {"message": MESSAGE}).status_code == 200

    response = client.post(suggest_url(story), {"message": MESSAGE})

    assert response.status_code == 429
    assert b"try again later" in response.content
    assert CorrectionSuggestion.objects.count() == SUGGESTIONS_PER_HOUR


def test_rate_limit_is_per_address(client, story):
    for _ in range(SUGGESTIONS_PER_HOUR + 1):
        client.post(suggest_url(story), {"message": MESSAGE})

    response = client.post(suggest_url(story), {"message": MESSAGE}, REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 200
    assert CorrectionSuggestion.objects.count() == SUGGESTIONS_PER_HOUR + 1


def test_no_suggestions_on_a_draft_story(client, db):
    draft = make_story(headline="Secret", state=Story.State.DRAFT)

    assert client.get(suggest_url(draft)).status_code == 404
    assert client.post(suggest_url(draft), {"message": MESSAGE}).status_code == 404


def test_suggestion_form_needs_a_csrf_token(story):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(suggest_url(story), {"message": MESSAGE})

    assert response.status_code == 403
    assert not CorrectionSuggestion.objects.exists()


# --- the queue on the desk ------------------------------------------------------------------


@pytest.fixture
def suggestion(story):
    return CorrectionSuggestion.objects.create(
        story=story, message=MESSAGE, email="reader@example.com"
    )


def test_editor_sees_the_queue_on_the_story_desk(client, editor, suggestion, other_story):
    CorrectionSuggestion.objects.create(story=other_story, message="Elsewhere entirely")
    client.force_login(editor)

    html = client.get(reverse("desk:story", args=[suggestion.story.slug])).content.decode()

    assert "Reader suggestions" in html
    assert MESSAGE in html
    assert "mailto:reader@example.com" in html
    assert "Elsewhere entirely" not in html


def test_reader_text_in_the_queue_is_escaped(client, editor, story):
    CorrectionSuggestion.objects.create(story=story, message="<script>alert(1)</script>")
    client.force_login(editor)

    html = client.get(reverse("desk:story", args=[story.slug])).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_editor_marks_a_suggestion_resolved(client, editor, suggestion):
    client.force_login(editor)

    response = client.post(resolve_url(suggestion), headers=HTMX)

    suggestion.refresh_from_db()
    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<section class="desk-panel" id="suggestions"')
    assert b"Marked resolved." in response.content
    assert b"No open suggestions from readers." in response.content
    assert suggestion.resolved_by == editor and suggestion.resolved_at


def test_the_resolve_answer_reads_only_the_queue(client, editor, suggestion):
    client.force_login(editor)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(resolve_url(suggestion), headers=HTMX)

    assert response.status_code == 200
    assert b"Marked resolved." in response.content
    sql = " ".join(q["sql"] for q in queries)
    assert "incidents_correctionsuggestion" in sql
    # Not the timeline, the contributors or the details form: only the queue it redraws.
    for table in ("incidents_update", "incidents_contributor", "incidents_tag", "incidents_byline"):
        assert f'FROM "{table}"' not in sql


def test_resolving_without_javascript_returns_to_the_queue(client, editor, suggestion):
    client.force_login(editor)

    response = client.post(resolve_url(suggestion))

    assert response.status_code == 302
    assert response["Location"].endswith("#suggestions")


def test_resolving_twice_keeps_the_first_editors_mark(client, editor, suggestion):
    from tests.conftest import make_user

    first = make_user("ed2", editor=True)
    suggestion.resolve(by=first)
    client.force_login(editor)

    response = client.post(resolve_url(suggestion), headers=HTMX)

    suggestion.refresh_from_db()
    assert b"Already resolved by ed2." in response.content
    assert suggestion.resolved_by == first


@pytest.mark.parametrize("who", ["reporter", "outsider"])
def test_only_editors_resolve(client, request, who, suggestion):
    client.force_login(request.getfixturevalue(who))

    response = client.post(resolve_url(suggestion))

    assert response.status_code == 403
    suggestion.refresh_from_db()
    assert not suggestion.is_resolved


def test_anonymous_cannot_resolve(client, suggestion):
    response = client.post(resolve_url(suggestion))

    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert not suggestion.is_resolved


def test_suggestion_of_another_story_is_404_here(client, editor, story, other_story):
    elsewhere = CorrectionSuggestion.objects.create(story=other_story, message=MESSAGE)
    client.force_login(editor)

    response = client.post(reverse("desk:resolve_suggestion", args=[story.slug, elsewhere.pk]))

    assert response.status_code == 404
