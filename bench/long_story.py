"""The first page of a 5,000-update story: its size, and its median server time between changes
and on the first request after a change.

    python -m bench.long_story --db sqlite --updates 5000 --requests 30 --changes 15

The story's updates are made in bulk (as if published over weeks); each change is a real
publish through the model (`story.publish_update`), which moves the story's sequence on, so the
next request finds no remembered page and renders it again: the case a reader meets after every
change of a live story. "Server time" is measured in process, from request to response, through
the product's ASGI application as uvicorn calls it (an anonymous reader's path and middleware),
with the project's settings (DEBUG off), for both reading orders:
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
    from django.db import connection, transaction
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
    if connection.vendor == "postgresql":
        # Updates published over weeks: autovacuum would have gathered the table's statistics
        # many times. Made in bulk a moment ago, the planner believes the story holds a few
        # rows and sorts all 5,000 instead of walking the timeline index.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE incidents_update")
    story.refresh_from_db()
    return story


class Server:
    """The product's own ASGI application (liveblog/asgi.py), called in this process the way
    uvicorn calls it: the readers' short path and its middleware, as production serves them.
    Django's test client would take the full middleware stack and a new event loop each time."""

    def __init__(self):
        import asyncio

        from liveblog.asgi import application

        self.app = application
        self.loop = asyncio.new_event_loop()

    def get(self, url: str) -> tuple[int, bytes]:
        path, _, query = url.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1")],
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
        }
        answer = {"status": None, "body": []}
        requested = []

        async def receive():
            if not requested:  # the request, then nothing: the reader stays until the answer
                requested.append(True)
                return {"type": "http.request", "body": b"", "more_body": False}
            await self.loop.create_future()

        async def send(message):
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["body"].append(message.get("body", b""))

        self.loop.run_until_complete(self.app(scope, receive, send))
        return answer["status"], b"".join(answer["body"])


def timed(server: Server, url: str) -> tuple[float, float, bytes]:
    """Wall time and the process's CPU time of one request, in ms, and the page."""
    started, cpu = time.perf_counter(), time.process_time()
    status, content = server.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    cpu = (time.process_time() - cpu) * 1000
    assert status == 200, status
    return elapsed, cpu, content


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

    from incidents.caching import forget_reader_pages
    from incidents.timeline import UPDATES_PER_PAGE

    made = time.perf_counter()
    story = make_story(args.updates)
    made = time.perf_counter() - made
    client = Server()
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
