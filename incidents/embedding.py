"""The embeddable live widget: which sites may frame it, and the code a partner pastes.

`/stories/<slug>/embed/` (views/embed.py) is the one page another site may put in a frame. Its
Content-Security-Policy is the site's own with `frame-ancestors 'self'` and the origins of
EMBED_FRAME_ANCESTORS, and it carries no X-Frame-Options; every other page keeps
`frame-ancestors 'none'` and `X-Frame-Options: DENY` (settings).

The frame tells the page around it how tall it is, whenever that changes (static/js/embed.js):

    window.parent.postMessage({"type": "liveblog:embed-height", "story": "<slug>",
                               "height": <whole CSS pixels>}, "*")

static/js/embed-resize.js, the optional script of the embed code, sets the height of the frame
that sent it (only a message from the frame's own origin counts).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.html import format_html

from incidents.models import Story

HEIGHT_MESSAGE = "liveblog:embed-height"
# How many updates the widget shows, newest first; the full article has the rest.
EMBED_UPDATES = 10
# The frame's height until the parent-side script fits it (or for good, without the script).
FRAME_HEIGHT = 600
# Not the hashed name collectstatic also writes: partners keep the code for years, deploys
# change hashes. WhiteNoise serves the plain name too, with a short cache lifetime.
PARENT_SCRIPT = "js/embed-resize.js"

_policy: tuple[tuple, dict] = ((), {})


def frame_policy() -> dict:
    """SECURE_CSP with the embed's frame-ancestors. The same dict while the settings stand:
    the CSP middleware builds each policy's header once (liveblog/middleware.py)."""
    global _policy
    key = (tuple(settings.EMBED_FRAME_ANCESTORS), id(settings.SECURE_CSP))
    if _policy[0] != key:
        ancestors = [CSP.SELF, *settings.EMBED_FRAME_ANCESTORS]
        _policy = (key, {**settings.SECURE_CSP, "frame-ancestors": ancestors})
    return _policy[1]


def framable(response: HttpResponse) -> HttpResponse:
    """Let the sites of EMBED_FRAME_ANCESTORS (and ours) frame this response, and no other."""
    response._csp_config = frame_policy()
    response.xframe_options_exempt = True
    return response


def site_address(request: HttpRequest) -> str:
    """Where partners' pages reach us: SITE_URL when set, else the address asked for."""
    return (settings.SITE_URL or request.build_absolute_uri("/")).rstrip("/")


def embed_code(story: Story, site: str) -> str:
    """What a partner pastes: the frame; a plain link to the article, which works where frames
    or scripts do not (feed readers, e-mail, AMP); and the optional script that fits the frame
    to its content."""
    return format_html(
        '<iframe src="{frame}" title="Live coverage: {headline}" width="100%" height="{height}" '
        'style="border:0;max-width:100%" loading="lazy" data-liveblog-embed></iframe>\n'
        '<p><a href="{article}">Follow the live coverage: {headline}</a></p>\n'
        '<script src="{script}" async></script>',
        frame=site + reverse("reader:embed", kwargs={"slug": story.slug}),
        headline=story.full_headline,
        height=FRAME_HEIGHT,
        article=site + story.get_absolute_url(),
        script=site + settings.STATIC_URL + PARENT_SCRIPT,
    )
