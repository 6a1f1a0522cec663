"""Every action checks who acts in the model method itself, so the desk, the API and the admin
cannot disagree: a refused person gets PermissionDenied and nothing is written."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from incidents.models import Change, Story, Update


@pytest.fixture
def published(story, editor):
    return story.publish_update("Engineers are investigating.", by=editor)


@pytest.fixture
def reporters_draft(story, reporter):
    return story.save_draft("Rory's draft about the outage.", by=reporter)


def _refused(action, *args, **kwargs):
    changes = Change.objects.count()
    updates = list(Update.objects.values_list("pk", "state", "body", "pinned", "revision"))
    with pytest.raises(PermissionDenied) as raised:
        action(*args, **kwargs)
    assert Change.objects.count() == changes
    assert list(Update.objects.values_list("pk", "state", "body", "pinned", "revision")) == updates
    return str(raised.value)


def test_a_reporter_who_may_not_publish_is_refused_publication(story, reporter):
    message = _refused(story.publish_update, "Scoop", by=reporter)

    assert "has not allowed you to publish" in message


def test_a_reporter_who_may_not_publish_can_still_save_a_draft(story, reporter):
    draft = story.save_draft("For the editor", by=reporter)

    assert draft.is_draft
    assert draft.author == reporter


def test_a_reporter_allowed_to_publish_publishes(story, publisher):
    update = story.publish_update("Confirmed by the company.", by=publisher)

    assert update.number == 1
    assert Change.objects.get(update=update).actor == publisher


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_people_off_the_story_cannot_write_anything(story, outsider, who):
    person = outsider if who == "outsider" else AnonymousUser()

    assert "not on this story" in _refused(story.save_draft, "Hello", by=person)
    assert "not on this story" in _refused(story.publish_update, "Hello", by=person)


def test_only_editors_pin(story, publisher, published):
    message = _refused(published.set_pinned, True, by=publisher)

    assert "Only editors" in message
    published.refresh_from_db()
    assert not published.pinned


def test_a_reporter_cannot_publish_an_update_pinned(story, publisher):
    assert "Only editors can pin" in _refused(
        story.publish_update, "Pin me", by=publisher, pinned=True
    )


def test_only_editors_retract(story, publisher, published):
    assert "Only editors" in _refused(published.retract, "Wrong", by=publisher)


def test_only_editors_edit_a_published_update(story, publisher, published):
    message = _refused(published.edit, "Changed", by=publisher, expected_revision=1)

    assert "only editors can change it" in message


def test_a_reporter_edits_and_discards_only_their_own_draft(
    story, reporter, publisher, reporters_draft
):
    reporters_draft.edit("Rory's better draft", by=reporter, expected_revision=1)
    assert _refused(reporters_draft.edit, "Pat's take", by=publisher, expected_revision=2)
    assert _refused(reporters_draft.discard, by=publisher)

    reporters_draft.discard(by=reporter)

    assert not Update.objects.filter(pk=reporters_draft.pk).exists()


def test_a_reporter_allowed_to_publish_cannot_publish_someone_elses_draft(
    story, publisher, reporters_draft
):
    message = _refused(reporters_draft.publish, by=publisher)

    assert "someone else" in message
    reporters_draft.refresh_from_db()
    assert reporters_draft.is_draft


def test_an_editor_publishes_a_reporters_draft(story, editor, reporters_draft):
    reporters_draft.publish(by=editor)

    assert reporters_draft.number == 1
    assert Change.objects.get(update=reporters_draft).actor == editor


def test_a_reporter_allowed_to_publish_publishes_their_own_draft(story, publisher):
    draft = story.save_draft("Mine", by=publisher)

    draft.publish(by=publisher)

    assert draft.is_published


@pytest.mark.parametrize(
    "action",
    [
        lambda story, by: story.set_state(Story.State.ENDED, by=by),
        lambda story, by: story.change_details(headline="Hijacked", by=by),
        lambda story, by: story.set_tags(["Spam"], by=by),
        lambda story, by: story.set_bylines([{"name": "Someone"}], by=by),
        lambda story, by: story.revise(headline_suffix="UPDATE: fake", by=by),
    ],
    ids=["state", "details", "tags", "bylines", "suffix"],
)
def test_only_editors_change_the_story(story, publisher, action):
    before = Story.objects.values("headline", "headline_suffix", "state").get(pk=story.pk)

    _refused(action, story, publisher)

    assert Story.objects.values("headline", "headline_suffix", "state").get(pk=story.pk) == before
    assert [t.name for t in story.tags.all()] == ["Chat", "Outages"]


def test_only_editors_manage_contributors(story, editor, publisher, outsider):
    assert _refused(story.add_contributor, outsider, by=publisher)
    assert _refused(story.set_contributor_publishing, publisher, False, by=publisher)
    assert _refused(story.remove_contributor, publisher, by=publisher)
    assert not story.contributors.filter(user=outsider).exists()

    story.add_contributor(outsider, can_publish=False, by=editor)
    story.set_contributor_publishing(outsider, True, by=editor)
    assert story.contributors.get(user=outsider).can_publish
    story.remove_contributor(outsider, by=editor)
    assert not story.contributors.filter(user=outsider).exists()


def test_only_editors_create_stories(db, editor, outsider):
    with pytest.raises(PermissionDenied):
        Story.create(by=outsider, headline="Mine", slug="mine")
    assert not Story.objects.filter(slug="mine").exists()

    story = Story.create(by=editor, headline="Ours", slug="ours", state=Story.State.LIVE)

    assert story.is_live
    assert story.created_by == editor


def test_only_editors_resolve_suggestions(story, editor, publisher):
    suggestion = story.suggestions.create(message="UPDATE 2 has the wrong time.")

    with pytest.raises(PermissionDenied):
        suggestion.resolve(by=publisher)
    suggestion.refresh_from_db()
    assert not suggestion.is_resolved

    assert suggestion.resolve(by=editor)
