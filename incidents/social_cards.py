"""Social-post cards: a post on X, Bluesky, Mastodon, Threads, YouTube or LinkedIn shown as a
static card (network, author and handle, text, time, a link to the original) with no third-party
script, frame or tracking, so the strict CSP stays and an export keeps the card for good.

A card is written in an update's Markdown as a fenced block whose info string is `post`:

    ```post
    url: https://bsky.app/profile/mattobrien.bsky.social/post/3kabc
    author: Matt O'Brien
    handle: @mattobrien.bsky.social
    posted: 2026-11-25 09:38
    Twitter is down for a lot of people right now.
    ```

`url`, `author` and the text are required; `handle` and `posted` are optional. rendering.py
replaces each block with `card_html()` after sanitizing the rest, and refuses a block that
`card_problem()` objects to, so what is stored is always a well-formed card. The desk's "Fill
in from the link" asks the network's oEmbed endpoint (`fetch_details`), with a short timeout.
"""

import json
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from html import unescape

from django.conf import settings
from django.utils.html import format_html, format_html_join

from incidents import timefmt
from incidents.outbound import non_public_address, opener

# A fenced block at the top level of the text (at most three spaces in), info string `post`.
CARD_BLOCK = re.compile(
    r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*post[ \t]*\r?\n"
    r"(?P<content>.*?)\r?\n {0,3}(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
FIELD = re.compile(r"(url|author|handle|posted)[ \t]*:[ \t]*(.*)", re.IGNORECASE)
LIMITS = {"url": 500, "author": 100, "handle": 100, "text": 2000}
POSTED_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
LINK_REL = "nofollow noopener noreferrer"

# Network by host (and its subdomains). Anything else that looks like a Mastodon post
# (https://host/@user/123) is Mastodon; any other https address is a post on that site.
NETWORKS = {
    "x.com": "X",
    "twitter.com": "X",
    "bsky.app": "Bluesky",
    "threads.net": "Threads",
    "threads.com": "Threads",
    "youtube.com": "YouTube",
    "youtu.be": "YouTube",
    "linkedin.com": "LinkedIn",
}
MASTODON_PATH = re.compile(r"^/@[A-Za-z0-9_.]+(?:@[A-Za-z0-9.-]+)?/\d+/?$")
# The oEmbed endpoint of each network that has a public one (Threads and LinkedIn need an app
# token; their cards are filled in by hand). Mastodon's is on the post's own server.
OEMBED_ENDPOINTS = {
    "X": "https://publish.twitter.com/oembed",
    "Bluesky": "https://embed.bsky.app/oembed",
    "YouTube": "https://www.youtube.com/oembed",
}
FETCH_TIMEOUT_SECONDS = 3
FETCH_MAX_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class Card:
    url: str
    author: str
    text: str
    handle: str = ""
    posted: datetime | None = None

    @property
    def network(self) -> str:
        return network_of(self.url)

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z]+", "-", self.network.lower()).strip("-") or "web"


def network_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    for domain, name in NETWORKS.items():
        if host == domain or host.endswith("." + domain):
            return name
    if MASTODON_PATH.match(parts.path):
        return "Mastodon"
    return host.removeprefix("www.") or "the web"


def _web_address_problem(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c in url for c in " <>"):
        return (
            f"A social post card needs the post's web address (https://…) on its url: line; "
            f"“{url[:80]}” is not one."
        )
    return ""


def parse_card(content: str) -> tuple[Card | None, str]:
    """The card a block holds, or None and what is wrong with it, in words for its author."""
    fields = {}
    lines = content.replace("\r\n", "\n").split("\n")
    while lines and (match := FIELD.fullmatch(lines[0].strip())):
        fields[match.group(1).lower()] = match.group(2).strip()
        lines.pop(0)
    text = "\n".join(lines).strip()
    url = fields.get("url", "")
    if not url:
        return None, "A social post card needs a url: line with the post's address."
    if problem := _web_address_problem(url):
        return None, problem
    if not fields.get("author"):
        return None, "A social post card needs an author: line with who posted it."
    if not text:
        return None, "A social post card needs the post's text after its url: and author: lines."
    for name, limit in LIMITS.items():
        value = text if name == "text" else fields.get(name, "")
        if len(value) > limit:
            return None, f"A social post card's {name} can be at most {limit:,} characters."
    posted = None
    if fields.get("posted"):
        posted = _parse_posted(fields["posted"])
        if posted is None:
            return None, (
                f"A social post card's posted: line needs a date like 2026-11-25 or "
                f"2026-11-25 09:38; “{fields['posted'][:40]}” is not one."
            )
    return Card(url, fields["author"], text, fields.get("handle", ""), posted), ""


