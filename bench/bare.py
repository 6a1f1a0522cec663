"""The bare-Django baseline the benchmark compares the product with (issue 11): settings, URLs
and views in one module, served by bench/bare_asgi.py with the same uvicorn command as the
product.

No middleware, no database, no templates, DEBUG off. Two things to measure against:

- `GET /hello`: an async view answering "ok", the floor for requests per second;
- a bare Server-Sent Events relay: `GET /events` streams `retry: 2000` and then every frame
  published to this process; `POST /publish` turns its body into one frame
  (`id: N`, `event: update`, a `data:` line per line of the body) for every open stream and
  answers 204. N counts this process's publishes from 1, so an editor that posts each update to
  every relay process gives the same update the same id everywhere. The query string of
  `/events` (the product's `?cursor=`) is accepted and ignored.
"""

import asyncio
import re

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path

DEBUG = False
SECRET_KEY = "bare-benchmark-baseline-only"  # noqa: S105 - serves nothing secret
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
ROOT_URLCONF = "bench.bare"
USE_TZ = True
LOGGING_CONFIG = None

RETRY_FRAME = b"retry: 2000\n\n"
LINE_BREAK = re.compile(r"\r\n|\r|\n")

streams: set[asyncio.Queue] = set()
published = 0


async def hello(request):
    return HttpResponse("ok", content_type="text/plain")


def frame(sequence: int, body: str) -> bytes:
    """One SSE event, encoded the way the product encodes one (incidents/live/events.py)."""
    data = "".join(f"data: {line}\n" for line in LINE_BREAK.split(body.strip()))
    return f"id: {sequence}\nevent: update\n{data}\n".encode()


async def relay(queue: asyncio.Queue):
    try:
        yield RETRY_FRAME
        while True:
            yield await queue.get()
    finally:
        streams.discard(queue)


async def events(request):
    queue = asyncio.Queue()
    streams.add(queue)
    response = StreamingHttpResponse(relay(queue), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    return response


async def publish(request):
    global published
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    published += 1
    event = frame(published, request.body.decode())
    for queue in streams:
        queue.put_nowait(event)
    return HttpResponse(status=204)


urlpatterns = [
    path("hello", hello),
    path("events", events),
    path("publish", publish),
]
