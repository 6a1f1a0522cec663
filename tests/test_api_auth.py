"""Bearer tokens: who may call the API at all, and that a token acts as its user."""

import pytest
from django.test import Client

from incidents.models import ApiToken, Story
from tests.api_support import Api, error_of
from tests.conftest import make_story


def test_request_without_token_is_401_with_www_authenticate(story):
    response = Api().get("/stories")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert error_of(response)["code"] == "unauthenticated"


def test_unknown_token_is_401(story):
    response = Api(raw="lb_not-a-real-token").get(f"/stories/{story.slug}")

    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert error_of(response)["code"] == "invalid_token"


def test_token_in_another_scheme_is_401(editor, story):
    _, raw = ApiToken.issue(editor)
    response = Client().get("/api/v1/stories", headers={"Authorization": f"Token {raw}"})

    assert response.status_code == 401


def test_revoked_token_is_401(editor, story):
    api = Api(editor)
    assert api.get("/stories").status_code == 200

    api.token.revoke()
    response = api.post(f"/stories/{story.slug}/updates", {"body": "After revocation"})

    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_token"
    assert not story.updates.exists()


def test_token_of_deactivated_user_is_401(editor, story):
    api = Api(editor)
    editor.is_active = False
    editor.save()

    assert api.get("/stories").status_code == 401


def test_signed_in_session_without_token_is_401(editor, story):
    client = Client()
    client.force_login(editor)

    response = client.get("/api/v1/stories")

    assert response.status_code == 401


def test_writes_need_no_csrf_token(editor, story):
    api = Api(editor)
    api.client = Client(enforce_csrf_checks=True)

    response = api.post(f"/stories/{story.slug}/updates", {"body": "Posted by a bot"})

    assert response.status_code == 201


def test_token_records_when_it_was_last_used(editor, story):
    api = Api(editor)
    assert api.token.last_used_at is None

    api.get("/stories")

    api.token.refresh_from_db()
    assert api.token.last_used_at is not None


def test_only_a_hash_of_the_token_is_stored(editor):
    token, raw = ApiToken.issue(editor)

    assert raw.startswith("lb_")
    assert raw not in {token.key_hash, token.hint}
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert ApiToken.authenticate(raw) == token


def test_openapi_document_needs_no_token(db):
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")


# --- each token's permission, story by story ----------------------------------------------------


@pytest.fixture
def draft_story(db):
    return make_story(headline="Embargoed Outage Report", state=Story.State.DRAFT)


def test_editor_token_sees_every_story_including_drafts(editor, story, other_story, draft_story):
    response = Api(editor).get("/stories")

    slugs = {item["slug"] for item in response.json()["stories"]}
    assert slugs == {story.slug, other_story.slug, draft_story.slug}


def test_reporter_token_sees_only_stories_they_work_on(reporter, story, other_story):
    response = Api(reporter).get("/stories")

    assert [item["slug"] for item in response.json()["stories"]] == [story.slug]


def test_reporter_token_reads_their_story(reporter, story):
    response = Api(reporter).get(f"/stories/{story.slug}")

    assert response.status_code == 200
    assert response.json()["slug"] == story.slug


def test_reporter_token_cannot_read_another_story(outsider, story):
    response = Api(outsider).get(f"/stories/{story.slug}")

    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_reporter_of_another_story_cannot_post_updates(outsider, story):
    response = Api(outsider).post(f"/stories/{story.slug}/updates", {"body": "Not my story"})

    assert response.status_code == 403
    assert not story.updates.exists()


def test_reporter_token_cannot_publish_without_permission(reporter, story):
    response = Api(reporter).post(f"/stories/{story.slug}/updates", {"body": "Scoop"})

    assert response.status_code == 403
    assert "draft" in error_of(response)["message"]
    assert not story.updates.exists()
    assert not story.changes.filter(kind="published").exists()


def test_reporter_token_publishes_where_an_editor_allowed_it(reporter, story):
    story.contributors.filter(user=reporter).update(can_publish=True)

    response = Api(reporter).post(f"/stories/{story.slug}/updates", {"body": "Confirmed"})

    assert response.status_code == 201
    assert response.json()["number"] == 1
    assert story.updates.get().author == reporter


def test_reporter_token_cannot_create_stories(reporter):
    response = Api(reporter).post("/stories", {"headline": "Reporter's Own Story"})

    assert response.status_code == 403
    assert not Story.objects.filter(headline="Reporter's Own Story").exists()


def test_reporter_token_cannot_change_story_details(reporter, story):
    response = Api(reporter).patch(f"/stories/{story.slug}", {"headline": "Rewritten"})

    assert response.status_code == 403
    story.refresh_from_db()
    assert story.headline == "Chat Service Suffers Global Outage"


def test_superuser_token_acts_as_editor(superuser, story):
    response = Api(superuser).patch(f"/stories/{story.slug}", {"headline_suffix": "UPDATE"})

    assert response.status_code == 200
    assert response.json()["headline_suffix"] == "UPDATE"
