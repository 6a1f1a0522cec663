"""What a reader can receive always equals what a reader may see now (issue 10, findings 2 and 3):
a story taken back to draft ends its streams, and no replay, from the hub's memory or from the
database, carries text that was since retracted or edited."""

import pytest

from incidents.live.heads import forget_story_heads

pytestmark = pytest.mark.django_db(transaction=True)


def events_url(story, cursor):
    return f"/stories/{story.slug}/events?cursor={cursor}"


def has_id(sequence):
    return lambda frames: any(frame.id == str(sequence) for frame in frames)


def test_taking_a_story_back_to_draft_ends_its_open_streams_at_once(
    asgi, client, story, other_story, editor, settings
):
    settings.LIVE_POLL_HEAD_SECONDS = 0
    forget_story_heads()
    readers = [asgi.open(events_url(story, story.sequence)) for _ in range(3)]
    elsewhere = asgi.open(events_url(other_story, other_story.sequence))

    story.set_state("draft", by=editor)
    story.publish_update("Embargoed: the supplier's name", by=editor)
    for reader in readers:
        asgi.wait_until_finished(reader)

    assert all(reader.status == 200 and reader.finished for reader in readers)
    assert all(b"retry: 2000" in reader.body for reader in readers)
    assert all(b"supplier" not in reader.body for reader in readers)
    assert asgi.connections() == 1  # the other story's reader is untouched
    assert not elsewhere.finished
    assert client.get(f"/stories/{story.slug}/updates?since=0").status_code == 404
    assert asgi.open(events_url(story, story.sequence)).status == 404


def test_an_update_published_after_the_draft_never_reaches_an_earlier_stream(asgi, story, editor):
    reader = asgi.open(events_url(story, story.sequence))
    story.set_state("draft", by=editor)
    asgi.wait_until_finished(reader)

    story.publish_update("Written while the story was a draft", by=editor)
    story.set_state("live", by=editor)

    assert reader.finished
    assert b"while the story was a draft" not in reader.body


def test_a_story_withdrawn_and_back_within_one_look_still_ends_earlier_streams(asgi, story, editor):
    from django.db import transaction

    reader = asgi.open(events_url(story, story.sequence))
    with transaction.atomic():  # all three land before the hub can look even once
        story.set_state("draft", by=editor)
        story.publish_update("Written while the story was withdrawn", by=editor)
        story.set_state("live", by=editor)

    asgi.wait_until_finished(reader)

    assert reader.finished
    assert b"while the story was withdrawn" not in reader.body
    assert story.changes.filter(kind="withdrawn").count() == 1


def replay_for_a_new_reader(asgi, story, cursor):
    story.refresh_from_db()
    newcomer = asgi.open(f"/stories/{story.slug}/events", headers={"Last-Event-ID": str(cursor)})
    frames = asgi.wait_for(newcomer, has_id(story.sequence))
    asgi.disconnect(newcomer)
    return newcomer, [frame for frame in frames if frame.id is not None]


def test_a_retracted_update_is_never_replayed_from_the_hubs_memory(asgi, story, editor):
    start = story.sequence
    keeper = asgi.open(events_url(story, start))  # keeps the story in the hub's memory
    update = story.publish_update("DEFAMATORY claim about Jane Doe", by=editor)
    story.refresh_from_db()
    asgi.wait_for(keeper, has_id(story.sequence))
    update.retract("The claim was false.", by=editor)
    story.refresh_from_db()
    asgi.wait_for(keeper, has_id(story.sequence))

    newcomer, frames = replay_for_a_new_reader(asgi, story, start)

    assert newcomer.status == 200
    assert [(frame.id, frame.event) for frame in frames] == [(str(story.sequence), "retracted")]
    assert "The claim was false." in frames[0].data
    assert "Jane Doe" not in newcomer.body.decode()


def test_edited_text_is_never_replayed_from_the_hubs_memory(asgi, story, editor):
    start = story.sequence
    keeper = asgi.open(events_url(story, start))
    update = story.publish_update("Outage caused by Jane Doe's change", by=editor)
    story.publish_update("Engineers are rolling back", by=editor)
    story.refresh_from_db()
    asgi.wait_for(keeper, has_id(story.sequence))
    update.edit("Outage caused by a configuration change", by=editor, expected_revision=1)
    story.refresh_from_db()
    asgi.wait_for(keeper, has_id(story.sequence))

    newcomer, frames = replay_for_a_new_reader(asgi, story, start)

    assert [frame.event for frame in frames] == ["published", "edited"]
    assert "rolling back" in frames[0].data
    assert "a configuration change" in frames[1].data
    assert "Jane Doe" not in newcomer.body.decode()
