"""The per-process hub: one listener per process, one render per change, whatever the readers."""

import asyncio
import time

import pytest
from django.db import connection

from incidents.live import events as live_events
from incidents.live import hub as live_hub
from incidents.live.changes import Batch
from incidents.live.events import Event, encode_frame
from incidents.live.heads import StoryHead
from incidents.live.hub import CLOSED, Hub
from tests.live_server import Counter

pytestmark = pytest.mark.django_db(transaction=True)


def stream_of(asgi, story):
    return asgi.open(f"/stories/{story.slug}/events?cursor={story.sequence}")


def received(sequence):
    return lambda frames: any(frame.id == str(sequence) for frame in frames)


def test_a_change_is_rendered_once_for_all_readers_of_a_process(asgi, story, editor, monkeypatch):
    renders = Counter(monkeypatch, live_events, "render_change")
    streams = [stream_of(asgi, story) for _ in range(12)]

    story.publish_update("For everyone", by=editor)
    story.refresh_from_db()
    for stream in streams:
        asgi.wait_for(stream, received(story.sequence))

    assert renders.calls == 1
    assert asgi.connections() == 12


def test_the_hub_does_not_query_per_stream(asgi, story, editor, monkeypatch, settings):
    loads = Counter(monkeypatch, live_hub, "load_new_events")
    for _ in range(20):
        stream_of(asgi, story)

    time.sleep(1.0)

    # At most one look at the database per tick (every 250 ms on SQLite, none at all while
    # PostgreSQL is quiet), plus the catch-up when the story was first watched.
    assert loads.calls <= 1 / settings.LIVE_SQLITE_POLL_SECONDS + 2


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_on_sqlite_the_hub_polls_the_story_sequences(asgi, story, editor, monkeypatch):
    loads = Counter(monkeypatch, live_hub, "load_new_events")
    stream = stream_of(asgi, story)
    time.sleep(0.6)

    assert asgi.hub().mode == "poll"
    assert loads.calls >= 2  # it keeps looking: another process may have written
    story.publish_update("Seen by the poll", by=editor)
    story.refresh_from_db()
    asgi.wait_for(stream, received(story.sequence), timeout=2)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_the_hub_waits_for_notify(asgi, story, editor, monkeypatch):
    loads = Counter(monkeypatch, live_hub, "load_new_events")
    stream = stream_of(asgi, story)
    time.sleep(0.5)
    settled = loads.calls
    time.sleep(0.6)

    assert asgi.hub().mode == "notify"
    assert loads.calls == settled  # quiet database, no queries
    story.publish_update("Announced by NOTIFY", by=editor)
    story.refresh_from_db()
    frames = asgi.wait_for(stream, received(story.sequence), timeout=2)
    assert "Announced by NOTIFY" in frames[-1].data
    assert loads.calls == settled + 1


def test_the_hub_stops_when_the_last_reader_leaves_and_starts_again(asgi, story, editor, settings):
    settings.LIVE_HUB_IDLE_SECONDS = 0.1
    stream = stream_of(asgi, story)
    assert asgi.hub().running

    asgi.disconnect(stream)
    time.sleep(0.4)
    assert not asgi.hub().running

    again = stream_of(asgi, story)
    story.publish_update("After a restart", by=editor)
    story.refresh_from_db()
    asgi.wait_for(again, received(story.sequence))
    assert asgi.hub().running


def test_a_stream_that_falls_too_far_behind_is_closed_for_a_replay(asgi, story, settings):
    settings.LIVE_QUEUE_LIMIT = 2

    async def scenario():
        hub = Hub(asyncio.get_running_loop())
        head = StoryHead(story.pk, story.sequence, story.state)
        subscription = hub.subscribe(head)
        events = [Event(story.sequence + n, "published", "", b"") for n in range(1, 5)]
        hub.publish(story.pk, Batch(story.sequence + 4, events, story.timezone))
        queued = [subscription.queue.get_nowait() for _ in range(subscription.queue.qsize())]
        await hub.stop()
        return queued

    queued = asgi.call(scenario())

    assert queued == [CLOSED]


def test_a_frame_puts_every_line_of_the_html_in_its_own_data_field():
    frame = encode_frame(7, "edited", "<p>one</p>\r\n<p>two</p>\r<p>three</p>\n")

    assert frame == (
        b"id: 7\nevent: edited\ndata: <p>one</p>\ndata: <p>two</p>\ndata: <p>three</p>\n\n"
    )


def test_the_backend_decides_how_the_hub_listens(asgi, db):
    async def mode():
        return Hub(asyncio.get_running_loop()).mode

    expected = "notify" if connection.vendor == "postgresql" else "poll"
    assert asgi.call(mode()) == expected


def test_readers_replaying_the_same_changes_share_one_render(asgi, story, editor, monkeypatch):
    start = story.sequence
    for n in range(10):
        story.publish_update(f"Missed {n}", by=editor)
    story.refresh_from_db()
    renders = Counter(monkeypatch, live_events, "render_change")

    streams = [asgi.open(f"/stories/{story.slug}/events?cursor={start}") for _ in range(8)]
    for stream in streams:
        frames = asgi.wait_for(stream, received(story.sequence))
        assert [frame.id for frame in frames if frame.id] == [
            str(n) for n in range(start + 1, story.sequence + 1)
        ]

    assert renders.calls <= 10 + 2  # the window once (and the header), not once per reader
