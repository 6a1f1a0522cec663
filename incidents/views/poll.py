"""The polling fallback: the changes after `?since=`, as a fragment a CDN can cache.

Readers whose browser cannot keep an event stream open ask here every few seconds. The answer
depends only on the story's sequence, so it carries an ETag and a short public max-age, and never
a cookie: most polls end as a 304, or at a CDN without reaching us.
"""

from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe

from incidents import live
from incidents.models import Story

POLL_CACHE_CONTROL = "public, max-age=5, stale-while-revalidate=30"
STOP_POLLING = 286  # htmx's "stop polling" status, used when coverage has ended


def shareable(view):
    """No cookie and no Vary: Cookie on this view's responses, whatever the request carried.

    Only the CSRF middleware could add one here (when the request's csrftoken cookie is
    malformed it issues a new one); the session is never touched."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        return response

    return wrapped


@require_safe
@shareable
def updates(request: HttpRequest, slug: str):
    # Usually answered from this process's memory of the story's head, without a query.
    head = live.public_story_head(slug)
    if head is None:
        raise Http404("No such story.")
    if head.state != Story.State.ENDED:
        not_modified = get_conditional_response(request, etag=_etag(head))
        if not_modified is not None:
            return _cacheable(not_modified, head)
    return _changes_since(head.pk, request.GET.get("since", ""))


def _changes_since(pk: int, since: str):
    try:
        story = live.load_story(pk)
    except Story.DoesNotExist:
        raise Http404("No such story.") from None
    if not story.is_public:
        raise Http404("No such story.")
    after = live.parse_sequence(since, story.sequence)
    changes = live.changes_after(story, after) if after < story.sequence else []
    response = HttpResponse(
        live.render_batch(story, live.render_events(story, changes)),
        status=STOP_POLLING if story.state == Story.State.ENDED else 200,
    )
    return _cacheable(response, live.StoryHead(story.pk, story.sequence, story.state))


def _etag(head: live.StoryHead) -> str:
    return f'"{head.pk}-{head.sequence}-{head.state}"'


def _cacheable(response, head: live.StoryHead):
    response["ETag"] = _etag(head)
    response["Cache-Control"] = POLL_CACHE_CONTROL
    response["X-Live-Sequence"] = str(head.sequence)
    response["X-Poll-Seconds"] = str(live.setting("LIVE_POLL_SECONDS", 5))
    return response
