"""`make bench`: the reader's paths against bare Django, replay, article and render times.

The product against a bare-Django baseline (issue 11), then replay isolation, the article page and
Markdown rendering, measured on this machine.

    .venv/bin/python bench/run.py                      # everything (about 15 minutes)
    .venv/bin/python bench/run.py --readers 2000 --databases sqlite --skip-replay --skip-article
    .venv/bin/python bench/run.py --only throughput --databases sqlite --wrk-seconds 1
    .venv/bin/python bench/run.py --only replay --databases sqlite
    .venv/bin/python bench/run.py --only long_story   # a 5,000-update story, both databases

Each scenario runs in its own process (bench/fanout.py, bench/throughput.py, bench/replay.py,
bench/article.py, bench/long_story.py, bench/subscribers.py, bench/render.py, bench/images.py) on
a fresh database:
SQLite in /tmp, PostgreSQL at BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/liveblog_bench, dropped and created again). The bare-Django
baseline (bench/bare.py) runs in the same scenario as the product it is compared with, served by
the same command. Prints one table.
"""

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import POSTGRES_URL, machine, raise_open_files  # noqa: E402

TARGETS = {
    "storm_ratio": 1.5,  # product's time until all are streaming, over the bare relay's
    "mb_per_1000": 60,
    "publish_ms": 50,  # API publish median while the readers' streams are open
    "poll_ratio": 0.8,  # requests per second, over bare Django's
    "article_ratio": 0.5,
    "healthz_ratio": 0.5,
    "replay_p99_ms": 1000,
    "article_ms": 50,
    "render_ms": 250,
    "long_page_kb": 150,  # the first page of a 5,000-update story
    "long_page_ms": 20,  # its median server time, and the first request's after a change
    "image_ms": 1500,
    "subscribers_ratio": 1.2,  # API publish with 10,000 subscribers, 10 webhooks, 10,000 push
}
SCENARIOS = (
    "fanout", "throughput", "replay", "article", "long_story", "subscribers", "render", "images",
)  # fmt: skip
DATABASES = {"postgres": "PostgreSQL", "sqlite": "SQLite", "none": "—"}


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
    """What uvicorn serves both sides with: its defaults pick uvloop and httptools when
    installed, else the asyncio loop and h11."""
    import django
    import uvicorn

    def installed(module: str) -> bool:
        try:
            __import__(module)
        except ImportError:
            return False
        return True

    parser = "httptools" if installed("httptools") else "h11"
    loop = "uvloop" if installed("uvloop") else "asyncio loop"
    return f"uvicorn {uvicorn.__version__} ({parser}, {loop}); Django {django.get_version()}"


def wrk_version() -> str:
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    first = (done.stdout + done.stderr).split("\n", 1)[0].split()
    return f"wrk {first[1]}" if len(first) > 1 else "wrk"


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def row(measure: str, db: str, bare: str, product: str, ratio: str, target: str, ok: bool):
    print(f"| {measure} | {db} | {bare} | {product} | {ratio} | {target} | {verdict(ok)} |")


