"""What readers see: the front page and the article. No sign-in, no cookies, cacheable by any
CDN or browser for anonymous readers (incidents/caching.py)."""

import hashlib

from django.core.cache import cache
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, render
from django.template.loader import get_template, render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from incidents import timefmt
from incidents.caching import (
    cacheable_for_readers,
    conditional,
    for_readers,
    remember_page,
    remembered_page,
    surely_anonymous,
)
from incidents.export import live_json_ld
from incidents.live.events import top_of_story
from incidents.live.heads import cached_story_head, public_story_head
from incidents.models import Story
from incidents.paging import page_number, page_or_404
from liveblog.offload import in_own_thread

# A rendered timeline is kept this long at most. It is never stale before then (see below); the
# limit only frees the memory of stories nobody reads any more.
TIMELINE_CACHE_SECONDS = 600
# The regions of the article that depend on nothing but the story's change log.
_LOGGED_REGIONS = (
    ("summary", "incidents/story.html#story-summary"),
    ("key_events_region", "incidents/story.html#key-events"),
    ("timeline", "incidents/story.html#timeline"),
    ("corrections", "incidents/story.html#corrections"),
)


@cacheable_for_readers
def front(request: HttpRequest):
    stories = Story.objects.for_front_page().prefetch_related("bylines")
    page = page_or_404(stories, page_number(request))
    return render(request, "incidents/front.html", {"stories": page.object_list, "page": page})


@require_safe
async def story(request: HttpRequest, slug: str):
    """An anonymous reader's article comes from this process's memory of it while the story
    stands (incidents/caching.py), on the event loop; anyone else's is rendered in a thread."""
    order = requested_order(request)
    if surely_anonymous(request):
        head = cached_story_head(slug) or await in_own_thread(public_story_head, slug)
        if head is None:
            raise Http404("No such story.")
        key = (head.pk, order)
        page = remembered_page(request, key, page_version(head))
        if page is not None:
            return page
    return await in_own_thread(render_story, request, slug, order)


def requested_order(request: HttpRequest) -> str | None:
    """The reader's own choice of order (?order=oldest|newest), or None: the story's."""
    order = request.GET.get("order")
    return order if order in Story.ReadingOrder.values else None


def page_version(story) -> tuple:
    """What an anonymous reader's page depends on: the story's log, its state, and today's date
    in its zone (update times show their date unless they are from today). A story or its head."""
    return (story.sequence, story.state, timefmt.today(story.timezone))


def render_story(request: HttpRequest, slug: str, order: str | None):
    story = get_object_or_404(Story.objects.public().prefetch_related("bylines", "tags"), slug=slug)
    newest_first = story.newest_first if order is None else order == Story.ReadingOrder.NEWEST
    version = page_version(story)  # before rendering: a page drawn across midnight is not kept
    address = request.build_absolute_uri(story.get_absolute_url())
    context = {
        "story": story,
        "newest_first": newest_first,
        **logged_regions(story, newest_first),
        "json_ld": live_json_ld(story, address, request.build_absolute_uri),
    }
    response = for_readers(request, render(request, "incidents/story.html", context))
    remember_page((story.pk, order), version, response)
    return conditional(request, response)


def logged_regions(story: Story, newest_first: bool) -> dict[str, str]:
    """The summary, the key events, the timeline and the corrections list, rendered once per
    change of the story, by the names story.html places them under.

    All four change only through the model methods that append to the story's change log, and
    each of those moves `story.sequence` (and `last_updated_at`) on. So a rendering made when the
    story had that sequence is exactly what a fresh one gives, for as long as the sequence stands:
    a new update, an edit, a retraction, a pin or a new timezone moves it on, and the next reader
    gets a fresh rendering. So does a new day in the story's zone: update times show their date
    unless they are from today. A hit costs one cache read: no query for the updates, no template.

    One cache entry per story and order, overwritten when the story moves on, so a long story
    that changes often does not leave a trail of old renderings in memory. The key of the
    entry's contents also holds the templates' own version, so a deploy that changes them is
    seen at once even with a cache shared by all processes (Redis)."""
    order = "newest" if newest_first else "oldest"
    key = f"reader:logged-regions:{story.pk}:{order}"
    day = timefmt.today(story.timezone)  # update times show their date unless from today
    version = (story.sequence, story.last_updated_at.isoformat(), day, _templates_version())
    cached = cache.get(key)
    if cached is not None and cached[0] == version:
        # Our own template output.
        return {name: mark_safe(html) for name, html in cached[1].items()}  # noqa: S308
    context = {
        "story": story,
        "updates": timefmt.mark_new_days(story.timeline(newest_first=newest_first), story.timezone),
        "newest_first": newest_first,
        "corrections": story.corrections(),
        **top_of_story(story),
    }
    regions = {name: render_to_string(template, context) for name, template in _LOGGED_REGIONS}
    cache.set(
        key, (version, {name: str(html) for name, html in regions.items()}), TIMELINE_CACHE_SECONDS
    )
    return regions


def _templates_version() -> str:
    """A short digest of the templates the cached regions come from. The template loader keeps
    compiled templates, so this costs a few microseconds."""
    digest = hashlib.blake2b(digest_size=8)
    for name in ("incidents/story.html", "incidents/update.html", "incidents/corrections.html"):
        digest.update(get_template(name).template.source.encode())
    return digest.hexdigest()
