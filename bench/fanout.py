"""Connect storm, fan-out and publish latency: N readers on 2 server processes, the product
against the bare relay (bench/bare.py), in one run (issue 11).

Run by bench/run.py as its own process (Django reads DATABASE_URL at start):
    python -m bench.fanout --db sqlite --readers 10000 --updates 20
Prints one JSON line with the results.

Each side in turn, the bare relay first, on 2 fresh uvicorn processes started by the same
command:

1. Connect storm: N readers connect at once (at most `--gate` connecting at a time, the same
   for both sides), each with the page's cursor (`/stories/<slug>/events?cursor=<seq>`; the
   bare relay ignores it); timed until every reader has received the stream's `retry:` line.
2. Fan-out: an editor, in a process of its own, publishes `--updates` updates. To the product it
   publishes through the JSON API (`POST /api/v1/stories/<slug>/updates` with a bearer token),
   alternating the two processes, and the wall time of each request is the publish latency; to
   the bare relay it posts each update to `/publish` on both processes. Latency is measured
   from the moment a publish starts to the moment a reader's socket delivered the bytes that
   complete the event. Every reader must receive every update exactly once: the `id:` of each
   event is counted, so a missing or a repeated one shows.

The load generator is raw asyncio protocols, one per connection. It shares the machine's cores
with the servers, so while events arrive it does as little as it can: each read goes into one
shared buffer, and the bytes are kept with the time they arrived; the events are found after
the run.
"""

import argparse
import asyncio
import gc
import http.client
import json
import multiprocessing
import re
import sys
import time
from bisect import bisect_left
from collections import Counter
from itertools import accumulate

from bench.common import (
    BARE_APP,
    PRODUCT_APP,
    Server,
    fresh_database,
    percentile,
    raise_open_files,
    setup_django,
)

# A whole event: its `id:` line, its other fields, the blank line that ends it.
EVENT = re.compile(rb"^id: (\d+)\n(?:[^\n]+\n)*\n", re.MULTILINE)


# Readers are served one at a time by the event loop, so one receive buffer does for them all.
_BUFFER = bytearray(256 * 1024)
_VIEW = memoryview(_BUFFER)


class Reader(asyncio.BufferedProtocol):
    __slots__ = ("request", "ready", "head", "chunks", "transport")

    def __init__(self, request: bytes, ready: asyncio.Future):
        self.request = request
        self.ready = ready
        self.head = b""  # the response until the stream's first `retry:` line
        self.chunks = []  # (arrival time, bytes), parsed after the run
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def get_buffer(self, sizehint):
        return _VIEW

    def buffer_updated(self, nbytes):
        now = time.time()
        data = bytes(_VIEW[:nbytes])
        self.chunks.append((now, data))
        if not self.ready.done():
            self.head += data
            if b"retry:" in self.head:
                self.ready.set_result(self.head[9:12] == b"200")

    def connection_lost(self, exc):
        if not self.ready.done():
            self.ready.set_result(False)

    def events(self) -> tuple[Counter, dict[int, float]]:
        """How often each event id arrived, and when each first arrived complete."""
        data = b"".join(chunk for _, chunk in self.chunks)
        ends = list(accumulate(len(chunk) for _, chunk in self.chunks))
        seen, first = Counter(), {}
        for match in EVENT.finditer(data):
            sequence = int(match.group(1))
            seen[sequence] += 1
            if sequence not in first:
                first[sequence] = self.chunks[bisect_left(ends, match.end())][0]
        return seen, first

    def arrivals(self) -> list[tuple[int, float]]:
        """(sequence, time) of each event's first arrival."""
        return sorted(self.events()[1].items())


async def connect_readers(ports, path, count, concurrency=400):
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(concurrency)
    readers, failures = [], 0

    async def one(index):
        nonlocal failures
        port = ports[index % len(ports)]
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n"
        ).encode()
        async with gate:
            ready = loop.create_future()
            try:
                _, reader = await loop.create_connection(
                    lambda: Reader(request, ready), "127.0.0.1", port
                )
                ok = await asyncio.wait_for(ready, 60)
            except (OSError, TimeoutError):
                ok = False
            if ok:
                readers.append(reader)
            else:
                failures += 1

    await asyncio.gather(*(one(i) for i in range(count)))
    return readers, failures


