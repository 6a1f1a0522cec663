"""Editing an update keeps every earlier text, who replaced it, when, and any correction note."""

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Change, Revision, StaleRevision


@pytest.fixture
def update(story, editor):
    return story.publish_update("Errors began at 9 a.m.", by=editor)


def test_an_edit_keeps_the_previous_text_as_a_revision(update, editor):
    update.edit("Errors began at 8:45 a.m.", by=editor, expected_revision=1)

    assert update.body == "Errors began at 8:45 a.m."
    assert update.revision == 2
    assert "8:45" in update.body_html
    revision = update.revisions.get()
    assert revision.revision == 1
    assert revision.body == "Errors began at 9 a.m."
    assert revision.edited_by == editor
    assert revision.is_correction is False


def test_every_edit_adds_one_revision(update, editor):
    update.edit("Second text", by=editor, expected_revision=1)
    update.edit("Third text", by=editor, expected_revision=2)

    assert list(update.revisions.values_list("revision", "body")) == [
        (1, "Errors began at 9 a.m."),
        (2, "Second text"),
    ]


def test_an_edit_from_a_stale_revision_is_refused_and_nothing_changes(update, editor, superuser):
    update.edit("First editor's text", by=editor, expected_revision=1)

    with pytest.raises(StaleRevision) as refused:
        update.edit("Second editor's text", by=superuser, expected_revision=1)

    assert refused.value.update.body == "First editor's text"
    update.refresh_from_db()
    assert update.body == "First editor's text"
    assert update.revisions.count() == 1


def test_a_correction_needs_a_note(update, editor):
    with pytest.raises(ValidationError) as refused:
        update.edit("Fixed", by=editor, expected_revision=1, is_correction=True)

    assert "correction_note" in refused.value.message_dict
    assert Revision.objects.count() == 0


def test_a_correction_is_listed_in_the_corrections_log(update, story, editor):
    update.edit(
        "Errors began at 8 a.m.",
        by=editor,
        expected_revision=1,
        is_correction=True,
        correction_note="The start time was wrong.",
    )

    assert [c.correction_note for c in story.corrections()] == ["The start time was wrong."]


def test_a_silent_fix_is_not_a_correction(update, story, editor):
    update.edit("Errors began at 9 a.m. ET", by=editor, expected_revision=1)

    assert list(story.corrections()) == []


def test_an_empty_edit_is_refused(update, editor):
    with pytest.raises(ValidationError) as refused:
        update.edit("   ", by=editor, expected_revision=1)

    assert refused.value.message_dict["body"] == ["An update needs some text."]
    update.refresh_from_db()
    assert update.body == "Errors began at 9 a.m."


def test_an_edit_is_logged_for_live_readers(update, story, editor):
    update.edit("Changed", by=editor, expected_revision=1)

    assert story.changes.last().kind == Change.Kind.EDITED


def test_saving_the_same_text_makes_no_revision(update, editor):
    update.edit("Errors began at 9 a.m.", by=editor, expected_revision=1)

    assert update.revision == 1
    assert update.revisions.count() == 0


def test_a_retracted_update_cannot_be_edited(update, editor):
    update.retract("Wrong story", by=editor)

    with pytest.raises(ValidationError):
        update.edit("Sneaky", by=editor, expected_revision=1)


def test_a_retraction_needs_a_reason(update, editor):
    with pytest.raises(ValidationError):
        update.retract("  ", by=editor)

    update.refresh_from_db()
    assert update.is_published


def test_only_one_update_is_pinned_at_a_time(story, editor):
    first = story.publish_update("First", by=editor)
    second = story.publish_update("Second", by=editor)
    first.set_pinned(True, by=editor)
    second.set_pinned(True, by=editor)

    first.refresh_from_db()
    assert (first.pinned, second.pinned) == (False, True)
