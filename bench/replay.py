"""Replay isolation: while 40 readers replay a 1,000-update story, how fast do another story's
readers get a new update? (issue 10, finding 4)

    python -m bench.replay --db sqlite

One server process serves both stories. Readers of story B hold its stream open and an editor's
process publishes to B; latency is publish → receive, as in bench/fanout.py. Measured three
times in the same run:

- baseline: no other load;
- replays: 40 clients each replay story A as far back as the server replays at all
  (`LIVE_REPLAY_MEMORY` changes, from the database), reconnecting as soon as one replay ends;
- resets: 40 clients each ask for story A from cursor 0 again and again (which, before replays
  were bounded, rendered the whole 1,000-update history each time).

Prints one JSON line.
"""

import argparse
import asyncio
import json
import multiprocessing
import sys
import time

from bench.common import Server, fresh_database, percentile, raise_open_files, setup_django
from bench.fanout import connect_readers, editor, message_from, received


def prepare(db: str, updates: int):
    url = fresh_database(db)
    setup_django(url)
    from incidents.models import Story

    big = Story.objects.create(headline="A Long Outage", slug="long-outage")
    big.go_live()
    for n in range(updates):
        big.publish_update(f"Update {n}: the **long** story goes on, [with a link](https://e.com).")
    other = Story.objects.create(headline="Another Outage", slug="another-outage")
    other.go_live()
    other.publish_update("The first update, already on the page.")
    big.refresh_from_db()
    other.refresh_from_db()
    return url, big, other


class Loader:
    """Clients that ask for a story's events from `cursor` again and again, reading each answer
    to its end (the replay's last event, or the end of a reset answer)."""

    def __init__(self, port: int, slug: str, cursor: int, newest: int, clients: int):
        self.request = (
            f"GET /stories/{slug}/events?cursor={cursor} HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n"
        ).encode()
        self.port = port
        self.last = f"id: {newest}\n".encode()
        self.clients = clients
        self.done = 0
        self.seconds: list[float] = []
        self.bytes = 0
        self.tasks: list[asyncio.Task] = []

    async def one(self) -> None:
        while True:
            started = time.monotonic()
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            writer.write(self.request)
            seen = b""
            try:
                while self.last not in seen:
                    chunk = await reader.read(65536)
                    if not chunk:
                        break
                    self.bytes += len(chunk)
                    seen = seen[-64:] + chunk
            finally:
                writer.close()
            self.done += 1
            self.seconds.append(time.monotonic() - started)

    def start(self) -> None:
        self.tasks = [asyncio.ensure_future(self.one()) for _ in range(self.clients)]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def measure(url, story, readers, args) -> list[float]:
    """One editor publishes `args.updates` updates to `story`: publish → receive latencies."""
    pipe, child_pipe = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=editor, args=(url, story.pk, args.updates, args.interval, child_pipe)
    )
    process.start()
    try:
        await message_from(process, pipe)
        pipe.send("go")
        published: dict[int, float] = await message_from(process, pipe)
        process.join()
        newest = max(published)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not all(received(r, newest) for r in readers):
            await asyncio.sleep(0.1)
        return [
            (at - published[seq]) * 1000
            for reader in readers
            for seq, at in reader.arrivals()
            if seq in published
        ]
    finally:
        if process.is_alive():
            process.kill()


def summary(latencies: list[float]) -> dict:
    return {
        "received": len(latencies),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
    }


async def run(args, url, big, other):
    server = Server(url).start()
    try:
        port = server.port
        path = f"/stories/{other.slug}/events?cursor={other.sequence}"
        readers, failures = await connect_readers([port], path, args.readers)
        await asyncio.sleep(1.0)
        results = {"baseline": summary(await measure(url, other, readers, args))}
        from django.conf import settings

        window = settings.LIVE_REPLAY_MEMORY  # replays go back this far, no further
        phases = [("replays", big.sequence - window), ("resets", 0)]
        for name, cursor in phases:
            loader = Loader(port, big.slug, cursor, big.sequence, args.clients)
            loader.start()
            await asyncio.sleep(2.0)  # every client has a replay in flight
            latencies = await measure(url, other, readers, args)
            await loader.stop()
            results[name] = {
                **summary(latencies),
                "completed": loader.done,
                "mean_answer_s": round(sum(loader.seconds) / len(loader.seconds), 2)
                if loader.seconds
                else None,
                "mb_sent": round(loader.bytes / 1e6, 1),
            }
            await asyncio.sleep(1.0)
        for reader in readers:
            reader.transport.close()
        return {
            "scenario": "replay",
            "db": args.db,
            "story_updates": args.story_updates,
            "clients": args.clients,
            "window": window,
            "readers": args.readers,
            "connect_failures": failures,
            "updates": args.updates,
            "expected": args.readers * args.updates,
            **{f"{name}_{key}": value for name, r in results.items() for key, value in r.items()},
        }
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--story-updates", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5)
    args = parser.parse_args()
    raise_open_files()
    url, big, other = prepare(args.db, args.story_updates)
    result = asyncio.run(run(args, url, big, other))
    print(json.dumps(result), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
