"""The article page of a story with 1,000 updates: median server time.

    python -m bench.article --db sqlite --updates 1000 --requests 30

"Server time" is measured in process, from request to rendered response, through the whole
middleware stack with the project's settings (DEBUG off), so network and client costs do not
count. Each process remembers an anonymous reader's page while the story stands (and each
update's rendering in the cache), so the median is what readers get between changes; the first
render after a change (nothing remembered, nothing cached) is reported beside it (`first_ms`).
Prints one JSON line.
"""

import argparse
import json
import statistics
import time

from bench.common import fresh_database, setup_django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    setup_django(fresh_database(args.db))
    from django.core.cache import cache
    from django.test import Client

    from incidents.caching import forget_reader_pages
    from incidents.models import Story
    from incidents.timeline import UPDATES_PER_PAGE

    story = Story.objects.create(headline="Benchmark Article", slug="benchmark-article")
    story.go_live()
    for n in range(1, args.updates + 1):
        story.publish_update(
            f"Update {n}: engineers **are investigating** reports from [users](https://example.com).\n\n"
            "> Second paragraph, quoted, with a little more text to render."
        )
    client = Client(SERVER_NAME="127.0.0.1")
    url = story.get_absolute_url()
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        shown = response.content.count(b'class="update"') + response.content.count(
            b'class="update '
        )
        assert shown >= min(args.updates, UPDATES_PER_PAGE)  # the first page of the timeline
    misses = []
    for _ in range(5):
        cache.clear()  # what the first reader after a change meets: nothing rendered, anywhere
        forget_reader_pages()
        started = time.perf_counter()
        client.get(url)
        misses.append((time.perf_counter() - started) * 1000)
    timings = []
    for _ in range(args.requests):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    print(
        json.dumps(
            {
                "scenario": "article",
                "db": args.db,
                "updates": args.updates,
                "median_ms": round(statistics.median(timings), 1),
                "p90_ms": round(sorted(timings)[int(len(timings) * 0.9) - 1], 1),
                "first_ms": round(statistics.median(misses), 1),
                "bytes": len(response.content),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
