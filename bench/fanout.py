"""Fan-out: N readers hold the event stream open on 2 server processes; an editor publishes.

Run by bench/run.py as its own process (Django reads DATABASE_URL at start):
    python -m bench.fanout --db sqlite --readers 5000 --updates 20
Prints one JSON line with the results.

The load generator is raw asyncio protocols, one per connection. It shares the machine's cores
with the servers, so while events arrive it does as little as it can: each read goes into one
shared buffer, and the bytes are kept with the time they arrived; the `id:` lines are found
after the run. Latency is measured from the moment the editor's publish call starts to the
moment the reader's socket delivered the bytes that complete the event. The editor publishes
from a process of its own, as an editor would, so its work does not hold up the readers'
event loop (they would otherwise share one interpreter lock).
"""

import argparse
import asyncio
import gc
import json
import multiprocessing
import re
import sys
import time

from bench.common import Server, fresh_database, percentile, raise_open_files, setup_django

ID_LINE = re.compile(rb"(?:^|\n)id: (\d+)\n")


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

    def arrivals(self) -> list[tuple[int, float]]:
        """(sequence, time) of each event, timed by the read that completed it."""
        found, tail, last = [], b"", 0
        for at, data in self.chunks:
            buffer = tail + data
            for match in ID_LINE.finditer(buffer):
                sequence = int(match.group(1))
                if sequence > last:
                    last = sequence
                    found.append((sequence, at))
            tail = buffer[-40:]
        return found


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
    """The editor's process: publishes when told to, and reports when each publish started."""
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


async def message_from(process, pipe):
    while not pipe.poll():
        if not process.is_alive():
            raise RuntimeError(f"the editor's process ended (exit code {process.exitcode})")
        await asyncio.sleep(0.1)
    return pipe.recv()


def received(reader: Reader, sequence: int) -> bool:
    """Whether the reader's last read holds the event `sequence`."""
    return bool(reader.chunks) and f"id: {sequence}\n".encode() in reader.chunks[-1][1]


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
    process = None
    try:
        ports = [server.port for server in servers]
        path = f"/stories/{story.slug}/events?cursor={story.sequence}"
        # Warm each process (imports, the hub, templates), then take the idle memory.
        warm, _ = await connect_readers(ports, path, 4 * len(servers))
        for reader in warm:
            reader.transport.close()
        await asyncio.sleep(1.0)
        idle_mb = sum(server.rss_mb() for server in servers)

        pipe, child_pipe = multiprocessing.Pipe()
        process = multiprocessing.get_context("spawn").Process(
            target=editor, args=(url, story.pk, args.updates, args.interval, child_pipe)
        )
        process.start()
        started = time.monotonic()
        readers, failures = await connect_readers(ports, path, args.readers)
        connect_seconds = time.monotonic() - started
        await asyncio.sleep(2.0)
        connected_mb = sum(server.rss_mb() for server in servers)
        threads = sum(server.threads() for server in servers)
        for reader in readers:
            reader.chunks.clear()
        await message_from(process, pipe)  # the editor is ready

        # No collector pauses in the load generator while it times arrivals.
        gc.collect()
        gc.freeze()
        gc.disable()
        pipe.send("go")
        published: dict[int, float] = await message_from(process, pipe)
        process.join()
        newest = max(published)
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline and not all(
            received(reader, newest) for reader in readers
        ):
            await asyncio.sleep(0.1)
        gc.enable()
        gc.unfreeze()
        after_mb = sum(server.rss_mb() for server in servers)

        latencies = [
            (at - published[seq]) * 1000
            for reader in readers
            for seq, at in reader.arrivals()
            if seq in published
        ]
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
        if process is not None and process.is_alive():
            process.kill()
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
