"""The JSON Schemas of the API's objects, built from the model fields and the forms' rules.

Nothing here is a copy: a maxLength is the model field's max_length, an enum its choices, a
list's maxItems the model's cap, a time's range the model's validator's, and the patterns for
"not blank" and "has visible text" are computed from the very functions the server applies.
tests/test_api_schemas.py walks every field the API accepts and checks each against the model.
"""

import sys
from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model

from incidents import timefmt
from incidents.forms import IDEMPOTENCY_KEY_PATTERN, ComposeForm, EditUpdateForm
from incidents.models import (
    EARLIEST_TIMESTAMP,
    LATEST_TIMESTAMP,
    Byline,
    Revision,
    Story,
    Tag,
    Update,
    has_visible_text,
)

SLUG_PATTERN = "^[-a-zA-Z0-9_]+$"
NO_NUL = "^[^\\x00]*$"


def _escaped(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def character_class(test) -> str:
    """A regex character class body matching exactly the characters for which `test` is true
    (lone surrogates aside, which the API refuses before any pattern matters)."""
    ranges, start = [], None
    for code in range(sys.maxunicode + 2):
        inside = code <= sys.maxunicode and not 0xD800 <= code <= 0xDFFF and test(chr(code))
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            last = code - 1
            ranges.append(_escaped(start) + (f"-{_escaped(last)}" if last > start else ""))
            start = None
    return "".join(ranges)


@cache
def not_blank() -> str:
    """Some character that Python's str.strip() keeps: what a required form field asks for."""
    space = character_class(str.isspace)
    return f"^[^\\x00]*[^\\x00{space}][^\\x00]*$"


@cache
def visible() -> str:
    """Some character that the model's has_visible_text() counts: what an update body needs."""
    invisible = character_class(lambda char: not has_visible_text(char))
    return f"^[^\\x00]*[^{invisible}][^\\x00]*$"


def year_pattern(first: int, last: int) -> str:
    return "^(?:" + "|".join(f"{year:04d}" for year in range(first, last + 1)) + ")-"


def text(model, name: str, **extra) -> dict:
    """A string the model field stores: its choices, or its length and whether it may be blank."""
    field = model._meta.get_field(name)
    if field.choices:
        values = [value for value, _ in field.flatchoices]
        return {"type": "string", "enum": ([""] if field.blank else []) + values, **extra}
    schema = {"type": "string", "pattern": NO_NUL}
    if not field.blank:
        schema.update(minLength=1, pattern=not_blank())
    if field.max_length:
        schema["maxLength"] = field.max_length
    return {**schema, **extra}


def out(model, name: str, **extra) -> dict:
    """A field as the API shows it: its type and, for a choice, the values it may hold."""
    field = model._meta.get_field(name)
    schema = {"type": "string"}
    if field.choices:
        schema["enum"] = ([""] if field.blank else []) + [v for v, _ in field.flatchoices]
    return {**schema, **extra}


def timestamp_in(**extra) -> dict:
    first, last = EARLIEST_TIMESTAMP, LATEST_TIMESTAMP
    return {
        "type": "string",
        "format": "date-time",
        "pattern": year_pattern(first.year, last.year),
        "formatMinimum": first.isoformat(),
        "formatMaximum": last.isoformat(),
        "description": (
            f"ISO 8601, from {first.isoformat()} to {last.isoformat()}; without an offset it is "
            "the story's local time. Default: now."
        ),
        **extra,
    }


TIME = {"type": "string", "format": "date-time"}


def nullable(schema: dict) -> dict:
    return {**schema, "type": [schema["type"], "null"]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


# --- what the API takes -----------------------------------------------------------------------


def byline_in() -> dict:
    return {
        "type": "object",
        "required": ["name"],
        "additionalProperties": False,
        "properties": {"name": text(Byline, "name"), "title": text(Byline, "title")},
    }


def tag_in() -> dict:
    """A tag name: blank ones are skipped, so only its length and NUL matter."""
    tag = text(Tag, "name")
    del tag["minLength"]
    return {**tag, "pattern": NO_NUL}


def story_fields() -> dict:
    return {
        "headline": text(Story, "headline"),
        "headline_suffix": text(Story, "headline_suffix", examples=["UPDATE: It's Back"]),
        "dek": text(Story, "dek"),
        "intro": text(Story, "intro", description="Markdown."),
        "timezone": {
            "type": "string",
            "enum": sorted(n for n in timefmt.timezone_names() if timefmt.is_valid_timezone(n)),
            "examples": ["America/New_York"],
        },
        "reading_order": text(
            Story, "reading_order", description=Story._meta.get_field("reading_order").help_text
        ),
        "tags": {
            "type": "array",
            "maxItems": Story.MAX_TAGS,
            "items": tag_in(),
            "description": "Tag names, created as needed. Blank names are skipped.",
        },
        "bylines": {"type": "array", "maxItems": Story.MAX_BYLINES, "items": ref("Byline")},
        "state": text(Story, "state"),
    }


def story_create() -> dict:
    slug = {**text(Story, "slug"), "pattern": SLUG_PATTERN}
    slug["description"] = "Proposed from the headline when left out."
    return {
        "type": "object",
        "required": ["headline"],
        "additionalProperties": False,
        "properties": {**story_fields(), "slug": slug},
    }


def story_patch() -> dict:
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": story_fields(),
        "description": "Only the fields sent change. Changing `state` to live or ended is logged.",
    }


def update_fields() -> dict:
    return {
        "body": {
            "type": "string",
            "minLength": 1,
            "maxLength": settings.UPDATE_MAX_CHARS,
            "pattern": visible(),
            "description": "Markdown.",
        },
        "timestamp": timestamp_in(),
        "status_label": text(Update, "status_label"),
        "key_event": {"type": "boolean"},
        "pinned": {"type": "boolean", "description": "At most one update is pinned at a time."},
    }


def update_create() -> dict:
    draft = "Save a draft (no number, not shown to readers) instead of publishing."
    return {
        "type": "object",
        "required": ["body"],
        "additionalProperties": False,
        "properties": {**update_fields(), "draft": {"type": "boolean", "description": draft}},
    }


def update_patch() -> dict:
    revision = EditUpdateForm.base_fields["revision"]
    return {
        "type": "object",
        "required": ["revision"],
        "additionalProperties": False,
        "properties": {
            "revision": {
                "type": "integer",
                "minimum": revision.min_value,
                "description": "The revision the change is based on; a stale one answers 409.",
            },
            **update_fields(),
            "correction_note": text(
                Revision,
                "correction_note",
                description="When not blank, the edit is a correction listed for readers.",
            ),
        },
    }


def retraction() -> dict:
    reason = text(Update, "retraction_reason")
    reason["description"] = "Shown to readers in place of the update."
    return {"type": "object", "additionalProperties": False, "properties": {"reason": reason}}


def idempotency_key() -> dict:
    field = ComposeForm.base_fields["idempotency_key"]
    return {
        "type": "string",
        "maxLength": field.max_length,
        "pattern": f"^{IDEMPOTENCY_KEY_PATTERN}$",
    }


# --- what the API shows -----------------------------------------------------------------------

STRING = {"type": "string"}
URI = {"type": "string", "format": "uri"}


def story_summary_out() -> dict:
    properties = {
        "slug": {"type": "string", "pattern": SLUG_PATTERN},
        "headline": STRING,
        "headline_suffix": {**STRING, "description": "Shown in brackets after the headline."},
        "full_headline": {**STRING, "description": "The headline with its suffix."},
        "dek": {**STRING, "description": "The standfirst under the headline."},
        "intro": {**STRING, "description": "Markdown shown above the updates."},
        "intro_html": {**STRING, "description": "The intro rendered and sanitized."},
        "state": out(Story, "state"),
        "timezone": {**STRING, "description": "IANA name; times on the page are shown in it."},
        "reading_order": out(
            Story, "reading_order", description=Story._meta.get_field("reading_order").help_text
        ),
        "tags": {"type": "array", "items": STRING},
        "bylines": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "title"],
                "properties": {"name": STRING, "title": STRING},
            },
        },
        "created_at": TIME,
        "published_at": nullable(TIME),
        "last_updated_at": TIME,
        "ended_at": nullable(TIME),
        "url": {**URI, "description": "The reader page."},
        "feed_url": {**URI, "description": "The story's Atom feed."},
        "export_url": {**URI, "description": "Standalone HTML."},
        "api_url": URI,
    }
    return {"type": "object", "required": list(properties), "properties": properties}


