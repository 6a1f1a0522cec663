"""Lists that run over several pages (the front page, tag pages, search results): plain
`?page=N` links that work without JavaScript. A page that does not exist, out of range or not a
number, is a 404, never an error and never another page's content under its address."""

from django.core.paginator import InvalidPage, Page, Paginator
from django.http import Http404

STORIES_PER_PAGE = 20


def page_number(request) -> str:
    return request.GET.get("page", "1")


def page_or_404(object_list, number, per_page: int = STORIES_PER_PAGE) -> Page:
    try:
        return Paginator(object_list, per_page).page(number)
    except InvalidPage:
        raise Http404("No such page in this list.") from None
