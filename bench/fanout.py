"""Fan-out: N readers hold the event stream open on 2 server processes; an editor publishes.

Run by bench/run.py as its own process (Django reads DATABASE_URL at start):
    python -m bench.fanout --db sqlite --readers 5000 --updates 20
Prints one JSON line with the results.

The load generator is raw asyncio protocols, one per connection: it only looks for each event's
`id:` line and notes when it arrived. Latency is measured from the moment the editor's publish
call starts to the moment a reader's socket received the event.
"""

import argparse
import asyncio
import json
import re
import sys
import threading
import time

from bench.common import Server, fresh_database, percentile, raise_open_files, setup_django

ID_LINE = re.compile(rb"(?:^|\n)id: (\d+)\n")


class Reader(asyncio.Protocol):
    __slots__ = ("request", "sink", "ready", "tail", "last", "transport", "status")

    def __init__(self, request: bytes, sink: list, ready: asyncio.Future):
        self.request = request
        self.sink = sink
        self.ready = ready
        self.tail = b""
        self.last = 0
        self.transport = None
        self.status = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data):
        now = time.time()
        buffer = self.tail + data
        if self.status is None and b"\r\n" in buffer:
            self.status = buffer[9:12]
        if not self.ready.done() and b"retry:" in buffer:
            self.ready.set_result(self.status == b"200")
        for match in ID_LINE.finditer(buffer):
            sequence = int(match.group(1))
            if sequence > self.last:
                self.last = sequence
                self.sink.append((sequence, now))
        self.tail = buffer[-40:]

    def connection_lost(self, exc):
        if not self.ready.done():
            self.ready.set_result(False)


async def connect_readers(ports, path, count, sink, concurrency=400):
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
                    lambda: Reader(request, sink, ready), "127.0.0.1", port
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


def publish(story_pk, updates, interval, published, done):
    from incidents.models import Story

    story = Story.objects.get(pk=story_pk)
    for n in range(1, updates + 1):
        started = time.time()
        story.publish_update(f"Benchmark update {n}: **still investigating**.")
        published[story.sequence] = started
        time.sleep(interval)
    done.set()


def prepare_story(db: str):
    url = fresh_database(db)
    setup_django(url)
    from incidents.models import Story

    story = Story.objects.create(headline="Benchmark Outage", slug="benchmark-outage")
    story.go_live()
    story.publish_update("The first update, already on the page.")
    story.refresh_from_db()
    return url, story


async def run(args, url, story):
    servers = [Server(url).start() for _ in range(args.servers)]
    try:
        ports = [server.port for server in servers]
        path = f"/stories/{story.slug}/events?cursor={story.sequence}"
        # Warm each process (imports, the hub, templates), then take the idle memory.
        warm_sink = []
        warm, _ = await connect_readers(ports, path, 4 * len(servers), warm_sink)
        for reader in warm:
            reader.transport.close()
        await asyncio.sleep(1.0)
        idle_mb = sum(server.rss_mb() for server in servers)

        sink: list[tuple[int, float]] = []
        started = time.monotonic()
        readers, failures = await connect_readers(ports, path, args.readers, sink)
        connect_seconds = time.monotonic() - started
        await asyncio.sleep(2.0)
        connected_mb = sum(server.rss_mb() for server in servers)
        threads = sum(server.threads() for server in servers)

        published: dict[int, float] = {}
        done = threading.Event()
        worker = threading.Thread(
            target=publish, args=(story.pk, args.updates, args.interval, published, done)
        )
        worker.start()
        expected = len(readers) * args.updates
        while not done.is_set():
            await asyncio.sleep(0.1)
        deadline = time.monotonic() + args.drain
        while len(sink) < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        worker.join()
        after_mb = sum(server.rss_mb() for server in servers)

        latencies = [(at - published[seq]) * 1000 for seq, at in sink if seq in published]
        for reader in readers:
            reader.transport.close()
        return {
            "scenario": "fanout",
            "db": args.db,
            "readers": args.readers,
            "connected": len(readers),
            "connect_failures": failures,
            "connect_seconds": round(connect_seconds, 1),
            "updates": args.updates,
            "expected": args.readers * args.updates,
            "received": len(latencies),
            "p50_ms": round(percentile(latencies, 0.50), 1),
            "p95_ms": round(percentile(latencies, 0.95), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1),
            "max_ms": round(max(latencies), 1) if latencies else None,
            "idle_rss_mb": round(idle_mb, 1),
            "connected_rss_mb": round(connected_mb, 1),
            "after_rss_mb": round(after_mb, 1),
            "mb_per_1000": round((max(connected_mb, after_mb) - idle_mb) / len(readers) * 1000, 1)
            if readers
            else None,
            "server_threads": threads,
        }
    finally:
        for server in servers:
            server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--readers", type=int, default=5000)
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--drain", type=float, default=15.0)
    args = parser.parse_args()
    raise_open_files()
    url, story = prepare_story(args.db)
    result = asyncio.run(run(args, url, story))
    print(json.dumps(result), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
