"""The reader's path at the speed of the machine (issue 11), checked by what it costs, not by
timing: no thread hand-off per middleware, no query for a connect the hub can answer, no render
for a remembered page, a health check that spares the database, a publish that does not wait
behind thousands of writes. `make bench` measures the speed itself."""

import asyncio
import threading
import time

import pytest
from asgiref.sync import SyncToAsync
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from incidents.live import hub as live_hub
from incidents.live.changes import Batch
from incidents.live.events import Event, encode_frame
from incidents.live.heads import StoryHead
from incidents.live.hub import Hub
from incidents.views import health
from incidents.views import reader as reader_views
from liveblog.middleware import ON_THE_LOOP, Handler
from tests.live_server import Counter

pytestmark = pytest.mark.django_db(transaction=True)

# A bare Django view under the ASGI handler costs two thread hand-offs: one for the
# request_started signal, one for closing the response (request_finished).
BARE_DJANGO_HANDOFFS = 2


def handoffs(monkeypatch) -> Counter:
    """Counts every sync_to_async hand-off to a thread, wherever it is made."""
    return Counter(monkeypatch, SyncToAsync, "__call__")


@pytest.fixture(autouse=True)
def memory_that_outlasts_a_slow_machine(settings):
    """What a process remembers of a story's head lasts 0.25 s; on a loaded machine a test's two
    requests can be further apart than that, and the second would (rightly) look again."""
    settings.LIVE_POLL_HEAD_SECONDS = 60


@pytest.fixture
def published(story, editor):
    story.publish_update("Engineers are **investigating**.", by=editor)
    story.refresh_from_db()
    return story


def chain_of(handler) -> list[tuple[str, bool | None]]:
    layer, modes = handler._middleware_chain, []
    while layer is not None:
        layer = getattr(layer, "__wrapped__", layer)  # convert_exception_to_response's wrapper
        modes.append((type(layer).__name__, getattr(layer, "async_mode", None)))
        layer = getattr(layer, "get_response", None)
        if getattr(layer, "__self__", None) is not None:  # the handler's own _get_response_async
            break
    return modes


def test_every_middleware_runs_on_the_event_loop_under_the_asgi_server():
    handler = Handler()
    everyone, readers = chain_of(handler.everyone), chain_of(handler.readers)

    assert "CsrfViewMiddleware" in dict(everyone) and "SessionMiddleware" in dict(everyone)
    assert all(mode in (True, None) for _, mode in everyone + readers), everyone + readers
    assert len(ON_THE_LOOP) == 9
    assert all(path in django_settings.MIDDLEWARE for path in ON_THE_LOOP)
    # The readers' own paths pass the security headers' middleware, and nothing of sessions.
    assert {"SecurityMiddleware", "ContentSecurityPolicyMiddleware"} <= set(dict(readers))
    assert {"XFrameOptionsMiddleware", "CommonMiddleware"} <= set(dict(readers))
    assert not {"SessionMiddleware", "CsrfViewMiddleware"} & set(dict(readers))


