"""The compose box: publish, save a draft, preview, and what is refused."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.timezone import now

from incidents.models import Change, Contributor, Story, Update
from incidents.webhooks import any_active_webhook

HTMX = {"HX-Request": "true"}


def publish_url(story):
    return reverse("desk:publish", args=[story.slug])


def draft_url(story):
    return reverse("desk:save_draft", args=[story.slug])


def test_editor_publishes_an_update(client, editor, story):
    client.force_login(editor)

    response = client.post(
        publish_url(story),
        {"body": "Engineers **found** it.", "status_label": "identified", "key_event": "on"},
    )

    update = story.updates.get()
    assert response.status_code == 302
    assert response["Location"] == f"/newsroom/stories/{story.slug}/#desk-update-{update.pk}"
    assert (update.number, update.author, update.state) == (1, editor, Update.State.PUBLISHED)
    assert update.status_label == "identified" and update.key_event
    assert update.body_html == "<p>Engineers <strong>found</strong> it.</p>"
    assert Change.objects.filter(story=story, kind=Change.Kind.PUBLISHED).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "UPDATE 1 is published." in page


def test_htmx_publish_returns_a_fresh_compose_box_and_the_timeline(client, editor, story):
    client.force_login(editor)
    page = client.get(reverse("desk:story", args=[story.slug])).content.decode()
    key = re.search(r'name="idempotency_key" value="(\w+)"', page).group(1)

    response = client.post(
        publish_url(story), {"body": "Live now", "idempotency_key": key}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="compose" id="compose"')
    assert "UPDATE 1 is published." in html
    assert 'id="desk-timeline" aria-labelledby="timeline-heading" hx-swap-oob="true"' in html
    assert "<p>Live now</p>" in html
    new_key = re.search(r'name="idempotency_key" value="(\w+)"', html).group(1)
    assert new_key != key
    assert '<textarea name="body"' in html and "Live now</textarea>" not in html


@pytest.fixture
def long_story(story, editor):
    """The story with 200 published updates already on its timeline."""
    moment = now()
    Update.objects.bulk_create(
        Update(
            story=story,
            number=n,
            body=f"Update {n}",
            body_html=f"<p>Update {n}</p>",
            author=editor,
            state=Update.State.PUBLISHED,
            published_at=moment,
            timestamp=moment - timedelta(minutes=200 - n),
        )
        for n in range(1, 201)
    )
    Story.objects.filter(pk=story.pk).update(last_number=200)
    story.refresh_from_db()
    return story


@pytest.mark.parametrize(
    ("headers", "status", "queries"),
    [
        # session, user, story, editors group; the model's lock, number, insert, sequence,
        # change row (+ savepoint and release); the counters come back from the locked row.
        ({}, 302, 13),
        # The same, then the answer: a fresh compose box and the timeline (drafts, published)
        # with how far each update went (push, webhooks, email: one query each, any length).
        (HTMX, 200, 18),
    ],
    ids=["plain", "htmx"],
)
def test_publishing_on_a_long_story_costs_a_fixed_number_of_queries(
    client, editor, long_story, django_assert_num_queries, headers, status, queries
):
    client.force_login(editor)
    if connection.vendor == "postgresql":
        queries += 1  # NOTIFY, in the same transaction
    queries += 2  # the update's search entry: an UPDATE that finds none, then its INSERT
    any_active_webhook()  # asked once, then remembered: no query per change for it

    with django_assert_num_queries(queries):
        response = client.post(publish_url(long_story), {"body": "Number 201"}, headers=headers)

    assert response.status_code == status
    assert long_story.updates.get(number=201).body == "Number 201"
    if headers:
        assert response.content.decode().count('<article class="desk-update') == 201


def test_double_clicked_publish_makes_one_update(client, editor, story):
    client.force_login(editor)
    data = {"body": "Clicked twice", "idempotency_key": "f00d" * 8}

    client.post(publish_url(story), data, headers=HTMX)
    client.post(publish_url(story), data, headers=HTMX)

    assert story.updates.count() == 1
    assert story.updates.get().number == 1


def test_compose_button_disables_itself_while_in_flight(client, editor, story):
    client.force_login(editor)

    html = client.get(reverse("desk:story", args=[story.slug])).content.decode()

    assert 'hx-disabled-elt="#compose-form button"' in html
    assert "data-shortcut-target data-publish>Publish</button>" in html


def test_backdated_update_is_read_in_the_story_timezone(client, editor, story):
    client.force_login(editor)

    client.post(publish_url(story), {"body": "Earlier", "timestamp": "2026-03-02T09:05"})

    update = story.updates.get()
    assert update.timestamp.isoformat() == "2026-03-02T14:05:00+00:00"  # 9:05 a.m. ET


def test_editor_can_pin_while_publishing(client, editor, story):
    client.force_login(editor)

    client.post(publish_url(story), {"body": "Read this first", "pinned": "on"})

    assert story.updates.get().pinned


def test_empty_update_is_refused_with_a_message_on_the_body(client, editor, story):
    client.force_login(editor)

    response = client.post(publish_url(story), {"body": "   \n"}, headers=HTMX)

    assert response.status_code == 400
    assert b"An update needs some text." in response.content
    assert b'class="field field--body field--error"' in response.content
    assert not story.updates.exists()


@override_settings(UPDATE_MAX_CHARS=100)
def test_oversized_update_is_refused_and_the_text_kept(client, editor, story):
    client.force_login(editor)
    body = "x" * 101

    response = client.post(publish_url(story), {"body": body})

    assert response.status_code == 400
    assert b"An update can be at most 100 characters; this one has 101." in response.content
    assert body.encode() in response.content
    assert not story.updates.exists()


def test_unknown_status_label_is_refused_on_its_field(client, editor, story):
    client.force_login(editor)

    response = client.post(publish_url(story), {"body": "Hi", "status_label": "panic"})

    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert not story.updates.exists()


def test_publishing_on_an_ended_story_is_refused_with_a_message(client, editor, story):
    story.end_coverage(by=editor)
    client.force_login(editor)

    response = client.post(publish_url(story), {"body": "Too late"}, headers=HTMX)

    assert response.status_code == 400
    assert b"Coverage of this story has ended; reopen it to publish." in response.content
    assert not story.updates.exists()


def test_reporter_cannot_publish_without_permission(client, reporter, story):
    client.force_login(reporter)

    response = client.post(publish_url(story), {"body": "Scoop"})

    assert response.status_code == 403
    assert b"has not allowed you to publish" in response.content
    assert not story.updates.exists()


def test_reporter_sees_only_save_draft(client, reporter, story):
    client.force_login(reporter)

    html = client.get(reverse("desk:story", args=[story.slug])).content.decode()

    assert "data-shortcut-target>Save draft</button>" in html
    assert ">Publish</button>" not in html
    assert 'name="pinned"' not in html


def test_reporter_allowed_to_publish_can_publish(client, reporter, story):
    Contributor.objects.filter(user=reporter).update(can_publish=True)
    client.force_login(reporter)

    response = client.post(publish_url(story), {"body": "Scoop"})

    update = story.updates.get()
    assert response.status_code == 302
    assert update.number == 1 and update.author == reporter


def test_reporter_who_may_publish_is_refused_a_pin_as_by_the_api(client, reporter, story):
    """Pinning stays an editor's call. The desk used to drop a reporter's pin silently while
    the API refused it; both now get the model's refusal."""
    Contributor.objects.filter(user=reporter).update(can_publish=True)
    client.force_login(reporter)

    response = client.post(publish_url(story), {"body": "Scoop", "pinned": "on"})

    assert response.status_code == 403
    assert b"Only editors can pin an update." in response.content
    assert not story.updates.exists()