def editor(url, story_pk, updates, interval, pipe):
    """An editor in the desk's place (bench/replay.py): publishes with the model method when
    told to, and reports when each publish started."""
    setup_django(url)
    from incidents.models import Story

    story = Story.objects.get(pk=story_pk)
    pipe.send("ready")
    pipe.recv()
    published = {}
    for n in range(1, updates + 1):
        started = time.time()
        story.publish_update(f"Benchmark update {n}: **still investigating**.")
        published[story.sequence] = started
        time.sleep(interval)
    pipe.send(published)


def http_editor(plan, interval, pipe):
    """An editor over HTTP: for each update, its requests in turn, each on a new connection.
    Reports when each update's publish started, each request's wall time and status."""
    pipe.send("ready")
    pipe.recv()
    started, walls, statuses = [], [], []
    for requests in plan:
        started.append(time.time())
        for port, path, headers, body in requests:
            began = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                connection.request("POST", path, body=body.encode(), headers=headers)
                response = connection.getresponse()
                response.read()
                statuses.append(response.status)
            except OSError as error:
                statuses.append(repr(error))
            finally:
                connection.close()
            walls.append((time.perf_counter() - began) * 1000)
        time.sleep(interval)
    pipe.send({"started": started, "walls_ms": walls, "statuses": statuses})


async def message_from(process, pipe):
    while not pipe.poll():
        if not process.is_alive():
            raise RuntimeError(f"the editor's process ended (exit code {process.exitcode})")
        await asyncio.sleep(0.1)
    return pipe.recv()


def received(reader: Reader, sequence: int) -> bool:
    """Whether one of the reader's last reads holds the event `sequence`."""
    marker = f"id: {sequence}\n".encode()
    return any(marker in data for _, data in reader.chunks[-3:])


def prepare(db: str):
    """The story on the page, an editor with an API token, and the HTML of one update (what the
    bare relay is given to send, so that both sides send frames of the same size)."""
    url = fresh_database(db)
    setup_django(url)
    from django.contrib.auth.models import Group, User
    from django.template.loader import render_to_string

    from incidents.models import EDITORS_GROUP, ApiToken, Story

    story = Story.objects.create(headline="Benchmark Outage", slug="benchmark-outage")
    story.go_live()
    update = story.publish_update("Benchmark update 0: **still investigating**.")
    story.refresh_from_db()
    user = User.objects.create_user("bench-editor")
    user.groups.add(Group.objects.get_or_create(name=EDITORS_GROUP)[0])
    _, token = ApiToken.issue(user, name="benchmark")
    html = render_to_string("incidents/update.html", {"update": update, "story": story})
    return url, story, token, html


def delivery(readers: list[Reader], published: dict[int, float]) -> dict:
    latencies, duplicates, unexpected, delivered = [], 0, 0, 0
    for reader in readers:
        seen, first = reader.events()
        duplicates += sum(count - 1 for count in seen.values())
        unexpected += sum(count for sequence, count in seen.items() if sequence not in published)
        for sequence, at in first.items():
            if sequence in published:
                delivered += 1
                latencies.append((at - published[sequence]) * 1000)
    return {
        "received": delivered,
        "duplicates": duplicates,
        "unexpected": unexpected,
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
    }


