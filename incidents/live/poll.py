"""The polling fallback: the changes after `?since=`, as a fragment a CDN can cache.

Readers whose browser cannot keep an event stream open ask here every few seconds. The answer
depends only on the story's sequence, so it carries an ETag and a short public max-age, and never
a cookie: most polls end as a 304, or at a CDN without reaching us.
"""

from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import condition, require_safe
from django_htmx.http import HttpResponseStopPolling

from incidents.live.events import (
    changes_after,
    load_story,
    parse_sequence,
    render_batch,
    render_events,
)
from incidents.live.heads import public_story_head
from incidents.models import Story

POLL_CACHE_CONTROL = "public, max-age=5, stale-while-revalidate=30"


def shareable(view):
    """No cookie and no Vary: Cookie on this view's responses, whatever the request carried.

    Only the CSRF middleware could add one here (when the request's csrftoken cookie is
    malformed it issues a new one); the session is never touched."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        response["Cache-Control"] = POLL_CACHE_CONTROL
        response["X-Poll-Seconds"] = str(settings.LIVE_POLL_SECONDS)
        return response

    return wrapped


def head_etag(pk: int, sequence: int, state: str) -> str:
    """The answer changes only with the story's sequence and state."""
    return f'"{pk}-{sequence}-{state}"'


def poll_etag(request: HttpRequest, slug: str) -> str | None:
    """For `condition`: usually from this process's memory of the story's head, without a query.
    None for an ended story, so that its readers always hear "stop polling", never a bare 304."""
    head = public_story_head(slug)
    if head is None or head.state == Story.State.ENDED:
        return None
    return head_etag(head.pk, head.sequence, head.state)


@require_safe
@shareable
@condition(etag_func=poll_etag)
def updates(request: HttpRequest, slug: str):
    head = public_story_head(slug)
    if head is None:
        raise Http404("No such story.")
    try:
        story = load_story(head.pk)
    except Story.DoesNotExist:
        raise Http404("No such story.") from None
    if not story.is_public:
        raise Http404("No such story.")
    after = parse_sequence(request.GET.get("since", ""), story.sequence)
    changes = changes_after(story, after) if after < story.sequence else []
    ended = story.state == Story.State.ENDED
    response = (HttpResponseStopPolling if ended else HttpResponse)(
        render_batch(story, render_events(story, changes))
    )
    response["X-Live-Sequence"] = str(story.sequence)
    response["ETag"] = head_etag(story.pk, story.sequence, story.state)
    return response
