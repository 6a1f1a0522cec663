"""Bad input for stories and updates is refused with a message on the field; nothing is saved."""

import pytest
from django.core.exceptions import ValidationError

from incidents.forms import StoryForm, UpdateForm
from incidents.models import Story, Update


def story_form(**data):
    base = {"headline": "Power Cut Hits Downtown", "timezone": "America/New_York"}
    return StoryForm(data={**base, **data})


def test_a_valid_story_is_saved_with_a_slug_from_its_headline(db):
    form = story_form(tags_text="Power, Utilities, power")

    assert form.is_valid(), form.errors
    story = form.save()

    assert story.slug == "power-cut-hits-downtown"
    assert story.state == Story.State.DRAFT
    assert sorted(story.tags.values_list("name", flat=True)) == ["Power", "Utilities"]


def test_a_headline_over_200_characters_is_refused(db):
    form = story_form(headline="x" * 201)

    assert not form.is_valid()
    assert form.errors["headline"] == ["Ensure this value has at most 200 characters (it has 201)."]
    assert Story.objects.count() == 0


def test_an_unknown_timezone_is_refused(db):
    form = story_form(timezone="Mars/Olympus_Mons")

    assert not form.is_valid()
    assert "not a known IANA timezone" in form.errors["timezone"][0]


def test_a_duplicate_slug_is_refused(story):
    form = story_form(slug=story.slug)

    assert not form.is_valid()
    assert form.errors["slug"] == ["Another story already uses this slug."]
    assert Story.objects.count() == 1


def test_a_bad_slug_is_refused(db):
    form = story_form(slug="not a slug!")

    assert not form.is_valid()
    assert "slug" in form.errors


def test_the_model_refuses_a_bad_timezone_too(db):
    story = Story(headline="X", slug="x", timezone="Nowhere/Special")

    with pytest.raises(ValidationError) as refused:
        story.full_clean()

    assert "timezone" in refused.value.message_dict


def test_an_empty_update_is_refused(story, editor):
    with pytest.raises(ValidationError) as refused:
        story.publish_update("  \n ", by=editor)

    assert refused.value.message_dict["body"] == ["An update needs some text."]
    assert Update.objects.count() == 0
    story.refresh_from_db()
    assert story.last_number == 0


def test_an_update_over_50000_characters_is_refused(story, editor):
    with pytest.raises(ValidationError) as refused:
        story.publish_update("x" * 50_001, by=editor)

    assert "at most 50,000 characters" in refused.value.message_dict["body"][0]
    assert Update.objects.count() == 0


def test_an_update_of_exactly_50000_characters_is_accepted(story, editor):
    assert story.publish_update("x" * 50_000, by=editor).number == 1


def test_an_unknown_status_label_is_refused(story, editor):
    with pytest.raises(ValidationError) as refused:
        story.publish_update("Text", by=editor, status_label="panicking")

    assert "status_label" in refused.value.message_dict
    assert Update.objects.count() == 0


def test_the_update_form_reports_body_errors_on_the_field(story):
    form = UpdateForm(data={"body": ""}, story=story)

    assert not form.is_valid()
    assert form.errors["body"] == ["An update needs some text."]


def test_the_update_form_reads_a_backdated_time_in_the_story_timezone(story):
    form = UpdateForm(data={"body": "Late entry", "timestamp": "2026-07-26T11:40"}, story=story)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["timestamp"].isoformat() == "2026-07-26T11:40:00-04:00"


def test_an_unknown_state_is_refused(story):
    with pytest.raises(ValidationError):
        story.set_state("archived")
    story.refresh_from_db()
    assert story.state == Story.State.LIVE


def test_the_story_knows_when_it_was_updated(story, editor):
    assert not story.has_been_updated

    story.publish_update("News", by=editor)

    assert story.has_been_updated