@pytest.mark.parametrize("path", ["updates?since=1", "events?cursor=1", ""])
def test_the_readers_path_keeps_every_security_header(asgi, published, path):
    url = f"/stories/{published.slug}/{path}"
    answer = asgi.open(url)
    if path.startswith("events"):
        asgi.disconnect(answer)
    else:
        asgi.call(asyncio.wait_for(answer._task, 5))

    assert answer.status == 200
    assert answer.headers["content-security-policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert answer.headers["cross-origin-opener-policy"] == "same-origin"
    assert "set-cookie" not in answer.headers


def test_the_readers_path_still_refuses_an_unknown_host(asgi, published):
    url = f"/stories/{published.slug}/updates?since={published.sequence}"

    answer = asgi.open(url, {"host": "evil.example"})
    asgi.call(asyncio.wait_for(answer._task, 5))

    assert answer.status == 400


def test_a_signed_in_editor_takes_the_full_path_to_the_article(asgi, published, editor):
    client = Client()
    client.force_login(editor)
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    signed_in = asgi.open(published.get_absolute_url(), {"cookie": cookie})
    asgi.call(asyncio.wait_for(signed_in._task, 5))

    assert signed_in.status == 200
    assert "Sign out" in signed_in.body.decode()
    assert "private" in signed_in.headers["cache-control"]


def test_a_304_poll_starts_no_thread(asgi, published, monkeypatch):
    url = f"/stories/{published.slug}/updates?since={published.sequence}"
    first = asgi.open(url)
    asgi.call(asyncio.wait_for(first._task, 5))
    started = Counter(monkeypatch, threading.Thread, "start")

    again = asgi.open(url, {"If-None-Match": first.headers["etag"]})
    asgi.call(asyncio.wait_for(again._task, 5))

    assert again.status == 304
    assert started.calls == 0


def test_a_304_poll_costs_no_more_thread_handoffs_than_a_bare_view(asgi, published, monkeypatch):
    url = f"/stories/{published.slug}/updates?since={published.sequence}"
    first = asgi.open(url)
    asgi.call(asyncio.wait_for(first._task, 5))  # its own hand-offs are over
    counted = handoffs(monkeypatch)

    again = asgi.open(url, {"If-None-Match": first.headers["etag"]})
    asgi.call(asyncio.wait_for(again._task, 5))

    assert first.status == 200
    assert again.status == 304
    assert again.headers["etag"] == first.headers["etag"]
    assert "set-cookie" not in again.headers
    assert counted.calls <= BARE_DJANGO_HANDOFFS


def test_an_anonymous_readers_article_is_remembered_and_served_without_a_query(
    asgi, published, monkeypatch
):
    url = published.get_absolute_url()
    first = asgi.open(url)
    asgi.call(asyncio.wait_for(first._task, 5))
    renders = Counter(monkeypatch, reader_views, "render")
    counted = handoffs(monkeypatch)

    second = asgi.open(url)
    asgi.call(asyncio.wait_for(second._task, 5))

    assert first.status == second.status == 200
    assert "Engineers are" in second.body.decode()
    assert second.body == first.body
    assert second.headers["etag"] == first.headers["etag"]
    assert "public" in second.headers["cache-control"]
    assert second.headers["content-security-policy"].startswith("default-src 'self'")
    assert "set-cookie" not in second.headers
    assert renders.calls == 0
    assert counted.calls <= BARE_DJANGO_HANDOFFS


def test_a_change_made_in_this_process_reaches_the_next_reader_at_once(published, editor):
    before = Client().get(published.get_absolute_url())

    published.publish_update("A second update, straight after.", by=editor)
    after = Client().get(published.get_absolute_url(), headers={"If-None-Match": before["ETag"]})

    assert before.status_code == 200
    assert after.status_code == 200
    assert "A second update, straight after." in after.text
    assert after["ETag"] != before["ETag"]


def test_a_remembered_page_is_kept_no_longer_than_a_cdn_may_keep_it(
    published, settings, monkeypatch
):
    renders = Counter(monkeypatch, reader_views, "render")
    pages = [Client().get(published.get_absolute_url()) for _ in range(3)]
    settings.READER_CACHE_SECONDS = 0
    expired = [Client().get(published.get_absolute_url()) for _ in range(2)]

    assert [page.status_code for page in pages + expired] == [200] * 5
    assert len({page.content for page in pages + expired}) == 1
    assert renders.calls == 1 + 2


def test_a_signed_in_editor_never_gets_the_remembered_page(published, editor):
    anonymous = Client().get(published.get_absolute_url())
    client = Client()
    client.force_login(editor)

    signed_in = client.get(published.get_absolute_url())

    assert anonymous.status_code == signed_in.status_code == 200
    assert "Sign out" in signed_in.text
    assert "private" in signed_in["Cache-Control"]
    assert "Sign out" not in anonymous.text


def test_the_two_reading_orders_are_remembered_apart(story, editor):
    story.publish_update("First of two.", by=editor)
    story.publish_update("Second of two.", by=editor)
    url = story.get_absolute_url()

    oldest = Client().get(url).text.split('id="timeline"', 1)[1]
    newest = Client().get(url + "?order=newest").text.split('id="timeline"', 1)[1]

    assert oldest.index("First of two.") < oldest.index("Second of two.")
    assert newest.index("Second of two.") < newest.index("First of two.")


def test_a_story_taken_back_to_draft_is_not_served_from_memory(published, editor):
    assert Client().get(published.get_absolute_url()).status_code == 200

    published.set_state("draft", by=editor)

    assert Client().get(published.get_absolute_url()).status_code == 404


def test_a_reader_joining_a_watched_story_costs_no_query(asgi, published, editor, monkeypatch):
    lookups = Counter(monkeypatch, live_hub, "find_public_story")
    url = f"/stories/{published.slug}/events?cursor={published.sequence}"
    first = asgi.open(url)
    asgi.wait_for(first, lambda frames: True)

    later = [asgi.open(url) for _ in range(10)]
    published.publish_update("For all eleven.", by=editor)
    published.refresh_from_db()

    assert first.status == 200
    assert all(stream.status == 200 for stream in later)
    for stream in [first, *later]:
        frames = asgi.wait_for(stream, lambda f: any(x.id == str(published.sequence) for x in f))
        assert [frame.id for frame in frames if frame.id] == [str(published.sequence)]
    assert lookups.calls == 1


def test_a_reader_with_a_newer_page_than_the_hub_has_seen_is_looked_up(
    asgi, published, editor, monkeypatch
):
    url = f"/stories/{published.slug}/events?cursor={published.sequence}"
    asgi.wait_for(asgi.open(url), lambda frames: True)
    lookups = Counter(monkeypatch, live_hub, "find_public_story")

    published.publish_update("Newer than the hub knows.", by=editor)
    published.refresh_from_db()
    newer = asgi.open(f"/stories/{published.slug}/events?cursor={published.sequence}")

    assert newer.status == 200
    assert lookups.calls <= 1  # none once the hub had caught up; one if it had not
    assert "event: reset" not in newer.body.decode()


def test_a_withdrawn_story_turns_new_readers_away(asgi, published, editor):
    url = f"/stories/{published.slug}/events?cursor={published.sequence}"
    watching = asgi.open(url)
    asgi.wait_for(watching, lambda frames: True)

    published.set_state("draft", by=editor)
    asgi.call(asyncio.wait_for(watching._task, 5))
    newcomer = asgi.open(url)

    assert watching.finished
    assert newcomer.status == 404


def test_a_publish_is_not_kept_waiting_behind_the_whole_fan_out(asgi, published, settings):
    settings.LIVE_HAND_OUT_SLICE = 100
    sequence = published.sequence + 1

    async def scenario():
        hub = Hub(asyncio.get_running_loop())
        head = StoryHead(published.pk, published.sequence, published.state)
        subscriptions = [hub.subscribe(head) for _ in range(1000)]
        html = "<p>For a thousand readers.</p>"
        event = Event(sequence, "published", html, encode_frame(sequence, "published", html))
        filled_when_other_work_ran = []

        async def the_editors_request():
            await asyncio.sleep(0)
            filled_when_other_work_ran.append(sum(not s.queue.empty() for s in subscriptions))

        other = asyncio.ensure_future(the_editors_request())
        await hub._publish_in_slices(published.pk, Batch(sequence, [event], published.timezone))
        await other
        delivered = [s.queue.get_nowait() for s in subscriptions if not s.queue.empty()]
        await hub.stop()
        return filled_when_other_work_ran[0], delivered

    filled_then, delivered = asgi.call(scenario())

    assert len(delivered) == 1000
    assert {event.sequence for event in delivered} == {sequence}
    assert filled_then <= 200


def test_health_checks_ask_the_database_at_most_once_a_second(client, monkeypatch):
    monkeypatch.setattr(health, "_last_probe", (float("-inf"), None))
    probes = Counter(monkeypatch, health, "probe_database")

    answers = [client.get("/healthz") for _ in range(5)]

    assert [answer.status_code for answer in answers] == [200] * 5
    assert answers[0].json() == {"status": "ok", "database": connection.vendor}
    assert probes.calls == 1


def test_a_health_check_reports_a_database_that_stopped_answering(client, monkeypatch):
    monkeypatch.setattr(health, "_last_probe", (time.monotonic() - 5, None))
    monkeypatch.setattr(health, "probe_database", lambda: "connection refused")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_the_server_stack_has_uvloop_and_httptools():
    import tomllib

    import httptools
    import uvloop

    project = tomllib.loads((django_settings.BASE_DIR / "pyproject.toml").read_text())

    assert any(dep.startswith("uvicorn[standard]") for dep in project["project"]["dependencies"])
    assert uvloop.new_event_loop is not None and httptools.HttpRequestParser is not None


def test_postgresql_connections_come_from_a_pool(tmp_path):
    import subprocess
    import sys

    code = (
        "import json, liveblog.settings as s;"
        "print(json.dumps(s.DATABASES['default'].get('OPTIONS', {}).get('pool')))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "1",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/anything",
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert '"max_size": 20' in done.stdout


def test_a_change_made_in_this_process_goes_out_at_once_not_at_the_next_look(
    asgi, published, editor, settings
):
    settings.LIVE_SQLITE_POLL_SECONDS = 30  # the hub's own look would come far too late
    stream = asgi.open(f"/stories/{published.slug}/events?cursor={published.sequence}")
    asgi.wait_for(stream, lambda frames: True)
    time.sleep(0.3)  # the hub's first look at the story, when it began to watch it

    published.publish_update("Straight to the open page.", by=editor)
    published.refresh_from_db()
    frames = asgi.wait_for(
        stream, lambda f: any(x.id == str(published.sequence) for x in f), timeout=3
    )

    assert "Straight to the open page." in frames[-1].data
