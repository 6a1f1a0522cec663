"""The live event stream of a story, driven in process over ASGI like a browser's EventSource."""

import pytest

from tests.conftest import make_story

pytestmark = pytest.mark.django_db(transaction=True)


def events_url(story, **query):
    url = f"/stories/{story.slug}/events"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def ids(frames):
    return [int(frame.id) for frame in frames if frame.id is not None]


def has_ids(*wanted):
    return lambda frames: set(wanted) <= set(ids(frames))


def test_a_new_update_arrives_as_a_published_event_with_the_update_partial(asgi, story, editor):
    stream = asgi.open(events_url(story, cursor=story.sequence))
    assert stream.status == 200

    update = story.publish_update("The **chat service** is back.", by=editor)
    story.refresh_from_db()
    frames = asgi.wait_for(stream, has_ids(story.sequence))

    event = frames[-1]
    assert event.event == "published"
    assert int(event.id) == story.sequence
    assert f'id="update-{update.number}"' in event.data
    assert "UPDATE 1" in event.data
    assert "<strong>chat service</strong>" in event.data


def test_the_stream_headers_keep_proxies_from_buffering_or_caching(asgi, story):
    stream = asgi.open(events_url(story, cursor=story.sequence))

    assert stream.headers["content-type"].startswith("text/event-stream")
    assert stream.headers["cache-control"] == "no-cache"
    assert stream.headers["x-accel-buffering"] == "no"
    assert "set-cookie" not in stream.headers
    assert stream.frames()[0].retry == 2000


def test_every_kind_of_change_has_its_own_event_name_and_a_growing_id(asgi, story, editor):
    start = story.sequence
    stream = asgi.open(events_url(story, cursor=start))

    first = story.publish_update("First", by=editor)
    second = story.publish_update("Second", by=editor)
    first.edit("First, corrected", by=editor, expected_revision=1)
    first.set_pinned(True, by=editor)
    second.retract("Published in error", by=editor)
    story.change_details(headline_suffix="UPDATE: Restored", by=editor)
    story.end_coverage(by=editor)
    frames = asgi.wait_for(stream, lambda frames: any(f.event == "ended" for f in frames))

    events = [(int(f.id), f.event) for f in frames if f.id]
    assert [name for _, name in events] == [
        "published", "published", "edited", "pinned", "retracted", "story", "ended",
    ]  # fmt: skip
    assert [sequence for sequence, _ in events] == list(range(start + 1, start + 8))
    by_name = {f.event: f.data for f in frames if f.id}
    assert "First, corrected" in by_name["edited"]
    # The story's regions ride along: the summary shows the pinned update as it now reads.
    assert any('class="summary"' in f.data and "First, corrected" in f.data for f in frames)
    assert "This update was retracted" in by_name["retracted"]
    assert "Published in error" in by_name["retracted"]
    assert "(UPDATE: Restored)" in by_name["story"]
    assert "Live coverage has ended" in by_name["ended"]


def test_the_stream_closes_after_coverage_ends(asgi, story, editor):
    stream = asgi.open(events_url(story, cursor=story.sequence))

    story.end_coverage(by=editor)

    asgi.wait_until_finished(stream)
    assert stream.frames()[-1].event == "ended"
    assert asgi.connections() == 0


def test_a_reader_who_returns_after_coverage_ended_is_told_not_to_reconnect(asgi, story, editor):
    story.end_coverage(by=editor)
    story.refresh_from_db()

    stream = asgi.open(events_url(story), headers={"Last-Event-ID": str(story.sequence)})

    assert stream.status == 204


def test_reconnecting_with_last_event_id_replays_what_was_missed_in_order(asgi, story, editor):
    story.publish_update("Seen before the drop", by=editor)
    story.refresh_from_db()
    seen = story.sequence
    missed = [story.publish_update(f"Missed {n}", by=editor) for n in (1, 2)]
    story.refresh_from_db()

    stream = asgi.open(events_url(story, cursor=0), headers={"Last-Event-ID": str(seen)})
    frames = asgi.wait_for(stream, has_ids(story.sequence))

    assert ids(frames) == [seen + 1, seen + 2]
    data = {int(frame.id): frame.data for frame in frames if frame.id}
    assert f'id="{missed[0].anchor}"' in data[seen + 1]
    assert f'id="{missed[1].anchor}"' in data[seen + 2]


def test_the_cursor_the_page_supplies_replays_like_last_event_id(asgi, story, editor):
    story.publish_update("Already on the page", by=editor)
    story.refresh_from_db()
    cursor = story.sequence
    story.publish_update("Published while the page loaded", by=editor)

    stream = asgi.open(events_url(story, cursor=cursor))
    frames = asgi.wait_for(stream, has_ids(cursor + 1))

    assert ids(frames) == [cursor + 1]
    assert "Published while the page loaded" in frames[-1].data


def test_last_event_id_wins_over_a_stale_cursor(asgi, story, editor):
    story.publish_update("One", by=editor)
    story.publish_update("Two", by=editor)
    story.refresh_from_db()

    stream = asgi.open(
        events_url(story, cursor=0), headers={"Last-Event-ID": str(story.sequence - 1)}
    )
    frames = asgi.wait_for(stream, has_ids(story.sequence))

    assert ids(frames) == [story.sequence]


