"""The OpenAPI 3.1 description of the JSON API v1, served at /api/v1/openapi.json.

The operations are written here next to the views they describe; every schema of what the API
takes and shows is built from the model fields (incidents/api/schemas.py). tests/test_api_openapi.py
validates the document and fuzzes the live API against it, and tests/test_api_schemas.py checks
every limit and choice in it against the model.
"""

from copy import deepcopy
from functools import cache

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from incidents.api import picture_schemas, schemas
from incidents.api.access import MAX_ID, MAX_NUMBER
from incidents.api.endpoint import MAX_BODY_BYTES, error_response
from incidents.api.schemas import SLUG_PATTERN, ref
from incidents.api.stories import LIST_LIMIT, MAX_LIST_LIMIT, MAX_OFFSET
from incidents.models import Story


@csrf_exempt
def openapi(request: HttpRequest):
    """The document; public, so tools can read it without a token."""
    if request.method != "GET":
        return error_response(405, "method_not_allowed", "Use GET.", headers={"Allow": "GET"})
    return JsonResponse(openapi_document())


def openapi_document() -> dict:
    return deepcopy(_document())


ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "examples": ["invalid", "stale_revision"]},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "One message per field that needs attention.",
                },
            },
        }
    },
}


def _error(description: str, headers: dict | None = None) -> dict:
    response = {
        "description": description,
        "content": {"application/json": {"schema": ref("Error")}},
    }
    if headers:
        response["headers"] = headers
    return response


RESPONSES = {
    "BadRequest": _error("Malformed JSON or fields that need attention (see `fields`)."),
    "Unauthorized": _error(
        "The token is missing, unknown or revoked.",
        {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}},
    ),
    "Forbidden": _error("The token's user may not do this on this story."),
    "NotFound": _error("No story with this slug, or no update with this number."),
    "Conflict": _error("The request conflicts with the current state (e.g. a stale revision)."),
    "PayloadTooLarge": _error(f"The body is over {MAX_BODY_BYTES:,} bytes."),
    "UnsupportedMediaType": _error("The body was not sent as application/json."),
    "TooManyRequests": _error(
        "Too many changes from this token this minute.",
        {"Retry-After": {"required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}}},
    ),
}


def _responses(ok_status: str, ok_description: str, ok_schema: str, *errors: str) -> dict:
    names = {
        "400": "BadRequest",
        "401": "Unauthorized",
        "403": "Forbidden",
        "404": "NotFound",
        "409": "Conflict",
        "413": "PayloadTooLarge",
        "415": "UnsupportedMediaType",
        "429": "TooManyRequests",
    }
    responses = {
        ok_status: {
            "description": ok_description,
            "content": {"application/json": {"schema": ref(ok_schema)}},
        }
    }
    for status in errors:
        responses[status] = {"$ref": f"#/components/responses/{names[status]}"}
    return responses


def _body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


WRITE_ERRORS = ("400", "401", "403", "404", "413", "415", "429")
SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {
        "type": "string",
        "pattern": SLUG_PATTERN,
        "maxLength": Story._meta.get_field("slug").max_length,
    },
}
NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "description": "The N of “UPDATE N”.",
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_NUMBER},
}


