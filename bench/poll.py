"""Poll path: requests per second of a 304 poll against a minimal Django view, same server.

    python -m bench.poll --db sqlite --seconds 5 --connections 32

One uvicorn process serves both (settings: the project's, plus one URL for the minimal view);
a raw asyncio HTTP/1.1 keep-alive client drives it. The two are measured in alternating turns,
and the median ratio of the pairs counts. Prints one JSON line.
"""

import argparse
import asyncio
import json
import statistics
import time

from bench.common import Server, fresh_database, raise_open_files, setup_django


async def hammer(port: int, request: bytes, expect: bytes, seconds: float, connections: int):
    done = 0
    wrong = 0
    stop_at = time.monotonic() + seconds

    async def one():
        nonlocal done, wrong
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.monotonic() < stop_at:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = head[9:12]
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                if status == expect:
                    done += 1
                else:
                    wrong += 1
        finally:
            writer.close()

    started = time.monotonic()
    await asyncio.gather(*(one() for _ in range(connections)))
    return done / (time.monotonic() - started), wrong


def prepare(db: str):
    url = fresh_database(db)
    setup_django(url)
    from django.test import Client

    from incidents.models import Story

    story = Story.objects.create(headline="Benchmark Poll", slug="benchmark-poll")
    story.go_live()
    for n in range(5):
        story.publish_update(f"Update {n}")
    story.refresh_from_db()
    poll_url = f"/stories/{story.slug}/updates?since={story.sequence}"
    etag = Client(SERVER_NAME="127.0.0.1").get(poll_url)["ETag"]
    return url, story, etag


async def run(args, url, story, etag):
    server = Server(url).start()
    try:
        port = server.port
        poll = (
            f"GET /stories/{story.slug}/updates?since={story.sequence} HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nIf-None-Match: {etag}\r\n\r\n"
        ).encode()
        minimal = f"GET /bench/minimal HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        await hammer(port, poll, b"304", 1, args.connections)  # warm up
        await hammer(port, minimal, b"200", 1, args.connections)
        # Other work on the machine comes and goes: short turns, taken in pairs, and the
        # median of the pairs' ratios.
        polls, minimals, ratios, wrong = [], [], [], 0
        for _ in range(args.rounds):
            poll_rate, bad = await hammer(port, poll, b"304", args.seconds, args.connections)
            minimal_rate, worse = await hammer(
                port, minimal, b"200", args.seconds, args.connections
            )
            polls.append(poll_rate)
            minimals.append(minimal_rate)
            ratios.append(poll_rate / minimal_rate)
            wrong += bad + worse
        return {
            "scenario": "poll",
            "db": args.db,
            "poll_304_rps": round(statistics.median(polls)),
            "minimal_rps": round(statistics.median(minimals)),
            "ratio": round(statistics.median(ratios), 2),
            "ratios": [round(r, 2) for r in ratios],
            "unexpected_status": wrong,
        }
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=2)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    raise_open_files()
    url, story, etag = prepare(args.db)
    print(json.dumps(asyncio.run(run(args, url, story, etag))), flush=True)


if __name__ == "__main__":
    main()