def test_replay_and_live_events_join_without_a_gap_or_a_repeat(asgi, story, editor):
    story.publish_update("Before", by=editor)
    story.refresh_from_db()
    start = story.sequence

    stream = asgi.open(events_url(story, cursor=start - 1))
    for n in range(5):
        story.publish_update(f"Live {n}", by=editor)
    story.refresh_from_db()
    frames = asgi.wait_for(stream, has_ids(story.sequence))

    assert ids(frames) == list(range(start, story.sequence + 1))


def is_reset(stream, story):
    frames = [frame for frame in stream.frames() if frame.id is not None]
    return [(frame.event, frame.id, frame.data) for frame in frames] == [
        ("reset", str(story.sequence), str(story.sequence))
    ]


@pytest.mark.parametrize(
    "bad", ["abc", "-3", "1.5", "9" * 40, "", " ", "1e3", "٣", "99999"], ids=repr
)
def test_a_malformed_or_unknown_last_event_id_gets_a_reset(asgi, story, editor, bad):
    story.publish_update("One", by=editor)
    story.publish_update("Two", by=editor)
    story.refresh_from_db()

    stream = asgi.open(events_url(story), headers={"Last-Event-ID": bad})
    asgi.wait_until_finished(stream)

    assert stream.status == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert is_reset(stream, story)
    assert "One" not in stream.body.decode()


@pytest.mark.parametrize("bad", ["abc", "-1", "0x10", "%00", "99999", "1e5"], ids=repr)
def test_a_malformed_cursor_gets_a_reset(asgi, story, editor, bad):
    story.publish_update("One", by=editor)
    story.refresh_from_db()

    stream = asgi.open(events_url(story, cursor=bad))
    asgi.wait_until_finished(stream)

    assert stream.status == 200
    assert is_reset(stream, story)


def test_a_stream_without_a_cursor_gets_a_reset(asgi, story, editor):
    story.publish_update("One", by=editor)
    story.refresh_from_db()

    stream = asgi.open(events_url(story))
    asgi.wait_until_finished(stream)

    assert stream.status == 200
    assert is_reset(stream, story)
    assert asgi.connections() == 0


def test_a_cursor_further_behind_than_a_replay_holds_gets_a_reset(asgi, story, editor, settings):
    settings.LIVE_REPLAY_MEMORY = 3
    start = story.sequence
    for n in range(4):
        story.publish_update(f"Update {n}", by=editor)
    story.refresh_from_db()

    too_old = asgi.open(events_url(story, cursor=start))
    asgi.wait_until_finished(too_old)
    recent = asgi.open(events_url(story, cursor=start + 1))
    frames = asgi.wait_for(recent, has_ids(story.sequence))

    assert is_reset(too_old, story)
    assert ids(frames) == [start + 2, start + 3, start + 4]


def test_an_idle_stream_sends_a_heartbeat_comment(asgi, story, settings):
    settings.LIVE_HEARTBEAT_SECONDS = 0.2
    stream = asgi.open(events_url(story, cursor=story.sequence))

    frames = asgi.wait_for(stream, lambda frames: any(f.comment == "heartbeat" for f in frames))

    heartbeat = next(f for f in frames if f.comment == "heartbeat")
    assert heartbeat.id is None and heartbeat.data == ""
    assert b"\n: heartbeat\n\n" in stream.body


def test_a_stream_for_an_unknown_story_is_not_found(asgi, db):
    stream = asgi.open("/stories/no-such-story/events")

    assert stream.status == 404


def test_a_draft_story_has_no_stream(asgi, db):
    draft = make_story(headline="Embargoed", state="draft")

    stream = asgi.open(events_url(draft))

    assert stream.status == 404


def test_a_reader_who_hangs_up_is_forgotten_at_once(asgi, story, other_story):
    first = asgi.open(events_url(story, cursor=story.sequence))
    second = asgi.open(events_url(story, cursor=story.sequence))
    third = asgi.open(events_url(other_story, cursor=other_story.sequence))
    assert asgi.connections() == 3

    asgi.disconnect(first)
    assert asgi.connections() == 2
    asgi.disconnect(second)
    asgi.disconnect(third)

    assert asgi.connections() == 0
    assert first.finished and second.finished


def test_streams_of_one_story_do_not_see_another_storys_changes(asgi, story, other_story, editor):
    mine = asgi.open(events_url(story, cursor=story.sequence))
    theirs = asgi.open(events_url(other_story, cursor=other_story.sequence))

    other_story.publish_update("Elsewhere", by=editor)
    story.publish_update("Here", by=editor)
    story.refresh_from_db()
    other_story.refresh_from_db()
    frames = asgi.wait_for(mine, has_ids(story.sequence))
    asgi.wait_for(theirs, has_ids(other_story.sequence))

    assert all("Elsewhere" not in frame.data for frame in frames)
    assert any("Here" in frame.data for frame in frames)
