"""HTTP caching of reader pages.

An anonymous reader's page is the same for every anonymous reader: it carries no cookie, no CSRF
token and no CSP nonce (its scripts come from 'self'), so a CDN or browser may keep it for
READER_CACHE_SECONDS and serve it stale for READER_STALE_SECONDS more while it fetches a fresh
one. Its ETag is a digest of the bytes, so a reader who has it gets 304. A signed-in user's page
names them and carries their CSRF token: `private`, checked again on every use.

Each server process also keeps the anonymous pages it rendered (`remembered_page`), by story and
order, for as long as the story's sequence and state stand and at most READER_CACHE_SECONDS:
what a CDN may keep, the process may keep too. The article view answers from there on the event
loop, with no query, no template and no thread (issue 11).
"""

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)

from incidents import timefmt

# Response headers a remembered page keeps; the middleware add the rest to every response.
KEPT_HEADERS = ("Content-Type", "Cache-Control", "ETag", "Vary")
# The most a process keeps of remembered pages, in bytes of their bodies.
REMEMBERED_BYTES = 32 * 1024 * 1024


def cacheable_for_readers(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = for_readers(request, view(request, *args, **kwargs))
        return conditional(request, response)

    return wrapped


def for_readers(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The caching headers of a reader's page: public for anonymous readers, private otherwise.
    It varies on the cookie either way: signing in changes what the page shows."""
    if response.status_code != 200 or response.streaming:
        return response
    patch_vary_headers(response, ("Cookie",))
    user = getattr(request, "user", None)  # none on the readers' path: nobody signed in
    if user is not None and user.is_authenticated:
        patch_cache_control(response, private=True, no_cache=True)
        return response
    return for_everyone(response)


def for_everyone(response: HttpResponse) -> HttpResponse:
    """The caching headers of a page that is the same whoever asks (an anonymous reader's, or
    the embeddable widget's, which shows nobody anything of their own): public, with an ETag."""
    if response.status_code != 200 or response.streaming:
        return response
    patch_cache_control(
        response,
        public=True,
        max_age=settings.READER_CACHE_SECONDS,
        stale_while_revalidate=settings.READER_STALE_SECONDS,
    )
    set_response_etag(response)
    return response


def conditional(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A 304 when the reader already has these bytes."""
    if response.status_code != 200 or not response.has_header("ETag"):
        return response
    return get_conditional_response(request, etag=response["ETag"], response=response)


def page_version(story) -> tuple:
    """What a remembered reader's page depends on: the story's log, its state, and today's date
    in its zone (update times show their date unless they are from today). A story or its head."""
    return (story.sequence, story.state, timefmt.today(story.timezone))


def surely_anonymous(request: HttpRequest) -> bool:
    """No session cookie: nobody is signed in, and the page is the one every reader gets."""
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


@dataclass(frozen=True, slots=True)
class RememberedPage:
    version: tuple
    made: float
    content: bytes
    headers: tuple


_pages: OrderedDict = OrderedDict()
_remembered_bytes = 0
_lock = threading.Lock()  # pages are remembered by request threads, read on the event loop


def remembered_page(request: HttpRequest, key: tuple, version: tuple) -> HttpResponse | None:
    """The page remembered under `key` if it was made at `version` less than
    READER_CACHE_SECONDS ago, as a 200 or a 304."""
    with _lock:
        page = _pages.get(key)
        if page is None or page.version != version:
            return None
        if time.monotonic() - page.made >= settings.READER_CACHE_SECONDS:
            return None
        _pages.move_to_end(key)
    response = HttpResponse(page.content)
    for name, value in page.headers:
        response[name] = value
    return conditional(request, response)


def remember_page(key: tuple, version: tuple, response: HttpResponse) -> None:
    """Keep an anonymous reader's page (a public 200) for the next readers."""
    global _remembered_bytes
    if response.status_code != 200 or "public" not in response.get("Cache-Control", ""):
        return
    page = RememberedPage(
        version,
        time.monotonic(),
        response.content,
        tuple((name, response[name]) for name in KEPT_HEADERS if response.has_header(name)),
    )
    with _lock:
        old = _pages.pop(key, None)
        _remembered_bytes += len(page.content) - (len(old.content) if old else 0)
        _pages[key] = page
        while _remembered_bytes > REMEMBERED_BYTES and len(_pages) > 1:
            _, dropped = _pages.popitem(last=False)
            _remembered_bytes -= len(dropped.content)


def forget_reader_pages() -> None:
    global _remembered_bytes
    with _lock:
        _pages.clear()
        _remembered_bytes = 0
