"""Requests per second of the reader's plain HTTP paths against a bare Django view (issue 11).

    python -m bench.throughput --db sqlite --seconds 3 --rounds 5

One product process (the project's settings, DEBUG off) and one bare-Django process
(bench/bare.py: no middleware, no database) run side by side, served by the same uvicorn
command; wrk (`wrk -t1 -c64`, a process of its own) drives one of them at a time:

- bare: `GET /hello` on the bare process, the floor everything is compared with;
- poll: the poll fallback's 304, `GET /stories/<slug>/updates?since=<seq>` with the ETag of a
  first answer in `If-None-Match`;
- article: the article page of a story with 20 updates, anonymous, its timeline cached;
- healthz: `GET /healthz`.

After a warm-up, the four run in short rounds (the order reversed every other round, so that
drift on the machine does not favour either side); each product measure's ratio is taken
against the bare run of the same round, and the median ratio counts. wrk counts the responses
with the expected status (bench/status.lua); any other status, or a socket error, is reported.
Prints one JSON line.
"""

import argparse
import json
import re
import shutil
import statistics
import subprocess
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

from bench.common import BARE_APP, Server, fresh_database, raise_open_files, setup_django

STATUS_SCRIPT = Path(__file__).with_name("status.lua")
MEASURES = ("bare", "poll", "article", "healthz")


def wrk(port: int, path: str, status: int, seconds: float, connections: int, headers=()) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(STATUS_SCRIPT)]
    for header in headers:
        command += ["-H", header]
    command += [f"http://127.0.0.1:{port}{path}", "--", str(status)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    counted = re.search(r"STATUS expected=(\d+) other=(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if done.returncode or not rate or not counted:
        raise RuntimeError(f"wrk failed ({done.returncode}): {output[-1000:]}")
    return {
        "rps": float(rate.group(1)),
        "expected": int(counted.group(1)),
        "other_status": int(counted.group(2)),
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def fetch(port: int, path: str, headers: dict | None = None) -> tuple[int, Message]:
    """The status and headers (names in any case) of one GET."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            response.read()
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def prepare(db: str, updates: int):
    url = fresh_database(db)
    setup_django(url)
    from incidents.models import Story

    story = Story.objects.create(headline="Benchmark Throughput", slug="benchmark-throughput")
    story.go_live()
    for n in range(1, updates + 1):
        story.publish_update(
            f"Update {n}: engineers **are investigating** reports from [users](https://example.com)."
        )
    story.refresh_from_db()
    return url, story


def targets(product: Server, bare: Server, story) -> dict:
    """Each measure's (port, path, expected status, headers), checked once by hand first."""
    poll = f"/stories/{story.slug}/updates?since={story.sequence}"
    article = story.get_absolute_url()
    status, headers = fetch(product.port, poll)
    if status != 200 or headers.get("ETag") is None:
        raise RuntimeError(f"the poll answered {status} without an ETag")
    if_none_match = f"If-None-Match: {headers.get('ETag')}"
    checks = {
        "bare": (bare.port, "/hello", 200, ()),
        "poll": (product.port, poll, 304, (if_none_match,)),
        "article": (product.port, article, 200, ()),
        "healthz": (product.port, "/healthz", 200, ()),
    }
    for name, (port, path, expected, extra) in checks.items():
        status, _ = fetch(port, path, dict(h.split(": ", 1) for h in extra))
        if status != expected:
            raise RuntimeError(f"{name}: {path} answered {status}, not {expected}")
    return checks


def run(args, url, story) -> dict:
    product = Server(url).start()
    bare = Server(url, app=BARE_APP).start()
    try:
        checks = targets(product, bare, story)
        for name in MEASURES:  # warm-up: imports, caches, connections
            port, path, status, headers = checks[name]
            wrk(port, path, status, args.warmup, args.connections, headers)
        runs = {name: [] for name in MEASURES}
        for round_number in range(args.rounds):
            order = MEASURES if round_number % 2 == 0 else MEASURES[::-1]
            for name in order:
                port, path, status, headers = checks[name]
                runs[name].append(wrk(port, path, status, args.seconds, args.connections, headers))
        result = {
            "scenario": "throughput",
            "db": args.db,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "connections": args.connections,
            "updates": args.updates,
        }
        for name in MEASURES:
            rates = [r["rps"] for r in runs[name]]
            result[f"{name}_rps"] = round(statistics.median(rates))
            result[f"{name}_rates"] = [round(r) for r in rates]
            result[f"{name}_other_status"] = sum(r["other_status"] for r in runs[name])
            result[f"{name}_socket_errors"] = sum(r["socket_errors"] for r in runs[name])
            if name != "bare":
                ratios = [
                    r["rps"] / b["rps"] for r, b in zip(runs[name], runs["bare"], strict=True)
                ]
                result[f"{name}_ratio"] = round(statistics.median(ratios), 2)
        return result
    finally:
        product.stop()
        bare.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=int, default=3, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2, help="seconds of each warm-up run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--updates", type=int, default=20, help="updates on the article page")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    raise_open_files()
    url, story = prepare(args.db, args.updates)
    print(json.dumps(run(args, url, story)), flush=True)


if __name__ == "__main__":
    main()
