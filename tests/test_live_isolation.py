"""One story's trouble stays with that story (issue 10, finding 5, the hub's part): a change the
hub cannot render is logged and skipped, never retried, and /healthz reports a hub that has
stopped delivering."""

import logging
import threading
import time

import pytest

from incidents.live import events as live_events
from incidents.live import hub as live_hub

pytestmark = pytest.mark.django_db(transaction=True)


def events_url(story):
    return f"/stories/{story.slug}/events?cursor={story.sequence}"


def has_text(text):
    return lambda frames: any(text in frame.data for frame in frames)


def test_a_change_the_hub_cannot_render_is_logged_and_skipped(
    asgi, story, other_story, editor, monkeypatch, caplog
):
    attempts = []
    render = live_events.render_change

    def poisoned(change, story_, *rest):
        if change.update is not None and "POISON" in change.update.body:
            attempts.append(change.sequence)
            raise OverflowError("date value out of range")
        return render(change, story_, *rest)

    monkeypatch.setattr(live_events, "render_change", poisoned)
    poisoned_reader = asgi.open(events_url(story))
    other_reader = asgi.open(events_url(other_story))

    with caplog.at_level(logging.ERROR):
        story.publish_update("POISON", by=editor)
        time.sleep(0.6)  # the hub has looked at least twice
        other_story.publish_update("Elsewhere, all is well", by=editor)
        story.publish_update("After the bad one", by=editor)
        asgi.wait_for(other_reader, has_text("Elsewhere, all is well"), timeout=3)
        frames = asgi.wait_for(poisoned_reader, has_text("After the bad one"), timeout=3)
        time.sleep(0.6)

    assert [frame.event for frame in frames if frame.id] == ["published"]
    assert len(attempts) == 1  # never retried
    assert any(story.slug in record.getMessage() for record in caplog.records)
    assert asgi.hub().stalled() is None


def test_healthz_is_ok_while_the_hub_delivers(asgi, client, story):
    asgi.open(events_url(story))
    time.sleep(0.3)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_healthz_reports_a_hub_that_has_stopped_delivering(
    asgi, client, story, editor, monkeypatch, settings
):
    settings.LIVE_HUB_STALL_SECONDS = 0.5
    stuck = threading.Event()
    load = live_hub.load_new_events

    def hanging(known):
        stuck.wait(10)  # a database that does not answer
        return load(known)

    asgi.open(events_url(story))
    monkeypatch.setattr(live_hub, "load_new_events", hanging)
    time.sleep(1.2)

    try:
        response = client.get("/healthz")
    finally:
        stuck.set()

    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert "waited" in response.json()["live"]
    time.sleep(0.6)
    assert client.get("/healthz").status_code == 200