def _parse_posted(value: str) -> datetime | None:
    for pattern in POSTED_FORMATS:
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    return None


def card_problem(source: str) -> str:
    """What is wrong with the first bad card in an update's text; "" if every card is fine."""
    for block in CARD_BLOCK.finditer(source or ""):
        _, problem = parse_card(block.group("content"))
        if problem:
            return problem
    return ""


def _has_time(moment: datetime) -> bool:
    return bool(moment.hour or moment.minute)


def _posted_label(moment: datetime) -> str:
    """AP style, as the author gave it: a wall-clock time in no named zone."""
    day = timefmt.ap_date(moment, "UTC")  # a naive time is read as UTC and shown unchanged
    return f"{day}, {timefmt.ap_time(moment, 'UTC', with_zone=False)}" if _has_time(moment) else day


def card_html(card: Card) -> str:
    """The card as HTML, every value escaped: format_html builds it."""
    paragraphs = [part.strip() for part in re.split(r"\n[ \t]*\n", card.text) if part.strip()]
    text = format_html_join(
        "\n",
        "<p>{}</p>",
        (
            (format_html_join("<br>", "{}", ((line,) for line in p.split("\n"))),)
            for p in paragraphs
        ),
    )
    handle = (
        format_html(' <span class="post-card__handle">{}</span>', card.handle)
        if card.handle
        else ""
    )
    when = (
        format_html(
            ', <time datetime="{}">{}</time>',
            card.posted.strftime("%Y-%m-%dT%H:%M" if _has_time(card.posted) else "%Y-%m-%d"),
            _posted_label(card.posted),
        )
        if card.posted
        else ""
    )
    return format_html(
        '<figure class="post-card post-card--{slug}">\n'
        '<blockquote class="post-card__text" cite="{url}">\n{text}\n</blockquote>\n'
        '<figcaption class="post-card__by"><span class="post-card__network">{network}</span> '
        '<strong class="post-card__author">{author}</strong>{handle} · '
        '<a href="{url}" rel="{rel}">View the post{when}</a></figcaption>\n'
        "</figure>",
        slug=card.slug,
        url=card.url,
        text=text,
        network=card.network,
        author=card.author,
        handle=handle,
        rel=LINK_REL,
        when=when,
    )


def block_for(details: dict) -> str:
    """A card block for the compose box, from the fields of the desk's card form."""
    lines = ["```post", f"url: {details.get('url', '').strip()}"]
    lines.append(f"author: {details.get('author', '').strip()}")
    for name in ("handle", "posted"):
        if details.get(name, "").strip():
            lines.append(f"{name}: {details[name].strip()}")
    lines += [details.get("text", "").strip().replace("```", "'''"), "```"]
    return "\n".join(lines)


# --- "Fill in from the link" --------------------------------------------------------------------


class FetchFailed(Exception):
    """Why the details could not be fetched, in words for the journalist."""