DRAFT = {
    "name": "pk",
    "in": "path",
    "required": True,
    "description": "The draft's id (`pk` of a draft; drafts have no number yet).",
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}
USERNAME = {"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}


def _draft_and_contributor_paths() -> dict:
    gone = ("Discarded.", "Empty")
    return {
        "/stories/{slug}/drafts/{pk}": {
            "parameters": [SLUG, DRAFT],
            "delete": {
                "operationId": "discardDraft",
                "summary": "Throw a draft away (editors, or the reporter who wrote it).",
                "responses": _responses("200", *gone, "401", "403", "404", "409", "429"),
            },
        },
        "/stories/{slug}/drafts/{pk}/publish": {
            "parameters": [SLUG, DRAFT],
            "post": {
                "operationId": "publishDraft",
                "summary": "Publish a draft as the next numbered update.",
                "responses": _responses(
                    "200",
                    "The published update.",
                    "Update",
                    "400",
                    "401",
                    "403",
                    "404",
                    "409",
                    "429",
                ),  # fmt: skip
            },
        },
        "/stories/{slug}/contributors": {
            "parameters": [SLUG],
            "get": {
                "operationId": "listContributors",
                "summary": "The reporters on this story.",
                "responses": _responses(
                    "200", "Contributors.", "ContributorList", "401", "403", "404"
                ),
            },
            "post": {
                "operationId": "addContributor",
                "summary": "Put a reporter on this story (editors).",
                "requestBody": _body("ContributorAdd"),
                "responses": _responses("201", "The contributor.", "Contributor", *WRITE_ERRORS),
            },
        },
        "/stories/{slug}/contributors/{username}": {
            "parameters": [SLUG, USERNAME],
            "patch": {
                "operationId": "allowPublishing",
                "summary": "Let a contributor publish, or not (editors).",
                "requestBody": _body("ContributorPatch"),
                "responses": _responses("200", "The contributor.", "Contributor", *WRITE_ERRORS),
            },
            "delete": {
                "operationId": "removeContributor",
                "summary": "Take a reporter off this story (editors).",
                "responses": _responses("200", "Removed.", "Empty", "401", "403", "404", "429"),
            },
        },
    }


@cache
def _document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "The Live Desk API",
            "version": "1.0.0",
            "description": (
                "Stories and their numbered updates for newsroom tools and incident bots. "
                "Authenticate with `Authorization: Bearer <token>`; tokens come from "
                "`manage.py issue_token <username>` or the newsroom profile page and act with "
                "their user's permissions: editors may do everything; reporters work only on "
                "stories they contribute to, and publish only where an editor allowed it "
                "(otherwise send `draft: true`). Writes are limited per token per minute (429 "
                "with Retry-After). "
                'Errors are always `{"error": {"code", "message", "fields"}}`.'
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/stories": {
                "get": {
                    "operationId": "listStories",
                    "summary": "Stories this token's user works on, most recently updated first.",
                    "parameters": [
                        {"name": "state", "in": "query", "schema": schemas.out(Story, "state")},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_LIST_LIMIT,
                                "default": LIST_LIMIT,
                            },
                        },
                        {
                            "name": "offset",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
                        },
                    ],
                    "responses": _responses("200", "A page of stories.", "StoryList", "400", "401"),
                },
                "post": {
                    "operationId": "createStory",
                    "summary": "Create a story (editors); a draft unless `state` says otherwise.",
                    "requestBody": _body("StoryCreate"),
                    "responses": _responses(
                        "201",
                        "The new story.",
                        "Story",
                        "400",
                        "401",
                        "403",
                        "409",
                        "413",
                        "415",
                        "429",
                    ),  # fmt: skip
                },
            },
            "/stories/{slug}": {
                "parameters": [SLUG],
                "get": {
                    "operationId": "getStory",
                    "summary": "A story with all its updates.",
                    "responses": _responses("200", "The story.", "Story", "401", "403", "404"),
                },
                "patch": {
                    "operationId": "changeStory",
                    "summary": "Change a story's details, tags, bylines or state (editors).",
                    "requestBody": _body("StoryPatch"),
                    "responses": _responses("200", "The changed story.", "Story", *WRITE_ERRORS),
                },
            },
            "/stories/{slug}/updates": {
                "parameters": [SLUG],
                "post": {
                    "operationId": "postUpdate",
                    "summary": "Publish the next numbered update, or save a draft.",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "description": "Send again with the same key to get the same update.",
                            "schema": schemas.idempotency_key(),
                        }
                    ],
                    "requestBody": _body("UpdateCreate"),
                    "responses": _responses(
                        "201",
                        "The new update.",
                        "Update",
                        *WRITE_ERRORS[:4],
                        "409",
                        *WRITE_ERRORS[4:],
                    ),
                },
            },
            "/stories/{slug}/updates/{number}": {
                "parameters": [SLUG, NUMBER],
                "patch": {
                    "operationId": "editUpdate",
                    "summary": "Edit an update (editors); the old text is kept as a revision.",
                    "requestBody": _body("UpdatePatch"),
                    "responses": _responses(
                        "200",
                        "The edited update.",
                        "Update",
                        *WRITE_ERRORS[:4],
                        "409",
                        *WRITE_ERRORS[4:],
                    ),  # fmt: skip
                },
                "delete": {
                    "operationId": "retractUpdate",
                    "summary": "Retract a published update (editors); readers see the reason.",
                    "requestBody": {
                        "required": False,
                        "content": {"application/json": {"schema": ref("Retraction")}},
                    },
                    "responses": _responses(
                        "200",
                        "The retracted update.",
                        "Update",
                        *WRITE_ERRORS[:4],
                        "409",
                        *WRITE_ERRORS[4:],
                    ),  # fmt: skip
                },
            },
            **_draft_and_contributor_paths(),
            "/pictures": picture_schemas.upload_path(
                _responses("201", "The stored picture.", "Picture", *WRITE_ERRORS)
            ),
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApiDocument",
                    "summary": "This document.",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `manage.py issue_token` or the profile page.",
                }
            },
            "schemas": {
                "Error": ERROR,
                "Byline": schemas.byline_in(),
                "StorySummary": schemas.story_summary_out(),
                "Story": schemas.story_out(),
                "StoryList": {
                    "type": "object",
                    "required": ["stories", "total", "limit", "offset"],
                    "properties": {
                        "stories": {"type": "array", "items": ref("StorySummary")},
                        "total": {"type": "integer", "minimum": 0},
                        "limit": {"type": "integer", "minimum": 1},
                        "offset": {"type": "integer", "minimum": 0},
                    },
                },
                "Update": picture_schemas.with_pictures(schemas.update_out(), shown=True),
                "Picture": picture_schemas.picture_out(),
                "PictureUpload": picture_schemas.picture_upload(),
                "StoryCreate": schemas.story_create(),
                "StoryPatch": schemas.story_patch(),
                "UpdateCreate": picture_schemas.with_pictures(schemas.update_create()),
                "UpdatePatch": picture_schemas.with_pictures(schemas.update_patch()),
                "Retraction": schemas.retraction(),
                "Contributor": schemas.contributor_out(),
                "ContributorList": {
                    "type": "object",
                    "required": ["contributors"],
                    "properties": {"contributors": {"type": "array", "items": ref("Contributor")}},
                },
                "ContributorAdd": schemas.contributor_add(),
                "ContributorPatch": schemas.contributor_patch(),
                "Empty": {"type": "object", "maxProperties": 0},
            },
            "responses": RESPONSES,
        },
    }
