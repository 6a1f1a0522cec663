"""HTTP caching of reader pages: one decorator, `cacheable_for_readers`.

An anonymous reader's page is the same for every anonymous reader: it carries no cookie, no CSRF
token and no CSP nonce (its scripts come from 'self'), so a CDN or browser may keep it for
READER_CACHE_SECONDS and serve it stale for READER_STALE_SECONDS more while it fetches a fresh
one. Its ETag is a digest of the bytes, so a reader who has it gets 304. A signed-in user's page
names them and carries their CSRF token: `private`, checked again on every use.
"""

from functools import wraps

from django.conf import settings
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag


def cacheable_for_readers(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming:
            return response
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_cache=True)
            return response
        patch_cache_control(
            response,
            public=True,
            max_age=settings.READER_CACHE_SECONDS,
            stale_while_revalidate=settings.READER_STALE_SECONDS,
        )
        set_response_etag(response)
        return get_conditional_response(request, etag=response["ETag"], response=response)

    return wrapped