def print_fanout(r: dict, db: str) -> None:
    """Connect storm, delivery, latency, memory and publish latency: product vs bare relay."""
    n = f"{r['readers']:,} readers, {r['servers']} processes"
    storm = {}
    for side in ("bare", "product"):
        failed = r[f"{side}_connect_failures"]
        storm[side] = f"{r[f'{side}_connect_seconds']:.1f} s" + (
            f" ({failed:,} failed to connect)" if failed else ""
        )
    ratio = r["product_connect_seconds"] / max(r["bare_connect_seconds"], 1e-9)
    row(
        f"Connect storm: {n}, each with the page's cursor, at most {r['gate']} connecting at "
        "a time: time until all are streaming",
        db,
        storm["bare"],
        storm["product"],
        f"{ratio:.2f}×",
        "≤ 1.5×",
        ratio <= TARGETS["storm_ratio"]
        and r["bare_connect_failures"] == 0
        and r["product_connect_failures"] == 0,
    )

    def once(side: str) -> str:
        share = r[f"{side}_received"] / r["expected"] * 100 if r["expected"] else 0
        return (
            f"{r[f'{side}_received']:,} / {r['expected']:,} ({share:.1f} %); "
            f"{r[f'{side}_duplicates']:,} repeated, {r[f'{side}_unexpected']:,} unexpected"
        )

    def complete(side: str) -> bool:
        return (
            r[f"{side}_received"] == r["expected"]
            and r[f"{side}_duplicates"] == 0
            and r[f"{side}_unexpected"] == 0
        )

    planned = (
        "" if r["api_as_planned"] else " (the API's publishes were not the story's next changes)"
    )
    row(
        f"Fan-out: every change to every reader exactly once ({n}, {r['updates']} updates)",
        db,
        once("bare"),
        once("product") + planned,
        "—",
        "100 %, none repeated",
        complete("product") and r["api_as_planned"],
    )

    def spread(side: str) -> str:
        return " / ".join(f"{r[f'{side}_{p}_ms']:.0f}" for p in ("p50", "p95", "p99")) + " ms"

    p99 = r["product_p99_ms"] / max(r["bare_p99_ms"], 1e-9)
    row(
        f"Fan-out: publish → receive p50 / p95 / p99 ({n}, {r['updates']} updates)",
        db,
        spread("bare"),
        spread("product"),
        f"{p99:.2f}× (p99)",
        "p99 ≤ bare relay's",
        p99 <= 1 and complete("bare") and complete("product"),
    )

    def memory(side: str) -> str:
        return (
            f"{r[f'{side}_mb_per_1000']} MB (RSS {r[f'{side}_idle_rss_mb']:.0f} → "
            f"{max(r[f'{side}_connected_rss_mb'], r[f'{side}_after_rss_mb']):.0f} MB; "
            f"{r[f'{side}_server_threads']:,} threads)"
        )

    row(
        f"Fan-out: server memory per 1,000 connections ({n})",
        db,
        memory("bare"),
        memory("product"),
        "—",
        "≤ 60 MB",
        (r["product_mb_per_1000"] or 999) <= TARGETS["mb_per_1000"],
    )
    failures = r["product_publish_failures"]
    row(
        f"API publish while {r['readers']:,} streams are open: median / p95 wall time "
        f"({r['product_publish_requests']} requests, the {r['servers']} processes in turn)",
        db,
        f"/publish: {r['bare_publish_median_ms']:.0f} / {r['bare_publish_p95_ms']:.0f} ms",
        f"{r['product_publish_median_ms']:.0f} / {r['product_publish_p95_ms']:.0f} ms"
        + (f" ({failures} failed)" if failures else ""),
        "—",
        "median ≤ 50 ms",
        r["product_publish_median_ms"] <= TARGETS["publish_ms"] and failures == 0,
    )


def print_throughput(r: dict, db: str) -> None:
    how = f"req/s, wrk -t1 -c{r['connections']}, median of {r['rounds']} × {r['seconds']} s"
    measures = (
        ("poll", f"Poll fallback's 304 (`?since=` + `If-None-Match`) vs bare hello ({how})"),
        (
            "article",
            f"Article page, {r['updates']} updates, cached, anonymous (200) vs bare hello ({how})",
        ),
        ("healthz", f"`/healthz` vs bare hello ({how})"),
    )
    bad_bare = r["bare_other_status"] + r["bare_socket_errors"]
    for name, measure in measures:
        bad = r[f"{name}_other_status"] + r[f"{name}_socket_errors"]
        target = TARGETS[f"{name}_ratio"]
        product = f"{r[f'{name}_rps']:,}" + (
            f" ({r[f'{name}_other_status']:,} other statuses, "
            f"{r[f'{name}_socket_errors']:,} socket errors)"
            if bad
            else ""
        )
        bare = f"{r['bare_rps']:,}" + (f" ({bad_bare:,} errors)" if bad_bare else "")
        ratio = r[f"{name}_ratio"]
        row(
            measure,
            db,
            bare,
            product,
            f"{ratio:.2f}×",
            f"≥ {target}×",
            ratio >= target and bad == 0 and bad_bare == 0,
        )


