"""schema.org JSON-LD for a story: the live article's (`live_json_ld`: its newest updates, each
at its permalink) and the export's (`json_ld`: every update), and the plain text and addresses
both build it from."""

import html
import json
import re
from datetime import datetime

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from incidents.export_pictures import image_object, media_address
from incidents.models import Story, Update

# Same escapes as Django's json_script: in a <script> element "</script>" or "<!--" inside a
# string would end or confuse the element, so <, > and & never appear literally.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


_TAG = re.compile(r"<[^>]*>")
# The newest updates the live article's JSON-LD lists; the export lists them all.
LIVE_JSON_LD_UPDATES = 10


def permalink(story_address: str, update: Update) -> str:
    """An update's address: "#update-3" inside an exported file with no known site; else its
    permalink on the site, which lands on the page of the article that holds it."""
    if not story_address:
        return f"#{update.anchor}"
    site = story_address.removesuffix(update.story.get_absolute_url())
    return f"{site}{update.get_absolute_url()}"


def _iso(moment: datetime | None, timespec: str = "auto") -> str | None:
    return moment.isoformat(timespec=timespec) if moment else None


def iso_seconds(moment: datetime | None) -> str | None:
    return _iso(moment, "seconds")


def plain_text(body_html: str) -> str:
    """Stored, sanitized HTML as plain text (for JSON-LD's articleBody). Its tags are bleach's
    well-formed output, so taking them out is one substitution."""
    return html.unescape(_TAG.sub("", body_html)).strip()


def bylines_of(story: Story) -> list[dict]:
    return [{"name": b.name, "title": b.title} for b in story.bylines.all()]


def _person(byline: dict) -> dict:
    person = {"@type": "Person", "name": byline["name"]}
    if byline["title"]:
        person["jobTitle"] = byline["title"]
    return person


def json_ld(
    story: Story, updates: list[Update], address: str, update_url=None, media_url=None
) -> dict:
    """schema.org LiveBlogPosting with each update as a BlogPosting in liveBlogUpdate.
    `update_url(update)` gives an update's address (the export's default: its anchor), and
    `media_url(url)` a picture's (listed only where it is absolute)."""
    update_url = update_url or (lambda update: permalink(address, update))
    media_url = media_url or media_address()
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": story.full_headline,
        "inLanguage": "en",
        "dateModified": iso_seconds(story.last_updated_at),
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
    }
    optional = {
        "description": story.dek,
        "url": address,
        "mainEntityOfPage": address,
        "datePublished": iso_seconds(story.published_at),
        "coverageStartTime": iso_seconds(story.published_at),
        "coverageEndTime": iso_seconds(story.ended_at),
        "author": [_person(byline) for byline in bylines_of(story)],
        "keywords": [tag.name for tag in story.tags.all()],
    }
    data.update({key: value for key, value in optional.items() if value})
    data["liveBlogUpdate"] = []
    for update in updates:
        if update.is_retracted:
            headline = f"UPDATE {update.number} (retracted)"
            body = f"This update was retracted: {update.retraction_reason}"
            modified = update.retracted_at
        else:
            headline = f"UPDATE {update.number}"
            body = plain_text(update.body_html)
            modified = update.edited_at or update.published_at
        posting = {
            "@type": "BlogPosting",
            "headline": headline,
            "url": update_url(update),
            "datePublished": iso_seconds(update.timestamp),
            "dateModified": iso_seconds(modified or update.timestamp),
            "articleBody": body,
        }
        if not update.is_retracted and update.picture_data:
            posting["image"] = [image_object(f, media_url) for f in update.figures]
        data["liveBlogUpdate"].append(posting)
    return data


def live_json_ld(story: Story, address: str, absolute, newest=None) -> SafeString:
    """The live article's LiveBlogPosting, for search engines: the story and its
    LIVE_JSON_LD_UPDATES newest updates (`newest`, newest first, when the page already holds
    them), each at its permalink (`absolute(path)` makes a path absolute). Rendered with the
    page, so it is as current as the page."""
    if newest is None:
        newest = story.updates.for_readers(newest_first=True)[:LIVE_JSON_LD_UPDATES]
    newest = list(newest)[:LIVE_JSON_LD_UPDATES]
    data = json_ld(
        story, newest, address, lambda update: absolute(update.get_absolute_url()), absolute
    )
    return json_for_script(data)


def json_for_script(data) -> SafeString:
    """JSON that is safe inside <script type="application/ld+json">: no literal <, > or &."""
    text = json.dumps(data, ensure_ascii=False, indent=1).translate(_JSON_SCRIPT_ESCAPES)
    return mark_safe(text)  # noqa: S308 - every character that could end the element is escaped
