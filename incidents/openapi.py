"""The OpenAPI 3.1 description of the JSON API v1, served at /api/v1/openapi.json.

Written by hand next to the views it describes; tests/test_api_openapi.py validates it and fuzzes
the live API against it, so a change to a view that the document does not follow fails there.
"""

from copy import deepcopy

from django.conf import settings

from incidents import timefmt
from incidents.api.endpoint import MAX_BODY_BYTES

STATES = ["draft", "live", "ended"]
UPDATE_STATES = ["draft", "published", "retracted"]
STATUS_LABELS = ["", "investigating", "identified", "monitoring", "resolved"]
SLUG_PATTERN = "^[-a-zA-Z0-9_]+$"
# What the server refuses in text it stores: NUL characters; and, for fields that must say
# something, text that is blank once Python strips the whitespace around it.
NO_NUL = "^[^\\x00]*$"
# Python's str.strip() whitespace, which differs from a JSON Schema (ECMA-262) `\s`.
PY_SPACE = "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NOT_BLANK = f"^[^\\x00]*[^\\x00{PY_SPACE}][^\\x00]*$"
TIMESTAMP_PATTERN = "^[12][0-9]{3}-"
TIMEZONES = sorted(name for name in timefmt.timezone_names() if timefmt.is_valid_timezone(name))


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    schema = dict(schema)
    schema["type"] = [schema["type"], "null"]
    return schema


TIME = {"type": "string", "format": "date-time"}
TEXT = {"type": "string"}
TEXT_IN = {"type": "string", "pattern": NO_NUL}
BYLINE = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 120, "pattern": NOT_BLANK},
        "title": {**TEXT_IN, "maxLength": 160},
    },
}
TAGS = {
    "type": "array",
    "maxItems": 20,
    "items": {**TEXT_IN, "maxLength": 60},
    "description": "Tag names, created as needed. Blank names are skipped.",
}

STORY_SUMMARY = {
    "type": "object",
    "required": [
        "slug", "headline", "headline_suffix", "dek", "intro", "intro_html", "state", "timezone",
        "tags", "bylines", "created_at", "published_at", "last_updated_at", "ended_at", "url",
        "feed_url", "export_url", "api_url",
    ],
    "properties": {
        "slug": {"type": "string", "pattern": SLUG_PATTERN},
        "headline": TEXT,
        "headline_suffix": {**TEXT, "description": "Shown in brackets after the headline."},
        "dek": {**TEXT, "description": "The standfirst under the headline."},
        "intro": {**TEXT, "description": "Markdown shown above the updates."},
        "intro_html": {**TEXT, "description": "The intro rendered and sanitized."},
        "state": {"type": "string", "enum": STATES},
        "timezone": {**TEXT, "description": "IANA name; times on the page are shown in it."},
        "tags": {"type": "array", "items": TEXT},
        "bylines": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "title"],
                "properties": {"name": TEXT, "title": TEXT},
            },
        },
        "created_at": TIME,
        "published_at": _nullable(TIME),
        "last_updated_at": TIME,
        "ended_at": _nullable(TIME),
        "url": {"type": "string", "format": "uri", "description": "The reader page."},
        "feed_url": {"type": "string", "format": "uri", "description": "The story's Atom feed."},
        "export_url": {"type": "string", "format": "uri", "description": "Standalone HTML."},
        "api_url": {"type": "string", "format": "uri"},
    },
}  # fmt: skip

UPDATE = {
    "type": "object",
    "required": [
        "number", "body", "html", "timestamp", "status_label", "key_event", "pinned", "state",
        "revision", "published_at", "edited_at", "retracted_at", "retraction_reason", "author",
        "url",
    ],
    "properties": {
        "number": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "The N of “UPDATE N”; null for a draft.",
        },
        "body": {**TEXT, "description": "Markdown as written."},
        "html": {**TEXT, "description": "The body rendered and sanitized, as readers see it."},
        "timestamp": TIME,
        "status_label": {"type": "string", "enum": STATUS_LABELS},
        "key_event": {"type": "boolean"},
        "pinned": {"type": "boolean"},
        "state": {"type": "string", "enum": UPDATE_STATES},
        "revision": {"type": "integer", "minimum": 1},
        "published_at": _nullable(TIME),
        "edited_at": _nullable(TIME),
        "retracted_at": _nullable(TIME),
        "retraction_reason": TEXT,
        "author": {"type": ["string", "null"]},
        "url": {"type": ["string", "null"], "format": "uri", "description": "The permalink."},
    },
}  # fmt: skip

STORY = deepcopy(STORY_SUMMARY)
STORY["required"].append("updates")
STORY["properties"]["updates"] = {
    "type": "array",
    "items": _ref("Update"),
    "description": "Numbered updates in order, then drafts (number null).",
}

