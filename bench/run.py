"""`make bench`: live delivery, the poll fallback, replay isolation and the article page, measured
on this machine.

    .venv/bin/python bench/run.py                      # everything (about 10 minutes)
    .venv/bin/python bench/run.py --readers 2000 --databases sqlite --skip-poll --skip-article
    .venv/bin/python bench/run.py --only replay --databases sqlite

Each scenario runs in its own process (bench/fanout.py, bench/poll.py, bench/replay.py,
bench/article.py) on a
fresh database: SQLite in /tmp, PostgreSQL at BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/liveblog_bench, dropped and created again). Prints one table.
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import POSTGRES_URL, machine, raise_open_files  # noqa: E402

TARGETS = {
    "delivered": "100 %",
    "p99_ms": 1000,
    "mb_per_1000": 60,
    "ratio": 0.8,
    "article_ms": 50,
    "render_ms": 250,
}


def scenario(module: str, *args: str, timeout: int = 300) -> dict | None:
    command = [sys.executable, "-m", f"bench.{module}", *args]
    print("  running:", " ".join(command[2:]), file=sys.stderr, flush=True)
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        print(f"  {module} timed out", file=sys.stderr)
        return None
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    print(done.stdout[-2000:], done.stderr[-4000:], file=sys.stderr)
    return None


def postgres_version() -> str:
    try:
        import psycopg

        admin = POSTGRES_URL.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, connect_timeout=3) as conn:
            return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]
    except Exception as error:  # noqa: BLE001 - reported in the table instead
        return f"PostgreSQL unavailable ({error.__class__.__name__})"


def server_stack() -> str:
    import uvicorn

    parts = [f"uvicorn {uvicorn.__version__}"]
    try:
        import httptools  # noqa: F401

        parts.append("httptools")
    except ImportError:
        parts.append("h11")
    try:
        import uvloop  # noqa: F401

        parts.append("uvloop")
    except ImportError:
        parts.append("asyncio loop")
    import django

    parts.append(f"Django {django.get_version()}")
    return ", ".join(parts)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_replay(result: dict, db: str) -> None:
    """Another story's delivery while 40 readers replay a 1,000-update story, against the same
    run's delivery with no replays at all."""
    base = f"{result['baseline_p50_ms']:.0f} / {result['baseline_p99_ms']:.0f} ms"
    n = f"{result['clients']} readers of a {result['story_updates']:,}-update story"
    for phase, what in (
        ("replays", f"{n} replaying its last {result['window']} changes"),
        ("resets", f"{n} asking for it from cursor 0"),
    ):
        p99 = result[f"{phase}_p99_ms"]
        share = result[f"{phase}_received"] / result["expected"] * 100
        print(
            f"| Replay isolation: p50 / p99 delivery on another story while {what} | {db} | "
            f"{result[f'{phase}_p50_ms']:.0f} / {p99:.0f} ms ({share:.0f} % delivered; "
            f"{result[f'{phase}_completed']:,} answers served, "
            f"{result[f'{phase}_mean_answer_s']} s each); same run without: {base} | "
            f"p99 < 1,000 ms | {verdict(p99 < TARGETS['p99_ms'] and share == 100)} |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", default="5000,10000", help="comma-separated reader counts")
    parser.add_argument("--databases", default="postgres,sqlite")
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between updates")
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument("--skip-poll", action="store_true")
    parser.add_argument("--skip-replay", action="store_true")
    parser.add_argument("--skip-article", action="store_true")
    parser.add_argument("--skip-render", action="store_true")
    parser.add_argument("--only", choices=["fanout", "poll", "replay", "article", "render"])
    args = parser.parse_args()
    if args.only:
        for name in ("fanout", "poll", "replay", "article", "render"):
            setattr(args, f"skip_{name}", name != args.only)
    open_files = raise_open_files()
    readers = [int(n) for n in args.readers.split(",") if n.strip()]
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]

    results = []
    for db in databases:
        if not args.skip_fanout:
            for count in readers:
                results.append(
                    scenario(
                        "fanout",
                        "--db",
                        db,
                        "--readers",
                        str(count),
                        "--updates",
                        str(args.updates),
                        "--interval",
                        str(args.interval),
                    )  # fmt: skip
                )
        if not args.skip_poll:
            results.append(scenario("poll", "--db", db))
        if not args.skip_replay:
            results.append(scenario("replay", "--db", db))
        if not args.skip_article:
            results.append(scenario("article", "--db", db))

    if not args.skip_render:
        results.append(scenario("render"))

    info = machine()
    print()
    print("## Benchmark")
    print()
    print(
        f"Machine: {info['cores']} cores ({info['cpu']}), {info['ram_gb']} GB RAM, {info['os']}; "
        f"Python {info['python']}; {server_stack()}; SQLite {sqlite3.sqlite_version}; "
        f"{postgres_version()}; open files limit {open_files}. "
        "Load generator on the same machine."
    )
    print()
    print("| Measure | Database | Result | Target | |")
    print("|---|---|---|---|---|")
    for result in results:
        if result is None:
            print("| (a scenario failed; see stderr) | | | | MISSED |")
            continue
        db = {"postgres": "PostgreSQL", "sqlite": "SQLite"}.get(result["db"], "—")
        if result["scenario"] == "fanout":
            n = f"{result['readers']:,} readers, 2 processes, {result['updates']} updates"
            share = result["received"] / result["expected"] * 100 if result["expected"] else 0
            print(
                f"| Fan-out: deliveries ({n}) | {db} | {result['received']:,} / "
                f"{result['expected']:,} ({share:.1f} %) | 100 % | {verdict(share == 100)} |"
            )
            print(
                f"| Fan-out: publish → receive p50 / p95 / p99 ({n}) | {db} | "
                f"{result['p50_ms']:.0f} / {result['p95_ms']:.0f} / {result['p99_ms']:.0f} ms | "
                f"p99 ≤ 1,000 ms | {verdict(result['p99_ms'] <= TARGETS['p99_ms'])} |"
            )
            print(
                f"| Fan-out: server memory per 1,000 connections ({n}) | {db} | "
                f"{result['mb_per_1000']} MB (RSS {result['idle_rss_mb']:.0f} → "
                f"{result['connected_rss_mb']:.0f} MB; {result['server_threads']} threads) | "
                f"≤ 60 MB | {verdict((result['mb_per_1000'] or 999) <= TARGETS['mb_per_1000'])} |"
            )
        elif result["scenario"] == "poll":
            print(
                f"| Poll: 304 req/s vs minimal Django view | {db} | {result['poll_304_rps']:,} vs "
                f"{result['minimal_rps']:,} req/s = {result['ratio']:.2f} | ≥ 0.8 | "
                f"{verdict(result['ratio'] >= TARGETS['ratio'])} |"
            )
        elif result["scenario"] == "replay":
            print_replay(result, db)
        elif result["scenario"] == "article":
            print(
                f"| Article with {result['updates']:,} updates: median server time | {db} | "
                f"{result['median_ms']:.1f} ms (p90 {result['p90_ms']:.1f}; first render after a "
                f"change {result.get('first_ms', float('nan')):.0f} ms) | ≤ 50 ms | "
                f"{verdict(result['median_ms'] <= TARGETS['article_ms'])} |"
            )
        elif result["scenario"] == "render":
            print(
                f"| Markdown render, slowest of {result['bodies']} hostile bodies up to "
                f"{result['max_chars']:,} chars (fastest of 3 runs each) | {db} | "
                f"{result['max_ms']:.0f} ms ({result['worst']}; median {result['median_ms']:.0f} "
                f"ms) | ≤ 250 ms | {verdict(result['max_ms'] <= TARGETS['render_ms'])} |"
            )
    print()
    print("Raw results:", json.dumps(results), file=sys.stderr)
    os.sys.stdout.flush()


if __name__ == "__main__":
    main()
