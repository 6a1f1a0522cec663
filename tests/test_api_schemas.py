"""Every field the API accepts is documented with the model's own limits and choices.

The table below names, for each documented request field, the model field (or rule) it must
match; the walk fails when the document gains a field the table does not know, so a new field
cannot slip in with a hand-copied limit.
"""

import re

import pytest
from django.conf import settings

from incidents import timefmt
from incidents.api.openapi import openapi_document
from incidents.api.schemas import not_blank, story_create, visible
from incidents.forms import ComposeForm, EditUpdateForm
from incidents.models import EARLIEST_TIMESTAMP as EARLIEST
from incidents.models import LATEST_TIMESTAMP as LATEST
from incidents.models import Byline, Revision, Story, Tag, Update, has_visible_text
from incidents.models.picture import MAX_PICTURES_PER_UPDATE


def field(model, name):
    return model._meta.get_field(name)


def choices(model, name) -> list[str]:
    model_field = field(model, name)
    return ([""] if model_field.blank else []) + [value for value, _ in model_field.flatchoices]


STORY_FIELDS = {
    "headline": {"maxLength": field(Story, "headline").max_length, "minLength": 1},
    "headline_suffix": {"maxLength": field(Story, "headline_suffix").max_length},
    "dek": {"maxLength": field(Story, "dek").max_length},
    "intro": {"maxLength": field(Story, "intro").max_length},
    "timezone": {
        "enum": sorted(n for n in timefmt.timezone_names() if timefmt.is_valid_timezone(n))
    },
    "tags": {"maxItems": Story.MAX_TAGS, "items.maxLength": field(Tag, "name").max_length},
    "bylines": {
        "maxItems": Story.MAX_BYLINES,
        "items.name.maxLength": field(Byline, "name").max_length,
        "items.title.maxLength": field(Byline, "title").max_length,
    },
    "state": {"enum": choices(Story, "state")},
    "reading_order": {"enum": choices(Story, "reading_order")},
}
UPDATE_FIELDS = {
    "body": {"maxLength": settings.UPDATE_MAX_CHARS, "minLength": 1},
    "timestamp": {"years": (EARLIEST.year, LATEST.year)},
    "status_label": {"enum": choices(Update, "status_label")},
    "key_event": {"type": "boolean"},
    "pinned": {"type": "boolean"},
    "pictures": {"maxItems": MAX_PICTURES_PER_UPDATE, "uniqueItems": True},
}
EXPECTED = {
    "StoryCreate": {**STORY_FIELDS, "slug": {"maxLength": field(Story, "slug").max_length}},
    "StoryPatch": STORY_FIELDS,
    "UpdateCreate": {**UPDATE_FIELDS, "draft": {"type": "boolean"}},
    "UpdatePatch": {
        **UPDATE_FIELDS,
        "revision": {"minimum": EditUpdateForm.base_fields["revision"].min_value},
        "correction_note": {"maxLength": field(Revision, "correction_note").max_length},
    },
    "Retraction": {"reason": {"maxLength": field(Update, "retraction_reason").max_length}},
}


def schemas() -> dict:
    return openapi_document()["components"]["schemas"]


def resolve(schema: dict) -> dict:
    if "$ref" in schema:
        return schemas()[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def documented(schema: dict, path: str):
    """`items.name.maxLength` → schema["items"]["properties"]["name"]["maxLength"]."""
    *steps, keyword = path.split(".")
    for step in steps:
        schema = resolve(schema["items"] if step == "items" else schema["properties"][step])
    return schema.get(keyword)


def accepted_years(pattern: str) -> list[int]:
    return [year for year in range(10_000) if re.match(pattern, f"{year:04d}-07-01T12:00Z")]


@pytest.mark.parametrize("name", EXPECTED)
def test_every_field_the_api_accepts_is_checked_here(name):
    assert set(schemas()[name]["properties"]) == set(EXPECTED[name])


@pytest.mark.parametrize(
    ("schema_name", "field_name"),
    [(schema, name) for schema, fields in EXPECTED.items() for name in fields],
)
def test_the_document_states_the_models_limits(schema_name, field_name):
    schema = resolve(schemas()[schema_name]["properties"][field_name])
    for keyword, expected in EXPECTED[schema_name][field_name].items():
        if keyword == "years":
            first, last = expected
            assert accepted_years(schema["pattern"]) == list(range(first, last + 1))
            assert schema["formatMinimum"] == EARLIEST.isoformat()
            assert schema["formatMaximum"] == LATEST.isoformat()
        else:
            assert documented(schema, keyword) == expected, keyword


def test_the_headers_and_paths_read_the_model_too():
    paths = openapi_document()["paths"]
    key = paths["/stories/{slug}/updates"]["post"]["parameters"][0]["schema"]
    slug = paths["/stories/{slug}"]["parameters"][0]["schema"]

    assert key["maxLength"] == field(Update, "idempotency_key").max_length
    assert key["maxLength"] == ComposeForm.base_fields["idempotency_key"].max_length
    assert slug["maxLength"] == field(Story, "slug").max_length


def test_the_update_states_and_statuses_shown_are_the_models():
    update = schemas()["Update"]["properties"]
    story = schemas()["StorySummary"]["properties"]

    assert update["state"]["enum"] == choices(Update, "state")
    assert update["status_label"]["enum"] == choices(Update, "status_label")
    assert story["state"]["enum"] == choices(Story, "state")


@pytest.mark.parametrize("text", ["\u200b", "\x01", " \u0301 ", "\ufeff\n", "\t"])
def test_the_body_pattern_refuses_what_the_model_calls_invisible(text):
    assert not has_visible_text(text)
    assert not re.match(visible(), text)


@pytest.mark.parametrize("text", ["x", " é ", "\u200b!", "停"])
def test_the_body_pattern_accepts_what_the_model_calls_visible(text):
    assert has_visible_text(text)
    assert re.match(visible(), text)


@pytest.mark.parametrize("text", ["", " ", "\u3000\n", "\x1c"])
def test_the_not_blank_pattern_is_pythons_strip(text):
    assert not text.strip()
    assert not re.match(not_blank(), text)
    assert re.match(not_blank(), f"{text}x{text}")


def test_a_cap_changed_on_the_model_changes_the_document(monkeypatch):
    monkeypatch.setattr(Story, "MAX_TAGS", 3)
    monkeypatch.setattr(field(Story, "headline"), "max_length", 120)

    create = story_create()["properties"]  # the document is built once per process

    assert create["tags"]["maxItems"] == 3
    assert create["headline"]["maxLength"] == 120
