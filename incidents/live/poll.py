"""The polling fallback: the changes after `?since=`, as a fragment a CDN can cache.

Readers whose browser cannot keep an event stream open ask here every few seconds. The answer
depends only on the story's sequence, so it carries an ETag and a short public max-age, and never
a cookie: most polls end as a 304, or at a CDN without reaching us. A `since` that cannot be
replayed (missing, malformed, or too far behind) gets a small reset answer: the page reloads its
timeline. Rendered answers are kept in the cache by story, sequence and `since`.
"""

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe
from django_htmx.http import HttpResponseStopPolling

from incidents import timefmt
from incidents.live.audience import note_poll, reporter
from incidents.live.events import database_replay, parse_cursor, render_batch, replay_start
from incidents.live.heads import (
    StoryHead,
    cached_story_head,
    find_public_story,
    public_story_head,
)
from incidents.models import Story
from liveblog.offload import in_own_thread

POLL_CACHE_CONTROL = "public, max-age=5, stale-while-revalidate=30"
RENDERED_SECONDS = 300  # how long a rendered answer stays in the cache (keyed by sequence)


def share(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """No cookie and no Vary: Cookie on this view's responses, whatever the request carried.

    Only the CSRF middleware could add one here (when the request's csrftoken cookie is
    malformed it issues a new one); the session is never touched."""
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
    response["Cache-Control"] = POLL_CACHE_CONTROL
    response["X-Poll-Seconds"] = str(settings.LIVE_POLL_SECONDS)
    return response


def head_etag(head: StoryHead) -> str:
    """The answer changes only with the story's sequence and state."""
    return f'"{head.pk}-{head.sequence}-{head.state}"'


def not_modified(request: HttpRequest, head: StoryHead) -> HttpResponse | None:
    """A 304 when the reader has the answer for this head already. An ended story's readers
    always hear "stop polling", never a 304."""
    if head.state == Story.State.ENDED:
        return None
    etag = head_etag(head)
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        response["ETag"] = etag
    return response


@require_safe
async def updates(request: HttpRequest, slug: str):
    """Most polls end here, on the event loop: the head this process read less than
    `LIVE_POLL_HEAD_SECONDS` ago says nothing has changed, and the answer is a 304 with no
    query and no thread. Each poll answered is noted for the desk's "N reading now"."""
    reporter()
    head = cached_story_head(slug)
    unchanged = not_modified(request, head) if head is not None else None
    if unchanged is not None:
        note_poll(head.pk)
        return share(request, unchanged)
    return share(request, await in_own_thread(answer, request, slug))


def answer(request: HttpRequest, slug: str) -> HttpResponse:
    head = public_story_head(slug)
    if head is None:
        raise Http404("No such story.")
    note_poll(head.pk)
    unchanged = not_modified(request, head)
    if unchanged is not None:
        return unchanged
    since = parse_cursor(request.GET.get("since"))
    if since is not None and since > head.sequence:
        head = find_public_story(slug)  # this process's memory of the head may lag the page's
        if head is None:
            raise Http404("No such story.")
    start = replay_start(since, head.sequence)
    if start is None:
        body = render_batch(head.sequence, head.state, [], reset=True)
    elif start >= head.sequence:
        body = render_batch(head.sequence, head.state, [])
    else:
        # Update times show their date unless from today in the story's zone: keyed on the day.
        day = timefmt.today(head.timezone)
        key = f"live-poll:{head.pk}:{head.sequence}:{head.state}:{start}:{day}"
        body = cache.get(key)
        if body is None:
            body, head = changes_since(head, start)
            cache.set(key, body, RENDERED_SECONDS)
    response = (HttpResponseStopPolling if head.state == Story.State.ENDED else HttpResponse)(body)
    response["ETag"] = head_etag(head)
    response["X-Live-Sequence"] = str(head.sequence)
    return response


def changes_since(head: StoryHead, start: int) -> tuple[str, StoryHead]:
    """The batch after `start`, rendered from the database as it is now, and the fresh head."""
    found = database_replay(head.pk, start)
    if found is None:
        raise Http404("No such story.")
    story, events = found
    fresh = StoryHead(story.pk, story.sequence, story.state)
    return render_batch(story.sequence, story.state, events), fresh