def print_replay(r: dict, db: str) -> None:
    """Another story's delivery while 40 readers replay a 1,000-update story, against the same
    run's delivery with no replays at all."""
    base = f"{r['baseline_p50_ms']:.0f} / {r['baseline_p99_ms']:.0f} ms"
    n = f"{r['clients']} readers of a {r['story_updates']:,}-update story"
    for phase, what in (
        ("replays", f"{n} replaying its last {r['window']} changes"),
        ("resets", f"{n} asking for it from cursor 0"),
    ):
        p99 = r[f"{phase}_p99_ms"]
        share = r[f"{phase}_received"] / r["expected"] * 100
        product = (
            f"{r[f'{phase}_p50_ms']:.0f} / {p99:.0f} ms ({share:.0f} % delivered; "
            f"{r[f'{phase}_completed']:,} answers served, {r[f'{phase}_mean_answer_s']} s each); "
            f"same run without: {base}"
        )
        row(
            f"Replay isolation: p50 / p99 delivery on another story while {what}",
            db,
            "—",
            product,
            "—",
            "p99 < 1,000 ms",
            p99 < TARGETS["replay_p99_ms"] and share == 100,
        )


def print_long_story(r: dict, db: str) -> None:
    """The first page of a story of thousands of updates, in each reading order: its size, its
    median server time between changes, and the median of the first request after each change
    (a publish through the model). Beside each time, the process's CPU time for it: on a shared
    machine the wall time also holds the waits for a core. The "Bare Django" column holds the
    same first request after a change on a story of one page, and the ratio the long story's
    CPU time over it: what the story's length adds."""
    n = f"{r['updates']:,}-update story, first page ({r['per_page']} updates)"
    for order, name in (("oldest", "oldest first"), ("newest", "newest first")):
        o = r[order]
        row(
            f"Long story: {n}, {name}: HTML size",
            db,
            "—",
            f"{o['bytes'] / 1024:.1f} KB",
            "—",
            f"≤ {TARGETS['long_page_kb']} KB",
            o["bytes"] <= TARGETS["long_page_kb"] * 1024,
        )
        row(
            f"Long story: {n}, {name}: median server time (in process, {o['requests']} requests)",
            db,
            "—",
            f"{o['median_ms']:.1f} ms (CPU {o['median_cpu_ms']:.1f} ms)",
            "—",
            f"≤ {TARGETS['long_page_ms']} ms",
            o["median_ms"] <= TARGETS["long_page_ms"],
        )
        ratio = o["after_change_cpu_ms"] / max(o["short_after_change_cpu_ms"], 1e-9)
        row(
            f"Long story: {n}, {name}: first request after a change, median of {o['changes']} "
            f"publishes; beside it, a {r['short_updates']}-update story's",
            db,
            f"{o['short_after_change_ms']:.1f} ms (CPU {o['short_after_change_cpu_ms']:.1f} ms)",
            f"{o['after_change_median_ms']:.1f} ms (CPU {o['after_change_cpu_ms']:.1f} ms; "
            f"slowest {o['after_change_max_ms']:.0f} ms; nothing cached at all: "
            f"{o['cold_ms']:.0f} ms)",
            f"{ratio:.2f}× (CPU)",
            f"≤ {TARGETS['long_page_ms']} ms",
            o["after_change_median_ms"] <= TARGETS["long_page_ms"],
        )


