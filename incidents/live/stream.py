"""The live event stream of a story: Server-Sent Events, served by the process's hub.

`id:` is the story's change sequence. A reader who reconnects with `Last-Event-ID` (or with the
`?cursor=` the page supplies) is replayed the changes after it, each update as it is now, then
joins the live feed with no gap and no repeat. The replay may overlap the live feed: the stream
subscribes first, so no change can fall between the two, and drops anything it has already sent.
A reader without a usable cursor (missing, malformed, or more than `LIVE_REPLAY_MEMORY` changes
behind) gets a `reset` event instead of a replay: the page reloads its timeline.
"""

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from incidents.live.audience import reporter
from incidents.live.events import HEADER, HEARTBEAT, parse_cursor, replay_start, reset_frame
from incidents.live.heads import StoryHead
from incidents.live.hub import Hub, get_hub
from incidents.live.subscription import BEAT, CLOSED
from incidents.models import Change, Story

RETRY_FRAME = b"retry: 2000\n\n"
EVENT_STREAM = "text/event-stream; charset=utf-8"


def requested_cursor(request: HttpRequest) -> int | None:
    """Where the reader stands: Last-Event-ID (the browser's own reconnect) over ?cursor=."""
    raw = request.headers.get("Last-Event-ID")
    return parse_cursor(request.GET.get("cursor") if raw is None else raw)


@require_safe
async def events(request: HttpRequest, slug: str):
    hub = get_hub()
    cursor = requested_cursor(request)
    head = await hub.find_story(slug, cursor)
    if head is None:
        raise Http404("No such story.")
    start = replay_start(cursor, head.sequence)
    if start is None:
        # Nothing to replay from: the page reloads its timeline, then follows from there.
        reset = RETRY_FRAME + reset_frame(head.sequence)
        return _no_store(HttpResponse(reset, content_type=EVENT_STREAM))
    if head.state == Story.State.ENDED and start >= head.sequence:
        # Nothing more will come. 204 tells EventSource not to reconnect.
        return _no_store(HttpResponse(status=204))
    response = StreamingHttpResponse(_stream(hub, head, slug, start), content_type=EVENT_STREAM)
    response["X-Accel-Buffering"] = "no"
    return _no_store(response)


def _no_store(response):
    response["Cache-Control"] = "no-cache"
    return response


def _release_request_thread() -> None:
    """Give back the thread Django's ASGI handler keeps for this request's synchronous parts.

    The handler runs each request in its own asgiref ThreadSensitiveContext, whose one-thread
    executor lives until the request ends: for a stream, hours, and one idle thread per reader.
    Nothing synchronous runs while we stream, so the thread is shut down now; should the end of
    the request need one again, asgiref starts a fresh executor for the context."""
    from asgiref.sync import SyncToAsync

    try:
        context = SyncToAsync.thread_sensitive_context.get(None)
        executor = SyncToAsync.context_to_thread_executor.pop(context, None)
    except (AttributeError, TypeError):  # another asgiref: keep the thread
        return
    if executor is not None:
        executor.shutdown(wait=False)


async def _stream(hub: Hub, head: StoryHead, slug: str, cursor: int):
    subscription = hub.subscribe(head, slug)
    reporter()  # counted in the next report of this process's readers (live/audience.py)
    try:
        _release_request_thread()
        yield RETRY_FRAME
        replay = await hub.replay(head, cursor)
        if replay is None:
            return  # the story is no longer public
        last = cursor
        for event in replay:
            last = event.sequence
            yield event.frame
        ended = [event.kind == Change.Kind.ENDED for event in replay if event.subject == HEADER]
        if (ended and ended[-1]) or head.state == Story.State.ENDED:
            return
        # Per event, the only work per stream: take the hub's frame off the queue and write
        # those same bytes. The hub also sends the heartbeats (one timer for all streams).
        queue = subscription.queue
        while True:
            event = await queue.get()
            if event is BEAT:
                yield HEARTBEAT
                continue
            if event is CLOSED:
                return
            if event.sequence <= last:
                continue  # already sent in the replay
            last = event.sequence
            yield event.frame
            if event.kind == Change.Kind.ENDED:
                return
    finally:
        hub.unsubscribe(subscription)