def story_out() -> dict:
    schema = story_summary_out()
    schema["required"].append("updates")
    schema["properties"]["updates"] = {
        "type": "array",
        "items": ref("Update"),
        "description": "Numbered updates in order, then drafts (number null).",
    }
    return schema


def update_out() -> dict:
    properties = {
        "number": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "The N of “UPDATE N”; null for a draft.",
        },
        "state": out(Update, "state"),
        "body": {**STRING, "description": "Markdown as written."},
        "html": {**STRING, "description": "The body rendered and sanitized, as readers see it."},
        "timestamp": TIME,
        "status_label": out(Update, "status_label"),
        "key_event": {"type": "boolean"},
        "pinned": {"type": "boolean"},
        "revision": {"type": "integer", "minimum": 1},
        "published_at": nullable(TIME),
        "edited_at": nullable(TIME),
        "retracted_at": nullable(TIME),
        "retraction_reason": STRING,
        "author": {"type": ["string", "null"]},
        "url": {"type": ["string", "null"], "format": "uri", "description": "The permalink."},
    }
    return {"type": "object", "required": list(properties), "properties": properties}


# --- contributors -----------------------------------------------------------------------------


def contributor_out() -> dict:
    properties = {
        "username": STRING,
        "name": {**STRING, "description": "The name shown on the desk."},
        "can_publish": {"type": "boolean"},
    }
    return {"type": "object", "required": list(properties), "properties": properties}


def contributor_add() -> dict:
    username = get_user_model()._meta.get_field("username")
    return {
        "type": "object",
        "required": ["username"],
        "additionalProperties": False,
        "properties": {
            "username": {"type": "string", "pattern": NO_NUL, "maxLength": username.max_length},
            "can_publish": {"type": "boolean", "description": "Default: drafts only."},
        },
    }


def contributor_patch() -> dict:
    return {
        "type": "object",
        "required": ["can_publish"],
        "additionalProperties": False,
        "properties": {"can_publish": {"type": "boolean"}},
    }
