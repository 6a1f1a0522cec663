"""The embeddable live widget, `/stories/<slug>/embed/`: a compact live view of a story for
partners' pages (incidents/embedding.py: who may frame it, and the code partners paste).

The newest EMBED_UPDATES updates, newest first, each through the update partial, following the
same event stream as the article (static/js/live.js, with static/js/embed.js). It shows nobody
anything of their own, so every answer is public and cookie-free, and the process remembers it
while the story stands, as it does the anonymous article (incidents/caching.py).
"""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from incidents import timefmt
from incidents.caching import (
    conditional,
    for_everyone,
    page_version,
    remember_page,
    remembered_page,
)
from incidents.embedding import EMBED_UPDATES, framable
from incidents.live.heads import cached_story_head, note_story_head
from incidents.models import Story
from incidents.timeline import render_updates
from liveblog.offload import in_own_thread


@require_safe
async def embed(request: HttpRequest, slug: str):
    head = cached_story_head(slug)
    if head is not None:
        page = remembered_page(request, _page_key(head.pk), page_version(head))
        if page is not None:
            return framable(page)
    return framable(await in_own_thread(render_embed, request, slug))


def render_embed(request: HttpRequest, slug: str):
    story = get_object_or_404(Story.objects.public(), slug=slug)
    version = page_version(story)  # before rendering: a page drawn across midnight is not kept
    note_story_head(story)
    page = remembered_page(request, _page_key(story.pk), version)
    if page is not None:
        return page
    updates = list(story.updates.for_readers(newest_first=True)[:EMBED_UPDATES])
    timefmt.mark_new_days(updates, story.timezone)
    render_updates(story, updates, permalinks=True)
    response = render(
        request,
        "incidents/embed.html",
        {"story": story, "updates": updates, "limit": EMBED_UPDATES},
    )
    response = for_everyone(response)
    remember_page(_page_key(story.pk), version, response)
    return conditional(request, response)


def _page_key(story_pk: int) -> tuple:
    return ("embed", story_pk)
