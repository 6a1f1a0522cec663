"""POST /stories/<slug>/updates, PATCH and DELETE /stories/<slug>/updates/<number>."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from incidents.models import Change, Revision, Story, Update
from tests.api_support import Api, error_of


@pytest.fixture
def api(editor):
    return Api(editor)


def _post(api, story, **data):
    return api.post(f"/stories/{story.slug}/updates", data)


# --- publishing -------------------------------------------------------------------------------


def test_editor_publishes_the_next_numbered_update(api, story, editor):
    story.publish_update("First", by=editor)

    response = _post(api, story, body="Engineers found the [cause](https://example.com/c).")

    assert response.status_code == 201
    data = response.json()
    assert data["number"] == 2
    assert data["state"] == "published"
    assert data["revision"] == 1
    assert data["url"] == f"http://testserver/stories/{story.slug}/updates/2/"
    assert (
        '<a href="https://example.com/c" rel="nofollow noopener noreferrer">cause</a>'
        in (data["html"])
    )
    assert response["Location"].endswith(f"/api/v1/stories/{story.slug}/updates/2")
    update = story.updates.get(number=2)
    assert update.author == editor
    assert story.changes.filter(kind=Change.Kind.PUBLISHED, update=update).exists()


def test_published_update_reaches_the_reader_page(api, story):
    _post(api, story, body="> A quoted apology.\n\nAnd more.")

    page = Client().get(f"/stories/{story.slug}/").content.decode()

    assert 'id="update-1"' in page
    assert "<blockquote>" in page and "A quoted apology." in page


def test_update_takes_timestamp_status_and_key_event(api, story):
    response = _post(
        api,
        story,
        body="Backdated",
        timestamp="2026-07-26T11:40:00-04:00",
        status_label="identified",
        key_event=True,
    )

    data = response.json()
    assert data["timestamp"] == "2026-07-26T11:40:00-04:00"  # shown in the story's zone
    update = story.updates.get()
    assert update.timestamp == datetime(2026, 7, 26, 15, 40, tzinfo=UTC)
    assert update.status_label == "identified" and update.key_event


def test_timestamp_without_offset_means_story_local_time(api, story):
    _post(api, story, body="Local", timestamp="2026-01-05T09:00:00")

    assert story.updates.get().timestamp == datetime(2026, 1, 5, 14, 0, tzinfo=UTC)


def test_pinned_update_unpins_the_previous_one(api, story, editor):
    first = story.publish_update("Old news", by=editor, pinned=False)
    first.set_pinned(True, by=editor)

    response = _post(api, story, body="Read this first", pinned=True)

    assert response.json()["pinned"] is True
    first.refresh_from_db()
    assert not first.pinned
    assert [u.pinned for u in story.updates.order_by("number")] == [False, True]


def test_reporter_cannot_pin(reporter, story):
    story.contributors.filter(user=reporter).update(can_publish=True)

    response = _post(Api(reporter), story, body="Pin me", pinned=True)

    assert response.status_code == 403
    assert not story.updates.exists()


def test_reporter_saves_a_draft_that_readers_do_not_see(reporter, story):
    response = _post(Api(reporter), story, body="Draft for the editor", draft=True)

    assert response.status_code == 201
    data = response.json()
    assert data["state"] == "draft" and data["number"] is None and data["url"] is None
    assert "Location" not in response
    assert not story.changes.filter(kind=Change.Kind.PUBLISHED).exists()
    assert "Draft for the editor" not in Client().get(f"/stories/{story.slug}/").content.decode()


def test_same_idempotency_key_publishes_once(api, story):
    first = api.post(
        f"/stories/{story.slug}/updates", {"body": "Once"}, headers={"Idempotency-Key": "abc-1"}
    )
    second = api.post(
        f"/stories/{story.slug}/updates", {"body": "Once"}, headers={"Idempotency-Key": "abc-1"}
    )

    assert first.status_code == second.status_code == 201
    assert first.json()["number"] == second.json()["number"] == 1
    assert story.updates.count() == 1


def test_update_needs_a_body(api, story):
    for data in ({}, {"body": ""}, {"body": "   "}, {"body": 42}):
        response = api.post(f"/stories/{story.slug}/updates", data)
        assert response.status_code == 400, data
        assert "body" in error_of(response)["fields"]
    assert not story.updates.exists()


def test_overlong_body_is_400_on_the_body_field(api, story, settings):
    settings.UPDATE_MAX_CHARS = 100

    response = _post(api, story, body="x" * 101)

    assert response.status_code == 400
    assert "at most 100 characters" in error_of(response)["fields"]["body"]
    assert not story.updates.exists()


def test_bad_fields_are_named(api, story):
    response = _post(
        api, story, body="ok", status_label="panicking", key_event="yes", timestamp="soon"
    )

    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert set(fields) == {"status_label", "key_event", "timestamp"}  # all in one answer
    assert fields["key_event"] == "Must be true or false."
    assert "panicking" in fields["status_label"]
    assert "Enter a date and time" in fields["timestamp"]
    assert not story.updates.exists()


def test_posting_to_an_ended_story_is_409(api, story):
    story.end_coverage()

    response = _post(api, story, body="Too late")

    assert response.status_code == 409
    assert error_of(response)["code"] == "story_ended"
    assert not story.updates.exists()


def test_posting_to_unknown_story_is_404(api):
    assert api.post("/stories/missing/updates", {"body": "x"}).status_code == 404


# --- editing ----------------------------------------------------------------------------------


@pytest.fixture
def published(story, editor):
    return story.publish_update("Twitter is down for us.", by=editor)


def test_editor_edits_with_the_current_revision(api, story, published):
    response = api.patch(
        f"/stories/{story.slug}/updates/1",
        {"revision": 1, "body": "Twitter is down worldwide.", "status_label": "monitoring"},
    )

    assert response.status_code == 200
    data = response.json()
    assert data["revision"] == 2 and data["body"] == "Twitter is down worldwide."
    assert data["edited_at"] is not None
    published.refresh_from_db()
    assert published.status_label == "monitoring"
    assert Revision.objects.get(update=published).body == "Twitter is down for us."
    assert story.changes.filter(kind=Change.Kind.EDITED, update=published).exists()


def test_stale_revision_is_409_and_keeps_the_newer_text(api, story, published, editor):
    published.edit("A colleague's fix.", by=editor, expected_revision=1)

    response = api.patch(f"/stories/{story.slug}/updates/1", {"revision": 1, "body": "Mine"})

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "stale_revision"
    assert error["fields"] == {"revision": "The current revision is 2."}
    published.refresh_from_db()
    assert published.body == "A colleague's fix." and published.revision == 2


def test_edit_requires_the_revision(api, story, published):
    response = api.patch(f"/stories/{story.slug}/updates/1", {"body": "No revision"})

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"revision": "This field is required."}


def test_edit_with_correction_note_is_listed_as_a_correction(api, story, published):
    response = api.patch(
        f"/stories/{story.slug}/updates/1",
        {"revision": 1, "body": "Twitter was down.", "correction_note": "It was not Gchat."},
    )

    assert response.status_code == 200
    assert [c.correction_note for c in story.corrections()] == ["It was not Gchat."]


def test_pinning_through_patch(api, story, published):
    response = api.patch(f"/stories/{story.slug}/updates/1", {"revision": 1, "pinned": True})

    assert response.json()["pinned"] is True and response.json()["revision"] == 1
    assert story.changes.filter(kind=Change.Kind.PINNED).exists()


def test_failed_edit_saves_nothing(api, story, published):
    sequence = Story.objects.get(pk=story.pk).sequence

    response = api.patch(
        f"/stories/{story.slug}/updates/1", {"revision": 1, "body": "", "pinned": True}
    )

    assert response.status_code == 400
    published.refresh_from_db()
    assert published.body == "Twitter is down for us." and not published.pinned
    assert Story.objects.get(pk=story.pk).sequence == sequence


def test_reporter_cannot_edit_a_published_update(reporter, story, published):
    story.contributors.filter(user=reporter).update(can_publish=True)

    response = Api(reporter).patch(f"/stories/{story.slug}/updates/1", {"revision": 1, "body": "x"})

    assert response.status_code == 403
    published.refresh_from_db()
    assert published.body == "Twitter is down for us."


def test_unknown_update_number_is_404(api, story, published):
    response = api.patch(f"/stories/{story.slug}/updates/9", {"revision": 1, "body": "x"})

    assert response.status_code == 404
    assert "UPDATE 9" in error_of(response)["message"]


# --- retracting -------------------------------------------------------------------------------


def test_delete_retracts_with_a_reason_readers_see(api, story, published, editor):
    response = api.delete(f"/stories/{story.slug}/updates/1", {"reason": "Wrong service."})

    assert response.status_code == 200
    data = response.json()
    assert data["state"] == "retracted" and data["retraction_reason"] == "Wrong service."
    published.refresh_from_db()
    assert published.is_retracted and published.retracted_by == editor
    assert story.changes.filter(kind=Change.Kind.RETRACTED, update=published).exists()
    page = Client().get(f"/stories/{story.slug}/").content.decode()
    assert "This update was retracted" in page and "Wrong service." in page


def test_delete_without_a_body_uses_a_default_reason(api, story, published):
    response = api.delete(f"/stories/{story.slug}/updates/1")

    assert response.status_code == 200
    published.refresh_from_db()
    assert published.retraction_reason == "Withdrawn by the newsroom."


def test_retracting_twice_is_409(api, story, published):
    api.delete(f"/stories/{story.slug}/updates/1")

    response = api.delete(f"/stories/{story.slug}/updates/1")

    assert response.status_code == 409
    assert error_of(response)["code"] == "retracted"


def test_editing_a_retracted_update_is_409(api, story, published):
    api.delete(f"/stories/{story.slug}/updates/1")

    response = api.patch(f"/stories/{story.slug}/updates/1", {"revision": 1, "body": "Back"})

    assert response.status_code == 409


def test_reporter_cannot_retract(reporter, story, published):
    response = Api(reporter).delete(f"/stories/{story.slug}/updates/1")

    assert response.status_code == 403
    published.refresh_from_db()
    assert published.is_published


def test_revoked_token_cannot_retract(editor, story, published):
    api = Api(editor)
    api.token.revoke()

    assert api.delete(f"/stories/{story.slug}/updates/1").status_code == 401
    published.refresh_from_db()
    assert published.is_published


# --- live readers -----------------------------------------------------------------------------


def test_api_writes_reach_the_live_poll_like_desk_writes(api, story):
    since = Story.objects.get(pk=story.pk).sequence

    _post(api, story, body="Posted by the incident bot.")
    api.patch(f"/stories/{story.slug}/updates/1", {"revision": 1, "body": "Edited by the bot."})
    poll = Client().get(f"/stories/{story.slug}/updates", {"since": since})

    assert poll.status_code == 200
    fragment = poll.content.decode()
    assert 'id="update-1"' in fragment
    assert "Edited by the bot." in fragment
    kinds = list(story.changes.filter(sequence__gt=since).values_list("kind", flat=True))
    assert kinds == [Change.Kind.PUBLISHED, Change.Kind.EDITED]


# --- one rule for every entry point -----------------------------------------------------------


def test_publishing_pinned_is_one_change(api, story):
    before = Change.objects.filter(story=story).count()

    response = _post(api, story, body="Read this first", pinned=True)

    assert response.status_code == 201
    assert response.json()["pinned"] is True
    new = Change.objects.filter(story=story).order_by("sequence")[before:]
    assert [change.kind for change in new] == [Change.Kind.PUBLISHED]


@pytest.mark.parametrize(
    "timestamp",
    ["1969-12-31T23:59:59Z", "1970-01-01T04:59:00+05:00", "2101-01-01T00:00:00Z",
     "2100-12-31T23:00:00-05:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"],
)  # fmt: skip
def test_a_time_outside_the_models_range_is_400_on_the_field(api, story, timestamp):
    response = _post(api, story, body="Time travel", timestamp=timestamp)

    assert response.status_code == 400
    assert "between the years 1970 and 2100" in error_of(response)["fields"]["timestamp"]
    assert not story.updates.exists()


@pytest.mark.parametrize("timestamp", ["1970-01-01T00:00:00Z", "2100-12-31T23:59:59Z"])
def test_the_ends_of_the_models_range_are_accepted(api, story, timestamp):
    response = _post(api, story, body="At the edge", timestamp=timestamp)

    assert response.status_code == 201
    assert story.updates.get().timestamp == datetime.fromisoformat(timestamp)


def test_an_edit_to_a_time_outside_the_range_is_400(api, story, published):
    before = published.timestamp

    response = api.patch(
        f"/stories/{story.slug}/updates/1", {"revision": 1, "timestamp": "2150-01-01T00:00Z"}
    )

    assert response.status_code == 400
    assert "timestamp" in error_of(response)["fields"]
    published.refresh_from_db()
    assert published.timestamp == before and published.revision == 1


def test_a_refusal_by_the_model_is_a_json_403(api, story, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise PermissionDenied("The model says no.")

    monkeypatch.setattr(Story, "publish_update", refuse)

    response = _post(api, story, body="Refused below the view")

    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "forbidden"
    assert error["message"] == "The model says no."


def test_an_overlong_retraction_reason_is_400(api, story, published):
    limit = Update._meta.get_field("retraction_reason").max_length

    response = api.delete(f"/stories/{story.slug}/updates/1", {"reason": "x" * (limit + 1)})

    assert response.status_code == 400
    assert f"at most {limit} characters" in error_of(response)["fields"]["reason"]
    published.refresh_from_db()
    assert published.is_published


def test_an_overlong_correction_note_is_400(api, story, published):
    limit = Revision._meta.get_field("correction_note").max_length

    response = api.patch(
        f"/stories/{story.slug}/updates/1",
        {"revision": 1, "body": "Fixed", "correction_note": "x" * (limit + 1)},
    )

    assert response.status_code == 400
    assert f"at most {limit} characters" in error_of(response)["fields"]["correction_note"]
    published.refresh_from_db()
    assert published.revision == 1


def test_an_idempotency_key_sent_again_with_another_update_is_409(api, story):
    key = {"Idempotency-Key": "bot-42"}
    first = api.post(f"/stories/{story.slug}/updates", {"body": "Once"}, headers=key)

    again = api.post(f"/stories/{story.slug}/updates", {"body": "Something else"}, headers=key)

    assert first.status_code == 201
    assert again.status_code == 409
    assert error_of(again)["code"] == "idempotency_conflict"
    assert list(story.updates.values_list("body", flat=True)) == ["Once"]
