"""How readers find stories: a page per tag, and search. Like the front page, each is the same
for every anonymous reader, so cacheable (incidents/caching.py); lists run over pages
(incidents/paging.py)."""

from django.core.paginator import InvalidPage
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from incidents import search as finder
from incidents.caching import cacheable_for_readers
from incidents.models import Tag
from incidents.paging import page_number, page_or_404


@require_safe
@cacheable_for_readers
def tag(request: HttpRequest, slug: str):
    """The tag's public stories, live first, then by last update. A tag that only draft stories
    carry is not public yet: 404, like the drafts."""
    tag = get_object_or_404(Tag, slug=slug)
    stories = tag.stories.for_front_page().prefetch_related("bylines")
    page = page_or_404(stories, page_number(request))
    if not page.paginator.count:
        raise Http404("No public story has this tag.")
    context = {"tag": tag, "stories": page.object_list, "page": page}
    return render(request, "incidents/tag.html", context)


@require_safe
@cacheable_for_readers
def search(request: HttpRequest):
    query = finder.cleaned(request.GET.get("q", ""))
    try:
        results = finder.search(query, page=page_number(request))
    except InvalidPage:
        raise Http404("No such page of results.") from None
    return render(request, "incidents/search.html", {"query": query, "results": results})