async def side(args, servers, path, plan, ids) -> dict:
    """One side's storm and fan-out; `ids` are the event ids the plan's updates will have."""
    ports = [server.port for server in servers]
    process = None
    try:
        # Warm each process (imports, the hub, templates), then take the idle memory.
        warm, _ = await connect_readers(ports, path, 4 * len(servers))
        for reader in warm:
            reader.transport.close()
        await asyncio.sleep(1.0)
        idle_mb = sum(server.rss_mb() for server in servers)

        pipe, child_pipe = multiprocessing.Pipe()
        process = multiprocessing.get_context("spawn").Process(
            target=http_editor, args=(plan, args.interval, child_pipe)
        )
        process.start()
        started = time.monotonic()
        readers, failures = await connect_readers(ports, path, args.readers, args.gate)
        connect_seconds = time.monotonic() - started
        await asyncio.sleep(2.0)
        connected_mb = sum(server.rss_mb() for server in servers)
        threads = sum(server.threads() for server in servers)
        for reader in readers:
            reader.chunks.clear()  # nothing was published yet: only the `retry:` lines
        await message_from(process, pipe)  # the editor is ready

        # No collector pauses in the load generator while it times arrivals.
        gc.collect()
        gc.freeze()
        gc.disable()
        pipe.send("go")
        report = await message_from(process, pipe)
        process.join()
        published = dict(zip(ids, report["started"], strict=True))
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline and not all(
            received(reader, ids[-1]) for reader in readers
        ):
            await asyncio.sleep(0.1)
        gc.enable()
        gc.unfreeze()
        after_mb = sum(server.rss_mb() for server in servers)
        result = delivery(readers, published)
        for reader in readers:
            reader.transport.close()
        walls = report["walls_ms"]
        return {
            "connected": len(readers),
            "connect_failures": failures,
            "connect_seconds": round(connect_seconds, 2),
            **result,
            "publish_requests": len(walls),
            "publish_failures": sum(1 for s in report["statuses"] if s not in (201, 204)),
            "publish_median_ms": round(percentile(walls, 0.50), 1),
            "publish_p95_ms": round(percentile(walls, 0.95), 1),
            "idle_rss_mb": round(idle_mb, 1),
            "connected_rss_mb": round(connected_mb, 1),
            "after_rss_mb": round(after_mb, 1),
            "mb_per_1000": round((max(connected_mb, after_mb) - idle_mb) / len(readers) * 1000, 1)
            if readers
            else None,
            "server_threads": threads,
        }
    finally:
        if process is not None and process.is_alive():
            process.kill()


def bare_plan(ports, updates: int, html: str) -> list:
    headers = {"Content-Type": "text/html; charset=utf-8"}
    return [[(port, "/publish", headers, html) for port in ports] for _ in range(updates)]


def api_plan(ports, story, token: str, updates: int) -> list:
    path = f"/api/v1/stories/{story.slug}/updates"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return [
        [(ports[n % len(ports)], path, headers,
          json.dumps({"body": f"Benchmark update {n}: **still investigating**."}))]
        for n in range(1, updates + 1)
    ]  # fmt: skip


async def run(args, url, story, token, html):
    results = {}
    for name in ("bare", "product"):
        app = BARE_APP if name == "bare" else PRODUCT_APP
        servers = [Server(url, app=app).start() for _ in range(args.servers)]
        try:
            ports = [server.port for server in servers]
            if name == "bare":
                plan, ids = bare_plan(ports, args.updates, html), list(range(1, args.updates + 1))
                path = f"/events?cursor={story.sequence}"
            else:
                plan = api_plan(ports, story, token, args.updates)
                ids = list(range(story.sequence + 1, story.sequence + args.updates + 1))
                path = f"/stories/{story.slug}/events?cursor={story.sequence}"
            results[name] = await side(args, servers, path, plan, ids)
        finally:
            for server in servers:
                server.stop()
        await asyncio.sleep(1.0)
    return results


def published_as_planned(story, updates: int) -> bool:
    """Whether the API's publishes are the story's next `updates` changes, in order, as the
    product side's ids assumed."""
    from incidents.models import Change

    changes = list(
        Change.objects.filter(story=story, sequence__gt=story.sequence)
        .order_by("sequence")
        .values_list("sequence", "kind")
    )
    planned = [(story.sequence + n, Change.Kind.PUBLISHED) for n in range(1, updates + 1)]
    return changes == planned


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--readers", type=int, default=10000)
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--gate", type=int, default=400, help="readers connecting at a time")
    parser.add_argument("--drain", type=float, default=15.0)
    args = parser.parse_args()
    raise_open_files()
    url, story, token, html = prepare(args.db)
    results = asyncio.run(run(args, url, story, token, html))
    print(
        json.dumps(
            {
                "scenario": "fanout",
                "db": args.db,
                "readers": args.readers,
                "servers": args.servers,
                "updates": args.updates,
                "gate": args.gate,
                "expected": args.readers * args.updates,
                "api_as_planned": published_as_planned(story, args.updates),
                **{
                    f"{name}_{key}": value
                    for name, r in results.items()
                    for key, value in r.items()
                },
            }
        ),
        flush=True,
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
