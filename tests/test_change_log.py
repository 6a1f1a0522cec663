"""The story's log: one Change per user action, each naming who acted."""

import pytest
from django.core.exceptions import ValidationError

from incidents.models import Change, IdempotencyConflict, Story, Update
from tests.conftest import make_user


def _log(story):
    return list(story.changes.order_by("sequence").values_list("kind", "actor__username"))


def test_every_change_names_who_made_it(story, editor):
    start = story.sequence
    update = story.publish_update("Engineers are investigating.", by=editor)
    update.edit("Engineers are still investigating.", by=editor, expected_revision=1)
    update.set_pinned(True, by=editor)
    update.retract("Premature.", by=editor)
    story.end_coverage(by=editor)

    changes = story.changes.filter(sequence__gt=start).order_by("sequence")
    assert [(c.kind, c.actor) for c in changes] == [
        ("published", editor),
        ("edited", editor),
        ("pinned", editor),
        ("retracted", editor),
        ("ended", editor),
    ]
    assert changes.last().actor_name == "Erin Editor"


def test_a_system_change_has_no_actor(story):
    update = story.publish_update("From the importer")

    change = Change.objects.get(update=update)
    assert change.actor is None
    assert change.actor_name == "the system"


def test_publishing_pinned_writes_one_change_and_takes_the_pin(story, editor):
    first = story.publish_update("Old news", by=editor, pinned=True)
    before = story.sequence

    second = story.publish_update("Big news", by=editor, pinned=True)

    story.refresh_from_db()
    assert story.sequence == before + 1
    assert Change.objects.get(sequence=story.sequence, story=story).update == second
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.pinned
    assert not first.pinned


def test_pinning_over_another_pin_writes_one_change(story, editor):
    first = story.publish_update("Old news", by=editor, pinned=True)
    second = story.publish_update("Big news", by=editor)
    before = story.sequence

    second.set_pinned(True, by=editor)

    story.refresh_from_db()
    assert story.sequence == before + 1
    assert list(story.updates.filter(pinned=True)) == [second]
    first.refresh_from_db()
    assert not first.pinned


def test_pinning_a_draft_leaves_the_readers_pin_until_it_is_published(story, editor):
    pinned = story.publish_update("Pinned now", by=editor, pinned=True)
    draft = story.save_draft("Will be pinned", by=editor, pinned=True)

    pinned.refresh_from_db()
    assert pinned.pinned

    draft.publish(by=editor)

    pinned.refresh_from_db()
    draft.refresh_from_db()
    assert draft.pinned
    assert not pinned.pinned


def test_details_tags_and_bylines_saved_together_are_one_change(story, editor):
    before = story.sequence

    changed = story.revise(
        by=editor,
        headline="Chat Service Is Back",
        headline_suffix="UPDATE: Restored",
        tags=["Outages", "Chat", "Restored"],
        bylines=[{"name": "Dana Reyes", "title": "Editor"}, {"name": "Sam Lee", "title": ""}],
    )

    story.refresh_from_db()
    assert changed
    assert story.sequence == before + 1
    assert story.full_headline == "Chat Service Is Back (UPDATE: Restored)"
    assert [t.name for t in story.tags.all()] == ["Chat", "Outages", "Restored"]
    assert [b.name for b in story.bylines.all()] == ["Dana Reyes", "Sam Lee"]


def test_saving_the_same_details_again_logs_nothing(story, editor):
    story.revise(by=editor, headline=story.headline, tags=["Outages", "Chat"])

    assert story.sequence == Story.objects.get(pk=story.pk).sequence


def test_ending_coverage_with_a_new_suffix_is_one_ended_change(story, editor):
    before = story.sequence

    story.revise(by=editor, headline_suffix="Coverage has ended", state=Story.State.ENDED)

    story.refresh_from_db()
    assert story.sequence == before + 1
    assert story.changes.get(sequence=story.sequence).kind == Change.Kind.ENDED
    assert story.ended_at is not None


