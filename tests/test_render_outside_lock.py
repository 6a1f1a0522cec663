"""Issue 10, finding 1: Markdown is rendered before the story row is locked, and saves that do
not change the text do not render it again, so a slow body cannot hold the database's lock."""

import pytest
from django.db import connection

from incidents.models import rendered as rendered_module
from incidents.models import story as story_module
from incidents.models import update as update_module
from incidents.rendering import render_markdown


@pytest.fixture
def renders(monkeypatch):
    """Every render, with whether a transaction (and so a row lock) was open at the time."""
    seen = []

    def watching(source):
        seen.append(connection.in_atomic_block)
        return render_markdown(source)

    monkeypatch.setattr(update_module, "render_markdown", watching)
    monkeypatch.setattr(story_module, "render_markdown", watching)
    monkeypatch.setattr(rendered_module, "render_markdown", watching)
    return seen


@pytest.mark.django_db(transaction=True)
def test_publishing_and_drafting_render_before_the_lock(story, editor, renders):
    story.publish_update("**Engineers** are investigating.", by=editor)
    story.save_draft("A *draft*", by=editor)

    assert renders == [False, False]


@pytest.mark.django_db(transaction=True)
def test_an_edit_renders_before_the_lock(story, editor, renders):
    update = story.publish_update("First", by=editor)
    renders.clear()

    update.edit("Second, **bold**", by=editor, expected_revision=1)

    assert renders == [False]
    update.refresh_from_db()
    assert "<strong>bold</strong>" in update.body_html


@pytest.mark.django_db(transaction=True)
def test_pinning_retracting_and_publishing_a_draft_render_nothing(story, editor, renders):
    update = story.publish_update("Text", by=editor)
    draft = story.save_draft("Draft", by=editor)
    renders.clear()

    update.set_pinned(True, by=editor)
    draft.publish(by=editor)
    update.retract("Wrong", by=editor)

    assert renders == []


@pytest.mark.django_db(transaction=True)
def test_a_new_intro_renders_before_the_lock(story, editor, renders):
    story.change_details(intro="New *intro*", by=editor)

    assert renders == [False]
    story.refresh_from_db()
    assert "<em>intro</em>" in story.intro_html
