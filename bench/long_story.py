"""The first page of a 5,000-update story: its size, and its median server time between changes
and on the first request after a change.

    python -m bench.long_story --db sqlite --updates 5000 --requests 30 --changes 15

The story's updates are made in bulk (as if published over weeks); each change is a real
publish through the model (`story.publish_update`), which moves the story's sequence on, so the
next request finds no remembered page and renders it again: the case a reader meets after every
change of a live story. "Server time" is measured in process, from request to response, through
the whole middleware stack with the project's settings (DEBUG off), for both reading orders:
oldest first (the default; the new update lands on the last page) and newest first (it lands on
page 1). Beside it, the same first request after a change on a story of one page (`--short`
updates): the ratio says how much of the cost comes from the long story's length (none, ideally:
the ratio is 1). Prints one JSON line.
"""

import argparse
import json
import statistics
import time
from datetime import timedelta

from bench.common import fresh_database, setup_django

BODY = (
    "Update {n}: engineers **are investigating** reports from [users](https://example.com) "
    "in several regions.\n\n> Second paragraph, quoted, with a little more text to render."
)


def make_story(updates: int, slug: str = "a-long-story"):
    from django.db import transaction
    from django.utils.timezone import now

    from incidents.models import Story, Update
    from incidents.rendering import render_markdown

    story = Story.objects.create(headline="A Long Story", slug=slug)
    story.go_live()
    began = now() - timedelta(days=30)
    html = render_markdown(BODY)
    with transaction.atomic():
        Update.objects.bulk_create(
            (
                Update(
                    story=story,
                    number=n,
                    body=BODY.format(n=n),
                    body_html=html.replace("Update {n}", f"Update {n}"),
                    state=Update.State.PUBLISHED,
                    timestamp=began + timedelta(minutes=8 * n),
                    published_at=began + timedelta(minutes=8 * n),
                )
                for n in range(1, updates + 1)
            ),
            batch_size=1000,
        )
        Story.objects.filter(pk=story.pk).update(last_number=updates)
    story.refresh_from_db()
    return story


def timed(client, url: str) -> tuple[float, float, bytes]:
    """Wall time and the process's CPU time of one request, in ms, and the page."""
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    cpu = (time.process_time() - cpu) * 1000
    assert response.status_code == 200, response.status_code
    return elapsed, cpu, response.content


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--changes", type=int, default=15)
    parser.add_argument("--short", type=int, default=30, help="updates of the story to compare")
    args = parser.parse_args()

    setup_django(fresh_database(args.db))
    from django.core.cache import cache
    from django.test import Client

    from incidents.caching import forget_reader_pages
    from incidents.timeline import UPDATES_PER_PAGE

    made = time.perf_counter()
    story = make_story(args.updates)
    made = time.perf_counter() - made
    client = Client(SERVER_NAME="127.0.0.1")
    result = {
        "scenario": "long_story",
        "db": args.db,
        "updates": args.updates,
        "per_page": UPDATES_PER_PAGE,
        "setup_s": round(made, 1),
        "short_updates": args.short,
    }
    short = make_story(args.short, slug="a-short-story")
    published = 0
    for order in ("oldest", "newest"):
        query = "?order=newest" if order == "newest" else ""
        url = story.get_absolute_url() + query
        cache.clear()
        forget_reader_pages()
        cold, _, page = timed(client, url)  # nothing rendered anywhere: every update on it
        assert page.count(b'<article class="update') == UPDATES_PER_PAGE, "not one page"
        steady = [timed(client, url) for _ in range(args.requests)]
        after_change = []
        for _ in range(args.changes):
            published += 1
            story.publish_update(BODY.format(n=args.updates + published))
            after_change.append(timed(client, url))
            page = after_change[-1][2]
        newest = f'id="update-{args.updates + published}"'.encode()
        assert (newest in page) == (order == "newest"), "the new update is not where it belongs"
        # The same, on a story of one page: what a change costs when length plays no part.
        timed(client, short.get_absolute_url() + query)
        short_after_change = []
        for n in range(args.changes):
            short.publish_update(BODY.format(n=args.short + n + 1))
            short_after_change.append(timed(client, short.get_absolute_url() + query))
        result[order] = {
            "bytes": len(page),
            "median_ms": round(statistics.median(t[0] for t in steady), 2),
            "median_cpu_ms": round(statistics.median(t[1] for t in steady), 2),
            "after_change_median_ms": round(statistics.median(t[0] for t in after_change), 2),
            "after_change_cpu_ms": round(statistics.median(t[1] for t in after_change), 2),
            "after_change_max_ms": round(max(t[0] for t in after_change), 2),
            "short_after_change_ms": round(statistics.median(t[0] for t in short_after_change), 2),
            "short_after_change_cpu_ms": round(
                statistics.median(t[1] for t in short_after_change), 2
            ),
            "cold_ms": round(cold, 1),
            "requests": args.requests,
            "changes": args.changes,
        }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
