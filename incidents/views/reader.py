"""What readers see: the front page and the article. No sign-in, no cookies, cacheable by any
CDN or browser for anonymous readers (incidents/caching.py)."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from incidents import push
from incidents.caching import (
    cacheable_for_readers,
    conditional,
    for_readers,
    page_version,
    remember_page,
    remembered_page,
    surely_anonymous,
)
from incidents.json_ld import live_json_ld
from incidents.live.events import top_of_story
from incidents.live.heads import cached_story_head, note_story_head
from incidents.models import EmailSubscriber, Story, Update
from incidents.paging import page_number, page_or_404
from incidents.timeline import page_of, timeline_page
from liveblog.offload import in_own_thread


@cacheable_for_readers
def front(request: HttpRequest):
    stories = Story.objects.for_front_page().prefetch_related("bylines")
    page = page_or_404(stories, page_number(request))
    return render(request, "incidents/front.html", {"stories": page.object_list, "page": page})


@require_safe
async def story(request: HttpRequest, slug: str):
    """An anonymous reader's article comes from this process's memory of it while the story
    stands (incidents/caching.py), on the event loop; anyone else's is rendered in a thread.
    `?page=N` is a page of the timeline (incidents/timeline.py); asked by htmx ("Show older
    updates"), only that page's updates and the link to the next."""
    order = requested_order(request)
    if surely_anonymous(request):
        head = cached_story_head(slug)
        if head is not None:
            page = remembered_page(request, _page_key(request, head.pk, order), page_version(head))
            if page is not None:
                return page
    return await in_own_thread(render_story, request, slug, order)


def requested_order(request: HttpRequest) -> str | None:
    """The reader's own choice of order (?order=oldest|newest), or None: the story's."""
    order = request.GET.get("order")
    return order if order in Story.ReadingOrder.values else None


def render_story(request: HttpRequest, slug: str, order: str | None):
    """The article, in one thread hop: the story (for an anonymous reader, its head is kept for
    the next readers and the page remembered for it answers if there is one), else a fresh
    rendering, which the process then remembers."""
    story = get_object_or_404(Story.objects.public(), slug=slug)
    version = page_version(story)  # before rendering: a page drawn across midnight is not kept
    key = _page_key(request, story.pk, order)
    if surely_anonymous(request):
        note_story_head(story)
        page = remembered_page(request, key, version)
        if page is not None:
            return page
    story.with_credits()  # its bylines and tags, from the cache while they stand
    newest_first = story.newest_first if order is None else order == Story.ReadingOrder.NEWEST
    template, context = _article(request, story, newest_first)
    context["follows_story_order"] = order is None
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    response = for_readers(request, response)
    remember_page(key, version, response)
    return conditional(request, response)


def _article(request: HttpRequest, story: Story, newest_first: bool) -> tuple[str, dict]:
    """The template and context of the article's page `?page=`, or (htmx: "Show older
    updates") of that page's updates alone."""
    timeline = timeline_page(story, newest_first, page_number(request))
    context = {
        "story": story,
        "newest_first": newest_first,
        "page": timeline.page,
        "live_end": timeline.live_end,
    }
    if request.htmx:
        return "incidents/story.html#timeline-page", {**context, "updates": timeline.updates}
    address = request.build_absolute_uri(story.get_absolute_url())
    # Newest first, page 1 holds the newest updates the JSON-LD lists: no query for them.
    newest = timeline.updates if newest_first and timeline.page.number == 1 else None
    return "incidents/story.html", {
        **context,
        "updates": timeline.updates,
        "corrections": story.corrections(),
        **top_of_story(story),  # the summary box (the pinned update) and the key events
        "json_ld": live_json_ld(story, address, request.build_absolute_uri, newest),
        "scopes": EmailSubscriber.Scope.choices,  # the "Get updates by email" form's choices
        "push_key": push.public_key(),  # None: push is off, no button
    }


def _page_key(request: HttpRequest, story_pk: int, order: str | None) -> tuple:
    """What a remembered article is kept under: the story, the order asked for (None: the
    story's), the page and whether htmx asked for that page's updates alone."""
    return (story_pk, order, page_number(request), bool(request.htmx))


@require_safe
def update_permalink(request: HttpRequest, slug: str, number: int):
    """`/stories/<slug>/updates/<number>/`: to the page of the article (in the story's own
    order) that shows this update, at its anchor. A retracted update shows there as its notice;
    a draft or a number never given out is a 404."""
    story = get_object_or_404(Story.objects.public(), slug=slug)
    update = get_object_or_404(story.updates.exclude(state=Update.State.DRAFT), number=number)
    update.story = story
    page = page_of(update, story.newest_first)
    query = f"?page={page}" if page > 1 else ""
    return redirect(f"{story.get_absolute_url()}{query}#{update.anchor}")