STORY_FIELDS = {
    "headline": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NOT_BLANK},
    "headline_suffix": {**TEXT_IN, "maxLength": 100, "examples": ["UPDATE: It's Back"]},
    "dek": {**TEXT_IN, "maxLength": 300},
    "intro": {**TEXT_IN, "description": "Markdown."},
    "timezone": {"type": "string", "enum": TIMEZONES, "examples": ["America/New_York"]},
    "tags": TAGS,
    "bylines": {"type": "array", "maxItems": 10, "items": BYLINE},
    "state": {"type": "string", "enum": STATES},
}
STORY_CREATE = {
    "type": "object",
    "required": ["headline"],
    "additionalProperties": False,
    "properties": {
        **STORY_FIELDS,
        "slug": {
            "type": "string",
            "maxLength": 200,
            "pattern": SLUG_PATTERN,
            "description": "Proposed from the headline when left out.",
        },
    },
}
STORY_PATCH = {
    "type": "object",
    "additionalProperties": False,
    "properties": STORY_FIELDS,
    "description": "Only the fields sent change. Changing `state` to live or ended is logged.",
}

UPDATE_FIELDS = {
    "body": {
        "type": "string",
        "minLength": 1,
        "maxLength": settings.UPDATE_MAX_CHARS,
        "pattern": NOT_BLANK,
        "description": "Markdown.",
    },
    "timestamp": {
        **TIME,
        "pattern": TIMESTAMP_PATTERN,
        "description": "ISO 8601 (years 1000 to 2999); without an offset it is the story's "
        "local time. Default: now.",
    },
    "status_label": {"type": "string", "enum": STATUS_LABELS},
    "key_event": {"type": "boolean"},
    "pinned": {"type": "boolean", "description": "At most one update is pinned at a time."},
}
UPDATE_CREATE = {
    "type": "object",
    "required": ["body"],
    "additionalProperties": False,
    "properties": {
        **UPDATE_FIELDS,
        "draft": {
            "type": "boolean",
            "description": "Save a draft (no number, not shown to readers) instead of publishing.",
        },
    },
}
UPDATE_PATCH = {
    "type": "object",
    "required": ["revision"],
    "additionalProperties": False,
    "properties": {
        "revision": {
            "type": "integer",
            "minimum": 1,
            "description": "The revision the change is based on; a stale one answers 409.",
        },
        **UPDATE_FIELDS,
        "correction_note": {
            **TEXT_IN,
            "maxLength": 1000,
            "description": "When not blank, the edit is a correction listed for readers.",
        },
    },
}
RETRACTION = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "reason": {
            **TEXT_IN,
            "maxLength": 500,
            "description": "Shown to readers in place of the update.",
        }
    },
}

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
        "content": {"application/json": {"schema": _ref("Error")}},
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
            "content": {"application/json": {"schema": _ref(ok_schema)}},
        }
    }
    for status in errors:
        responses[status] = {"$ref": f"#/components/responses/{names[status]}"}
    return responses


def _body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


WRITE_ERRORS = ("400", "401", "403", "404", "413", "415", "429")
SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": SLUG_PATTERN, "maxLength": 200},
}
NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "description": "The N of “UPDATE N”.",
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
}


def openapi_document() -> dict:
    return deepcopy(_DOCUMENT)


_DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "The Live Desk API",
        "version": "1.0.0",
        "description": (
            "Stories and their numbered updates for newsroom tools and incident bots. "
            "Authenticate with `Authorization: Bearer <token>`; tokens come from "
            "`manage.py issue_token <username>` or the newsroom profile page and act with their "
            "user's permissions: editors may do everything; reporters work only on stories they "
            "contribute to, and publish only where an editor allowed it (otherwise send "
            "`draft: true`). Writes are limited per token per minute (429 with Retry-After). "
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
                    {"name": "state", "in": "query", "schema": {"type": "string", "enum": STATES}},
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                    },
                    {
                        "name": "offset",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 0, "maximum": 1_000_000},
                    },
                ],
                "responses": _responses("200", "A page of stories.", "StoryList", "400", "401"),
            },
            "post": {
                "operationId": "createStory",
                "summary": "Create a story (editors). It starts as a draft unless `state` says.",
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
                        "description": "Repeat a request with the same key to get the same update.",
                        "schema": {"type": "string", "maxLength": 64, "pattern": "^[!-~]*$"},
                    }
                ],
                "requestBody": _body("UpdateCreate"),
                "responses": _responses(
                    "201", "The new update.", "Update", *WRITE_ERRORS[:4], "409", *WRITE_ERRORS[4:]
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
                    "content": {"application/json": {"schema": _ref("Retraction")}},
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
            "Byline": BYLINE,
            "StorySummary": STORY_SUMMARY,
            "Story": STORY,
            "StoryList": {
                "type": "object",
                "required": ["stories", "total", "limit", "offset"],
                "properties": {
                    "stories": {"type": "array", "items": _ref("StorySummary")},
                    "total": {"type": "integer", "minimum": 0},
                    "limit": {"type": "integer", "minimum": 1},
                    "offset": {"type": "integer", "minimum": 0},
                },
            },
            "Update": UPDATE,
            "StoryCreate": STORY_CREATE,
            "StoryPatch": STORY_PATCH,
            "UpdateCreate": UPDATE_CREATE,
            "UpdatePatch": UPDATE_PATCH,
            "Retraction": RETRACTION,
        },
        "responses": RESPONSES,
    },
}
