"""UPDATE numbers: assigned at first publish, consecutive per story, never reused."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from incidents.models import Change, Update
from tests.conftest import make_story


def test_publishing_numbers_updates_consecutively(story, editor):
    numbers = [story.publish_update(f"Update {i}", by=editor).number for i in range(1, 4)]

    assert numbers == [1, 2, 3]


def test_each_story_counts_its_own_updates(story, other_story, editor):
    story.publish_update("One here", by=editor)
    story.publish_update("Two here", by=editor)

    assert other_story.publish_update("First elsewhere", by=editor).number == 1


def test_a_draft_has_no_number_until_it_is_published(story, editor):
    story.publish_update("First", by=editor)
    draft = story.save_draft("Written early, published late", by=editor)
    story.publish_update("Second", by=editor)

    assert draft.number is None
    draft.publish(by=editor)

    assert draft.number == 3
    assert draft.state == Update.State.PUBLISHED


def test_numbers_are_never_reused_after_a_retraction(story, editor):
    story.publish_update("First", by=editor)
    second = story.publish_update("Wrong", by=editor)
    second.retract("Published in error", by=editor)

    assert story.publish_update("Third", by=editor).number == 3


def test_numbers_are_never_reused_after_a_deletion(story, editor):
    story.publish_update("First", by=editor)
    story.publish_update("Second", by=editor).delete()

    assert story.publish_update("Third", by=editor).number == 3


def test_the_same_idempotency_key_publishes_once(story, editor):
    first = story.publish_update("Double-clicked", by=editor, idempotency_key="k-1")
    second = story.publish_update("Double-clicked", by=editor, idempotency_key="k-1")

    assert first.pk == second.pk
    assert story.updates.count() == 1


def test_publishing_appends_to_the_change_log(story, editor):
    before = story.sequence
    update = story.publish_update("Logged", by=editor)

    change = Change.objects.get(story=story, sequence=before + 1)
    assert change.kind == Change.Kind.PUBLISHED
    assert change.update == update
    story.refresh_from_db()
    assert story.sequence == before + 1


def test_an_ended_story_refuses_new_updates(story, editor):
    story.end_coverage(by=editor)

    with pytest.raises(ValidationError):
        story.publish_update("Too late", by=editor)
    assert story.updates.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_publishes_get_distinct_consecutive_numbers():
    story = make_story(headline="Concurrent")
    errors = []

    def publish(i):
        try:
            story.publish_update(f"From writer {i}")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = sorted(story.updates.values_list("number", flat=True))
    assert numbers == list(range(1, 9))