def test_a_story_caps_its_tags_and_bylines(story, editor):
    with pytest.raises(ValidationError) as raised:
        story.set_tags([f"tag {n}" for n in range(Story.MAX_TAGS + 1)], by=editor)
    assert "at most 20 tags" in str(raised.value)

    with pytest.raises(ValidationError):
        story.set_bylines([{"name": f"P{n}"} for n in range(Story.MAX_BYLINES + 1)], by=editor)
    assert story.tags.count() == 2


# --- idempotency keys (issue 10, finding 8) ----------------------------------------------------


def test_a_retry_with_the_same_key_returns_the_same_update(story, editor):
    first = story.publish_update("Once", by=editor, idempotency_key="k-1")
    again = story.publish_update("Once", by=editor, idempotency_key="k-1")

    assert again.pk == first.pk
    assert story.updates.count() == 1


def test_another_persons_key_never_returns_their_update(story, editor, reporter):
    draft = story.save_draft("Rory's unpublished draft", by=reporter, idempotency_key="bot-7")

    published = story.publish_update("Erin's update", by=editor, idempotency_key="bot-7")

    assert published.pk != draft.pk
    assert published.is_published
    assert published.body == "Erin's update"
    draft.refresh_from_db()
    assert draft.is_draft


def test_the_same_key_with_another_body_is_refused(story, editor):
    story.publish_update("First text", by=editor, idempotency_key="k-2")

    with pytest.raises(IdempotencyConflict):
        story.publish_update("Other text", by=editor, idempotency_key="k-2")
    assert list(story.updates.values_list("body", flat=True)) == ["First text"]


def test_the_same_key_for_another_action_is_refused(story, editor):
    story.save_draft("Text", by=editor, idempotency_key="k-3")

    with pytest.raises(IdempotencyConflict):
        story.publish_update("Text", by=editor, idempotency_key="k-3")
    assert story.updates.get().is_draft


# --- bodies and times every entry point shares ----------------------------------------------


@pytest.mark.parametrize("body", ["\u200b", "\u200b\u200c\u200d", " \u2060\ufeff \n", "\u00a0"])
def test_an_invisible_body_is_refused(story, editor, body):
    with pytest.raises(ValidationError) as raised:
        story.publish_update(body, by=editor)

    assert "body" in raised.value.message_dict
    assert not story.updates.exists()


@pytest.mark.parametrize(
    "year",
    [1, 1969, 2101, 9999],
)
def test_a_time_outside_1970_to_2100_is_refused(story, editor, year):
    from datetime import UTC, datetime

    with pytest.raises(ValidationError) as raised:
        story.publish_update("News", by=editor, timestamp=datetime(year, 6, 1, tzinfo=UTC))

    assert "between the years 1970 and 2100" in raised.value.message_dict["timestamp"][0]
    assert not story.updates.exists()


def test_an_edit_cannot_move_an_update_outside_the_range(story, editor):
    from datetime import UTC, datetime

    update = story.publish_update("News", by=editor)
    with pytest.raises(ValidationError):
        update.edit("News", by=editor, expected_revision=1, timestamp=datetime(1, 1, 1, tzinfo=UTC))
    update.refresh_from_db()
    assert update.timestamp.year >= 1970


def test_changes_record_the_actor_in_the_admin_list(story, editor):
    from incidents.admin import ChangeAdmin

    assert "actor" in ChangeAdmin.list_display


def test_the_reporter_who_saved_a_draft_is_its_author(story, reporter):
    other = make_user("sam")
    draft = story.save_draft("Mine", by=reporter)

    assert draft.author == reporter
    assert not draft.can_edit(other)
    assert Update.objects.get(pk=draft.pk).is_draft


def test_the_story_desk_shows_who_made_each_change(client, story, editor, reporter):
    from incidents.models import Contributor

    Contributor.objects.filter(user=reporter).update(can_publish=True)
    story.publish_update("Engineers are investigating.", by=reporter)
    story.publish_update("Fixed.", by=editor).set_pinned(True, by=editor)
    client.force_login(editor)

    response = client.get(f"/newsroom/stories/{story.slug}/")

    assert response.status_code == 200
    log = response.content.decode().split('id="story-log"')[1].split("</section>")[0]
    assert "Pin changed · UPDATE 2" in log
    assert "by Erin Editor" in log
    assert "Update published · UPDATE 1" in log
    assert "by Rory Reporter" in log
