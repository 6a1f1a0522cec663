"""Every error the API gives is JSON of one shape, with the right status; none is a 500."""

import pytest
from django.test import Client

from incidents.api.endpoint import MAX_BODY_BYTES
from incidents.models import Story
from tests.api_support import Api, error_of


@pytest.fixture
def api(editor):
    return Api(editor)


def test_malformed_json_is_400_naming_the_problem(api, story):
    response = api.post(f"/stories/{story.slug}/updates", '{"body": "unfinished')

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "malformed_json"
    assert "line 1 column" in error["message"]
    assert not story.updates.exists()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('["body"]', "not an array"),
        ('"just text"', "not a string"),
        ('{"body": NaN}', "NaN"),
        (b'{"body": "\xff"}', "UTF-8"),
        ("[" * 20000 + "]" * 20000, "not valid JSON"),
    ],
)
def test_body_that_is_not_a_json_object_is_400(api, story, body, words):
    response = api.post(f"/stories/{story.slug}/updates", body)

    assert response.status_code == 400
    assert words in error_of(response)["message"].replace("must be a JSON object, not", "not")


def test_empty_json_body_is_400(api, story):
    response = api.client.generic(
        "POST",
        f"/api/v1/stories/{story.slug}/updates",
        b"",
        headers={"Authorization": f"Bearer {api.raw}"},
        CONTENT_TYPE="application/json",
    )

    assert response.status_code == 400
    assert "empty" in error_of(response)["message"]


def test_wrong_content_type_is_415(api, story):
    response = api.client.post(
        f"/api/v1/stories/{story.slug}/updates",
        {"body": "form-encoded"},
        headers={"Authorization": f"Bearer {api.raw}"},
    )

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"
    assert not story.updates.exists()


def test_json_sent_as_text_is_415(api, story):
    response = api.patch(f"/stories/{story.slug}", '{"dek": "x"}', content_type="text/plain")

    assert response.status_code == 415
    story.refresh_from_db()
    assert story.dek == "Messages fail to send for users everywhere."


def test_json_with_charset_is_accepted(api, story):
    response = api.post(
        f"/stories/{story.slug}/updates",
        {"body": "With charset"},
        content_type="application/json; charset=utf-8",
    )

    assert response.status_code == 201


def test_oversized_body_is_413_and_saves_nothing(api, story):
    body = '{"body": "' + "x" * MAX_BODY_BYTES + '"}'

    response = api.post(f"/stories/{story.slug}/updates", body)

    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    assert not story.updates.exists()


def test_unsupported_method_is_405_with_allow(api, story):
    put = api.send("PUT", "/stories", {"headline": "x"})
    get = api.get(f"/stories/{story.slug}/updates")

    assert put.status_code == 405 and put["Allow"] == "GET, POST"
    assert get.status_code == 405 and get["Allow"] == "POST"
    assert error_of(get)["code"] == "method_not_allowed"


def test_unknown_api_path_is_json_404(api):
    for path in ("/nothing-here", "/stories/a/b/c", "/stories/x/updates/first", "/stories/ü"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "not_found"


def test_trailing_slash_404_says_to_drop_it(api):
    response = api.get("/stories/")

    assert response.status_code == 404
    assert "try /api/v1/stories" in error_of(response)["message"]


def test_bad_idempotency_key_is_400(api, story):
    response = api.post(
        f"/stories/{story.slug}/updates", {"body": "x"}, headers={"Idempotency-Key": "a b"}
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in error_of(response)["fields"]
    assert not story.updates.exists()


def test_post_to_unknown_path_is_json_404_not_a_csrf_page(db):
    response = Client(enforce_csrf_checks=True).post("/api/v1/nowhere")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_writes_over_the_rate_limit_are_429_with_retry_after(api, story, settings):
    settings.API_WRITES_PER_MINUTE = 2
    url = f"/stories/{story.slug}/updates"

    statuses = [api.post(url, {"body": f"Update {n}"}).status_code for n in range(3)]

    assert statuses == [201, 201, 429]
    response = api.post(url, {"body": "Again"})
    assert error_of(response)["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert story.updates.count() == 2
    assert api.get(f"/stories/{story.slug}").status_code == 200  # reads are not limited


def test_rate_limit_is_per_token(editor, story, settings):
    settings.API_WRITES_PER_MINUTE = 1
    url = f"/stories/{story.slug}/updates"
    first, second = Api(editor), Api(editor)

    assert first.post(url, {"body": "One"}).status_code == 201
    assert first.post(url, {"body": "Two"}).status_code == 429
    assert second.post(url, {"body": "Three"}).status_code == 201


@pytest.mark.parametrize(
    "data",
    [
        {"body": "nul \x00 character"},
        {"body": "lone \ud800 surrogate"},
        {"body": "ok", "timestamp": "0001-01-01T00:00:00+05:00"},
        {"body": "ok", "timestamp": "9999-12-31T23:59:59-05:00"},
        {"body": "ok", "timestamp": 1234567890},
        {"body": "ok", "timestamp": ""},
        {"body": "ok", "timestamp": "2026-07-26"},
        {"body": "ok", "pinned": "true"},
        {"body": "ok", "key_event": None},
        {"body": "ok", "unexpected": 1},
        {"body": ["a", "list"]},
    ],
)
def test_strange_values_are_400_never_500(api, story, data):
    response = api.post(f"/stories/{story.slug}/updates", data)

    assert response.status_code == 400
    assert error_of(response)["fields"]
    assert not story.updates.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"headline": "x\x00"},
        {"headline": "ok", "slug": "\ud83d"},
        {"headline": "ok", "slug": ""},
        {"headline": "ok", "slug": "ok "},
        {"headline": "ok", "tags": ["t" * 61]},
        {"headline": "ok", "tags": ["nul\x00"]},
        {"headline": "ok", "tags": ["x"] * 21},
        {"headline": "ok", "bylines": [{"name": "A", "role": "extra"}]},
        {"headline": "ok", "bylines": "Dana"},
        {"headline": "ok", "bylines": [{"name": "A", "title": "t" * 161}]},
        {"headline": "h" * 201},
        {"headline": "ok", "dek": 5},
    ],
)
def test_strange_story_values_are_400(api, data):
    response = api.post("/stories", data)

    assert response.status_code == 400
    assert error_of(response)["fields"]
    assert not Story.objects.exists()


def test_bad_revision_types_are_400(api, story, editor):
    story.publish_update("First", by=editor)

    for revision in ("1", 0, -3, True, None, 1.5):
        response = api.patch(f"/stories/{story.slug}/updates/1", {"revision": revision})
        assert response.status_code == 400, revision
        assert "revision" in error_of(response)["fields"]


def test_invalid_content_length_is_400(api, story):
    response = api.client.generic(
        "POST",
        f"/api/v1/stories/{story.slug}/updates",
        b'{"body": "x"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.raw}"},
        CONTENT_LENGTH="lots",
    )

    assert response.status_code == 400