def test_reporter_saves_a_draft(client, reporter, story):
    client.force_login(reporter)

    response = client.post(draft_url(story), {"body": "For the editor"}, headers=HTMX)

    draft = story.updates.get()
    assert response.status_code == 200
    assert b"Draft saved." in response.content
    assert draft.is_draft and draft.number is None and draft.author == reporter
    assert not Change.objects.filter(story=story, kind=Change.Kind.PUBLISHED).exists()
    reader = client.get(story.get_absolute_url()).content.decode()
    assert "For the editor" not in reader


def test_outsider_cannot_publish_or_draft_on_another_story(client, outsider, story):
    client.force_login(outsider)

    assert client.post(publish_url(story), {"body": "Nope"}).status_code == 403
    assert client.post(draft_url(story), {"body": "Nope"}).status_code == 403
    assert not story.updates.exists()


def test_publish_needs_post(client, editor, story):
    client.force_login(editor)

    assert client.get(publish_url(story)).status_code == 405


@pytest.mark.parametrize("token", [None, "forged-token-forged-token-forged-token-forged-tok"])
def test_publish_without_a_valid_csrf_token_is_refused(editor, story, token):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    data = {"body": "Forged"}
    if token:
        data["csrfmiddlewaretoken"] = token

    response = client.post(publish_url(story), data)

    assert response.status_code == 403
    assert not story.updates.exists()