def print_result(r: dict) -> None:
    db = DATABASES.get(r["db"], r["db"])
    if r["scenario"] == "fanout":
        print_fanout(r, db)
    elif r["scenario"] == "throughput":
        print_throughput(r, db)
    elif r["scenario"] == "replay":
        print_replay(r, db)
    elif r["scenario"] == "article":
        row(
            f"Article with {r['updates']:,} updates, its first page: median server time "
            "(in process)",
            db,
            "—",
            f"{r['median_ms']:.1f} ms (p90 {r['p90_ms']:.1f}; first render after a change "
            f"{r.get('first_ms', float('nan')):.0f} ms)",
            "—",
            "≤ 50 ms",
            r["median_ms"] <= TARGETS["article_ms"],
        )
    elif r["scenario"] == "long_story":
        print_long_story(r, db)
    elif r["scenario"] == "subscribers":
        *others, last = [f"{count:,} {name}" for name, count in r["subscribers"]]
        who = f"{', '.join(others)} and {last}" if others else last
        row(
            f"API publish with {who} on the story vs with none: median wall time "
            f"({r['publishes']} publishes each, in process; the tasks are queued, no worker runs)",
            db,
            f"{r['none_median_ms']:.1f} ms (p95 {r['none_p95_ms']:.0f})",
            f"{r['with_median_ms']:.1f} ms (p95 {r['with_p95_ms']:.0f})",
            f"{r['ratio']:.2f}×",
            "≤ 1.2×",
            r["ratio"] <= TARGETS["subscribers_ratio"],
        )
    elif r["scenario"] == "render":
        row(
            f"Markdown render, slowest of {r['bodies']} hostile bodies up to {r['max_chars']:,} "
            "chars (fastest of 3 runs each)",
            db,
            "—",
            f"{r['max_ms']:.0f} ms ({r['worst']}; median {r['median_ms']:.0f} ms)",
            "—",
            "≤ 250 ms",
            r["max_ms"] <= TARGETS["render_ms"],
        )
    elif r["scenario"] == "images":
        row(
            f"Image upload: a {r['megapixels']}-megapixel JPEG ({r['upload_mb']} MB) checked, "
            f"turned upright, stripped and rendered as {r['renditions']} renditions "
            "(median of 5 runs)",
            db,
            "—",
            f"{r['median_ms']:,} ms (slowest {r['max_ms']:,} ms)",
            "—",
            "≤ 1,500 ms",
            r["median_ms"] <= TARGETS["image_ms"],
        )


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", default="10000", help="comma-separated reader counts")
    parser.add_argument("--databases", default="postgres,sqlite")
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between updates")
    parser.add_argument("--gate", type=int, default=400, help="readers connecting at a time")
    parser.add_argument("--wrk-seconds", type=int, default=3, help="length of one wrk round")
    parser.add_argument("--wrk-rounds", type=int, default=5)
    for name in SCENARIOS:
        parser.add_argument(f"--skip-{name}", action="store_true")
    parser.add_argument("--only", choices=SCENARIOS)
    args = parser.parse_args()
    if args.only:
        for name in SCENARIOS:
            setattr(args, f"skip_{name}", name != args.only)
    return args


def main():
    args = options()
    began = time.monotonic()
    open_files = raise_open_files()
    readers = [int(n) for n in args.readers.split(",") if n.strip()]
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    has_wrk = shutil.which("wrk") is not None
    if not has_wrk and not args.skip_throughput:
        print(
            "wrk is not installed, so requests per second cannot be measured: apt-get install wrk",
            file=sys.stderr,
        )

    runs = []  # (scenario, database, result or None)
    for db in databases:
        if not args.skip_fanout:
            for count in readers:
                runs.append(
                    (
                        "fanout",
                        db,
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
                            "--gate",
                            str(args.gate),
                            timeout=1200,
                        ),
                    )
                )
        if not args.skip_throughput:
            runs.append(
                (
                    "throughput",
                    db,
                    scenario(
                        "throughput",
                        "--db",
                        db,
                        "--seconds",
                        str(args.wrk_seconds),
                        "--rounds",
                        str(args.wrk_rounds),
                    )
                    if has_wrk
                    else None,
                )
            )
        if not args.skip_replay:
            runs.append(("replay", db, scenario("replay", "--db", db)))
        if not args.skip_article:
            runs.append(("article", db, scenario("article", "--db", db)))
        if not args.skip_long_story:
            runs.append(("long_story", db, scenario("long_story", "--db", db)))
        if not args.skip_subscribers:
            runs.append(("subscribers", db, scenario("subscribers", "--db", db)))
    if not args.skip_render:
        runs.append(("render", "none", scenario("render")))
    if not args.skip_images:
        runs.append(("images", "none", scenario("images")))

    info = machine()
    minutes = (time.monotonic() - began) / 60
    print()
    print("## Benchmark")
    print()
    print(
        f"Machine: {info['cores']} cores ({info['cpu']}), {info['ram_gb']} GB RAM, {info['os']}; "
        f"Python {info['python']}; server stack: {server_stack()}; SQLite "
        f"{sqlite3.sqlite_version}; {postgres_version()}; open files limit {open_files}. "
        f"Load generators on the same machine, each a process of its own: "
        f"{wrk_version() if has_wrk else 'no wrk'} for requests per second, one "
        f"asyncio process for the streams. This run took {minutes:.1f} minutes."
    )
    print()
    print("| Measure | Database | Bare Django | Product | Ratio | Target | |")
    print("|---|---|---|---|---|---|---|")
    for name, db, result in runs:
        if result is None:
            why = (
                "wrk not installed: apt-get install wrk"
                if name == "throughput" and not has_wrk
                else "failed; see stderr"
            )
            row(f"{name} ({why})", DATABASES[db], "—", "—", "—", "", False)
        else:
            print_result(result)
    print()
    print("Raw results:", json.dumps([result for _, _, result in runs]), file=sys.stderr)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
