"""The desk's forms, which the API validates through too, take every limit from the model."""

import pytest
from django.urls import reverse

from incidents.forms import (
    EditUpdateForm,
    NewStoryForm,
    RetractForm,
    StoryDetailsForm,
    StoryForm,
    UpdateForm,
)
from incidents.models import Byline, Revision, Story, Tag, Update


def limit(model, name) -> int:
    return model._meta.get_field(name).max_length


# --- times ------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["9999-12-31T23:59", "0001-01-01T00:00", "1969-12-31T18:59"])
def test_a_time_outside_the_models_range_is_refused_on_the_desk(story, typed):
    form = UpdateForm(data={"body": "Time travel", "timestamp": typed}, story=story)

    assert not form.is_valid()
    assert form.errors["timestamp"] == ["Choose a time between the years 1970 and 2100."]


def test_the_desk_answers_a_year_9999_with_its_form_not_a_500(client, editor, story):
    client.force_login(editor)

    response = client.post(
        reverse("desk:publish", args=[story.slug]),
        {"body": "From the far future", "timestamp": "9999-12-31T23:59"},
    )

    assert response.status_code == 400
    assert b"Choose a time between the years 1970 and 2100." in response.content
    assert not story.updates.exists()


def test_a_time_with_an_offset_keeps_it(story):
    form = UpdateForm(data={"body": "x", "timestamp": "2026-07-26T15:40:00Z"}, story=story)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["timestamp"].isoformat() == "2026-07-26T15:40:00+00:00"


@pytest.mark.parametrize("typed", ["2026-07-26", "soon", "2026-07-26T25:00", "26/07/2026 11:40"])
def test_a_date_alone_or_a_malformed_time_is_refused(story, typed):
    form = UpdateForm(data={"body": "x", "timestamp": typed}, story=story)

    assert not form.is_valid()
    assert "Enter a date and time" in form.errors["timestamp"][0]


# --- tags and bylines -------------------------------------------------------------------------


def test_the_desk_caps_tags_at_the_models_number(story):
    typed = ", ".join(f"Tag {n}" for n in range(Story.MAX_TAGS + 1))

    form = StoryDetailsForm({"tags_text": typed}, story=story)

    assert not form.is_valid()
    assert form.errors["tags_text"] == [f"A story has at most {Story.MAX_TAGS} tags."]


def test_the_desk_refuses_a_tag_longer_than_the_model_keeps(story):
    form = StoryDetailsForm({"tags_text": "Short, " + "t" * (limit(Tag, "name") + 1)}, story=story)

    assert not form.is_valid()
    assert f"at most {limit(Tag, 'name')} characters" in form.errors["tags_text"][0]


def test_a_changed_cap_on_the_model_changes_the_form(story, monkeypatch):
    monkeypatch.setattr(Story, "MAX_TAGS", 2)

    form = StoryDetailsForm({"tags_text": "One, Two, Three"}, story=story)

    assert not form.is_valid()
    assert form.errors["tags_text"] == ["A story has at most 2 tags."]


def test_the_desk_caps_bylines_at_the_models_number(db):
    people = "\n".join(f"Person {n}, Reporter" for n in range(Story.MAX_BYLINES + 1))

    form = NewStoryForm(
        {"headline": "Caps", "timezone": "America/New_York", "bylines_text": people}
    )

    assert not form.is_valid()
    assert form.errors["bylines_text"] == [f"A story has at most {Story.MAX_BYLINES} bylines."]


def test_a_byline_line_over_the_models_lengths_is_refused(db):
    line = "N" * (limit(Byline, "name") + 1) + ", Editor"

    form = NewStoryForm({"headline": "Long", "timezone": "America/New_York", "bylines_text": line})

    assert not form.is_valid()
    assert f"names up to {limit(Byline, 'name')} characters" in form.errors["bylines_text"][0]


def test_tags_sent_as_a_list_keep_their_commas(db):
    form = StoryForm(
        {"headline": "Lists", "timezone": "UTC", "tags_text": ["Outages, Global", " ", "Chat"]}
    )

    assert form.is_valid(), form.errors
    story = form.save()
    assert sorted(story.tags.values_list("name", flat=True)) == ["Chat", "Outages, Global"]


# --- text -------------------------------------------------------------------------------------


def test_text_is_measured_as_sent_and_kept_stripped(db):
    headline = "H" * limit(Story, "headline")

    fits = StoryForm({"headline": f"{headline}", "timezone": "UTC", "dek": "  Standfirst  "})
    over = StoryForm({"headline": f" {headline}", "timezone": "UTC"})

    assert fits.is_valid(), fits.errors
    assert fits.cleaned_data["dek"] == "Standfirst"
    assert not over.is_valid()  # as a browser's maxlength and the API document count it
    assert "headline" in over.errors


def test_a_blank_headline_is_refused(story):
    form = StoryDetailsForm({"headline": "   "}, story=story)

    assert not form.is_valid()
    assert form.errors["headline"] == ["This field is required."]


def test_a_failed_details_form_leaves_the_story_object_alone(story):
    form = StoryDetailsForm({"headline": "x" * 500}, story=story)

    assert not form.is_valid()
    assert story.headline == "Chat Service Suffers Global Outage"


def test_a_retraction_reason_over_the_models_limit_is_refused(db):
    reason = "r" * (limit(Update, "retraction_reason") + 1)

    form = RetractForm({"reason": reason})

    assert not form.is_valid()
    assert f"at most {limit(Update, 'retraction_reason')} characters" in form.errors["reason"][0]


def test_a_correction_note_over_the_models_limit_is_refused(story, editor):
    update = story.publish_update("Text", by=editor)
    note = "n" * (limit(Revision, "correction_note") + 1)

    form = EditUpdateForm(
        {"body": "Text.", "revision": 1, "is_correction": True, "correction_note": note},
        update=update,
    )

    assert not form.is_valid()
    assert f"at most {limit(Revision, 'correction_note')}" in form.errors["correction_note"][0]