def test_publish_with_the_csrf_header_htmx_sends_is_accepted(editor, story):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    page = client.get(reverse("desk:story", args=[story.slug])).content.decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)

    response = client.post(
        publish_url(story), {"body": "Genuine"}, headers={**HTMX, "X-CSRFToken": token}
    )

    assert response.status_code == 200
    assert story.updates.get().body == "Genuine"


# --- the preview ----------------------------------------------------------------------------


def test_preview_renders_through_the_publication_pipeline(client, editor, story):
    story.publish_update("First", by=editor)
    client.force_login(editor)

    response = client.post(
        reverse("desk:preview", args=[story.slug]),
        {"body": "Hello <script>alert(1)</script> *there*", "key_event": "on"},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "UPDATE 2" in html
    assert "<em>there</em>" in html
    assert "<script>" not in html
    assert "Key event" in html
    assert not story.updates.filter(number=2).exists()


def test_preview_shows_an_attributed_quote_as_readers_will_see_it(client, editor, story):
    client.force_login(editor)

    response = client.post(
        reverse("desk:preview", args=[story.slug]),
        {"body": "> We are rolling back.\n\n-- Jane Doe, CTO, [blog](https://example.com/post)"},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert '<blockquote cite="https://example.com/post">' in html
    assert "<figcaption>\u2014 Jane Doe, CTO, <a" in html


def test_compose_and_edit_forms_explain_the_attributed_quote_syntax(client, editor, story):
    update = story.publish_update("First", by=editor)
    client.force_login(editor)

    compose = client.get(reverse("desk:story", args=[story.slug]))
    edit = client.get(reverse("desk:edit_update", args=[story.slug, update.pk]))

    for response in (compose, edit):
        html = response.content.decode()
        assert response.status_code == 200
        assert "<summary>Formatting help</summary>" in html
        assert "An attributed quote" in html


def test_preview_of_nothing_says_where_it_will_appear(client, editor, story):
    client.force_login(editor)

    response = client.post(reverse("desk:preview", args=[story.slug]), {"body": ""})

    assert b"The preview appears here as you type." in response.content


@override_settings(UPDATE_MAX_CHARS=10)
def test_preview_warns_of_an_oversized_update(client, editor, story):
    client.force_login(editor)

    response = client.post(reverse("desk:preview", args=[story.slug]), {"body": "x" * 11})

    assert b"Too long to publish: 11 characters" in response.content


def test_preview_says_what_publish_would_of_a_time_out_of_range(client, editor, story):
    client.force_login(editor)

    response = client.post(
        reverse("desk:preview", args=[story.slug]),
        {"body": "Backdated", "timestamp": "1969-06-01T00:00"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert b"Choose a time between the years 1970 and 2100." in response.content
    assert b"Preview, as readers will see it" not in response.content


def test_preview_is_not_for_outsiders(client, outsider, story):
    client.force_login(outsider)

    response = client.post(reverse("desk:preview", args=[story.slug]), {"body": "Hi"})

    assert response.status_code == 403


def test_preview_ignores_a_junk_update_reference(client, editor, story):
    client.force_login(editor)

    response = client.post(
        reverse("desk:preview", args=[story.slug]), {"body": "Hi", "update": "1 OR 1=1"}
    )

    assert response.status_code == 200


def test_draft_story_can_collect_updates_before_going_live(client, editor):
    from tests.conftest import make_story

    story = make_story(headline="Quiet Start", state=Story.State.DRAFT)
    client.force_login(editor)

    client.post(publish_url(story), {"body": "Prepared"})

    assert story.updates.get().number == 1
    assert client.get(story.get_absolute_url()).status_code == 404