def fetch_details(url: str) -> dict:
    """The post's author, handle, text and time, asked of its network's oEmbed endpoint."""
    if problem := _web_address_problem(url):
        raise FetchFailed(problem.replace(" on its url: line", ""))
    network = network_of(url)
    endpoints = {**OEMBED_ENDPOINTS, **settings.SOCIAL_CARD_OEMBED_ENDPOINTS}
    endpoint = endpoints.get(network)
    if endpoint is None and network == "Mastodon":
        parts = urllib.parse.urlsplit(url)
        endpoint = f"{parts.scheme}://{parts.netloc}/api/oembed"
        _refuse_private_host(parts.hostname)
    if endpoint is None:
        raise FetchFailed(
            f"Details of {network} posts cannot be fetched without an app token; "
            "fill them in from the post."
        )
    query = urllib.parse.urlencode({"url": url, "format": "json", "omit_script": "1"})
    if urllib.parse.urlsplit(endpoint).scheme not in ("http", "https"):
        raise FetchFailed(f"The {network} endpoint is not a web address; ask an administrator.")
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        f"{endpoint}?{query}",
        headers={"Accept": "application/json", "User-Agent": f"{settings.SITE_NAME} (oEmbed)"},
    )
    try:
        with opener.open(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            body = response.read(FETCH_MAX_BYTES + 1)
    except (OSError, ValueError) as error:
        raise FetchFailed(
            f"{network} did not answer in time or refused ({_reason(error)}); "
            "fill the details in from the post."
        ) from None
    if len(body) > FETCH_MAX_BYTES:
        raise FetchFailed(f"{network}'s answer was too large; fill the details in by hand.")
    try:
        data = json.loads(body)
    except ValueError:
        raise FetchFailed(
            f"{network}'s answer was not readable; fill the details in by hand."
        ) from None
    if not isinstance(data, dict):
        raise FetchFailed(f"{network}'s answer was not readable; fill the details in by hand.")
    return _details_from_oembed(url, network, data)


def _reason(error: Exception) -> str:
    code = getattr(error, "code", None)
    if code:
        return f"HTTP {code}"
    reason = getattr(error, "reason", None) or error
    return "timed out" if "timed out" in str(reason) else str(reason)[:80]


def _refuse_private_host(host: str | None) -> None:
    """A Mastodon server is any host an author names: never one on a private, loopback or
    link-local address (server-side request forgery), unless tests allow loopback."""
    try:
        bad = non_public_address(host, allow_loopback=settings.SOCIAL_CARD_ALLOW_LOOPBACK)
    except LookupError:
        raise FetchFailed(f"The server {host} could not be found.") from None
    if bad is not None:
        raise FetchFailed(f"The server {host} is on a private address; it is not asked.")


_TAG = re.compile(r"<[^>]+>")
_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>", re.IGNORECASE | re.DOTALL)
_LINK_TEXT = re.compile(r"<a\b[^>]*>([^<]*)</a>\s*</blockquote>", re.IGNORECASE)
_DATE_TEXT = re.compile(r"([A-Z][a-z]+ \d{1,2}, \d{4})(?: at (\d{1,2}:\d{2}) ?([AP]M))?")


def _plain(html: str) -> str:
    text = re.sub(r"<br\s*/?>", "\n", html, flags=re.IGNORECASE)
    return unescape(_TAG.sub("", text)).strip()


def _details_from_oembed(url: str, network: str, data: dict) -> dict:
    html = str(data.get("html") or "")
    paragraphs = [_plain(p) for p in _PARAGRAPH.findall(html)]
    text = "\n\n".join(p for p in paragraphs if p) or str(data.get("title") or "").strip()
    author_url = str(data.get("author_url") or "")
    handle = ""
    if author_url:
        path = urllib.parse.urlsplit(author_url).path.rstrip("/")
        last = path.rsplit("/", 1)[-1]
        if network == "Mastodon":
            handle = f"{last}@{urllib.parse.urlsplit(author_url).hostname}"
        elif last and network in ("X", "Bluesky", "Threads"):
            handle = "@" + last.lstrip("@")
        elif last.startswith("@"):
            handle = last
    posted = ""
    dated = _LINK_TEXT.search(html)
    found = _DATE_TEXT.search(_plain(dated.group(1)) if dated else "")
    if found:
        day = datetime.strptime(found.group(1), "%B %d, %Y")
        if found.group(2):
            clock = datetime.strptime(f"{found.group(2)} {found.group(3)}", "%I:%M %p")
            day = day.replace(hour=clock.hour, minute=clock.minute)
            posted = day.strftime("%Y-%m-%d %H:%M")
        else:
            posted = day.strftime("%Y-%m-%d")
    return {
        "url": url,
        "author": str(data.get("author_name") or "").strip()[: LIMITS["author"]],
        "handle": handle[: LIMITS["handle"]],
        "posted": posted,
        "text": text[: LIMITS["text"]],
    }
