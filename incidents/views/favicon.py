"""/favicon.ico, which browsers, feed readers and bookmarks ask for at the site's root whatever
the page's <link rel="icon"> says. The same bytes as the static file the pages link to."""

from functools import cache

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@cache
def _icon() -> bytes:
    return (settings.BASE_DIR / "static" / "favicon.ico").read_bytes()


@cache_control(public=True, max_age=86_400)
@require_safe
def favicon(request):
    return HttpResponse(_icon(), content_type="image/vnd.microsoft.icon")
