"""A story as a file that lasts: standalone HTML, Markdown and JSON.

The HTML export is one self-contained document: the site's stylesheet and the export's own print
rules are inlined, there is no JavaScript, and nothing is fetched except the links the story itself
makes. Each update is rendered with the same partial the article page uses
(templates/incidents/update.html), so an update looks the same on the page and in the archive.

What goes in is what readers may see: published updates and the notices of retracted ones, in
the order they happened (an archive has no "pinned first"). Draft updates never go in, and a
retracted update's withdrawn text is not carried: only its notice, as on the page.

`base_url` ("https://news.example.com") makes the links back to the live story absolute. Without
one (a command run with no --base-url and no SITE_URL setting) the file simply leaves them out,
because a site-relative link is broken once the file is opened from disk.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import now

from incidents import timefmt
from incidents.api.representation import story_data, update_data, utc_time
from incidents.export_pictures import (
    embed_pictures,
    markdown_figure,
    media_address,
    picture_path,
)
from incidents.json_ld import bylines_of, json_for_script, json_ld, permalink
from incidents.models import Story, Update

# Its own stylesheet, not site.css: see the note at the top of static/css/export.css.
STYLESHEETS = ("css/export.css", "css/content.css")

# --- what goes in ------------------------------------------------------------------------------


def exported_updates(story: Story) -> list[Update]:
    """Published updates and retraction notices, oldest first; never drafts."""
    updates = list(story.updates.for_readers().order_by("timestamp", "number"))
    for update in updates:
        update.story = story  # the partial reads the story's timezone; spare a query each
    return updates


def key_events(updates: list[Update]) -> list[Update]:
    """The published key events among `updates`, newest first, as the article lists them."""
    return [u for u in reversed(updates) if u.key_event and u.is_published]


def site_address(base_url: str = "") -> str:
    """The live site's address without a trailing slash, or "" when none is known."""
    return (base_url or getattr(settings, "SITE_URL", "") or "").rstrip("/")


def story_url(story: Story, base_url: str = "") -> str:
    """The live story's absolute address, or "" when no base URL is known."""
    base_url = site_address(base_url)
    return f"{base_url}{story.get_absolute_url()}" if base_url else ""


# --- HTML -------------------------------------------------------------------------------------


def inline_stylesheet() -> SafeString:
    """The CSS files named in STYLESHEETS, read from the static files, for one <style> element."""
    parts = []
    for name in STYLESHEETS:
        path = finders.find(name)
        if not path:
            raise FileNotFoundError(f"static file {name} not found")
        with open(path, encoding="utf-8") as handle:
            parts.append(f"/* {name} */\n{handle.read().strip()}")
    css = "\n".join(parts)
    if "</" in css:
        raise ValueError("a stylesheet for the export contains '</', which would end <style>")
    # Our own files, checked above: they cannot end the <style> element, and HTML-escaping them
    # would break selectors such as "a > b".
    return mark_safe(css)  # noqa: S308


def export_html(story: Story, *, base_url: str = "", exported_at: datetime | None = None) -> str:
    updates = exported_updates(story)
    embed_pictures(updates)
    address = story_url(story, base_url)
    return render_to_string(
        "incidents/export/story.html",
        {
            "story": story,
            "updates": timefmt.mark_new_days(updates, story.timezone, lasting=True),
            "key_events": key_events(updates),
            # A file that lasts has no "today": every update time shows its date.
            "dated": True,
            "corrections": list(story.corrections()),
            "story_url": address,
            # Tags link to their pages on the site only when its address is known.
            "exporting": True,
            "site_address": site_address(base_url),
            "site_name": settings.SITE_NAME,
            "exported_at": exported_at or now(),
            "stylesheet": inline_stylesheet(),
            "json_ld": json_for_script(
                json_ld(story, updates, address, media_url=media_address(site_address(base_url)))
            ),
        },
    )


# --- Markdown ---------------------------------------------------------------------------------

# Backslash escapes for what Markdown would read as emphasis, strikethrough, code, links or a
# heading's end; "<" as an entity, since not every Markdown accepts "\<" and it would otherwise
# start raw HTML; "&" as an entity, so that "&amp;" typed in a tag or headline stays as typed.
_MARKDOWN_SPECIALS = str.maketrans(
    {**{c: f"\\{c}" for c in "\\`*_[]#~"}, "<": "&lt;", "&": "&amp;"}
)


def _md_text(text: str) -> str:
    """Plain text (a headline, a tag, a reason) escaped so Markdown shows it as typed, with no
    emphasis, strikethrough, code, link, HTML or entity in it."""
    return " ".join(text.split()).translate(_MARKDOWN_SPECIALS)


def export_markdown(
    story: Story, *, base_url: str = "", exported_at: datetime | None = None
) -> str:
    tz = story.timezone
    updates = exported_updates(story)
    address = story_url(story, base_url)
    lines = [f"# {_md_text(story.full_headline)}", ""]
    if story.dek:
        lines += [f"*{_md_text(story.dek)}*", ""]
    bylines = bylines_of(story)
    if bylines:
        people = [
            f"{_md_text(b['name'])}, {_md_text(b['title'])}" if b["title"] else _md_text(b["name"])
            for b in bylines
        ]
        lines += [f"By {'; '.join(people)}", ""]
    dates = []
    if story.published_at:
        dates.append(f"Published {timefmt.ap_datetime(story.published_at, tz)}")
    if story.has_been_updated:
        dates.append(f"Last updated {timefmt.ap_datetime(story.last_updated_at, tz)}")
    if story.ended_at:
        dates.append(f"Live coverage ended {timefmt.ap_datetime(story.ended_at, tz)}")
    if dates:
        lines += [" · ".join(dates), ""]
    if address:
        lines += [f"Live story: <{address}>", ""]
    if story.intro.strip():
        lines += [story.intro.strip(), ""]

    keys = key_events(updates)
    if keys:
        lines += ["## Key events", ""]
        for key in keys:
            text = f"UPDATE {key.number}, {timefmt.ap_datetime(key.timestamp, tz)}: "
            text += _md_text(key.short_title)
            # Linked to its permalink when the site's address is known (a heading's anchor
            # differs from one Markdown reader to the next).
            lines.append(f"- [{text}]({permalink(address, key)})" if address else f"- {text}")
        lines.append("")

    lines += ["## Updates", ""]
    if not updates:
        lines += ["No updates were published.", ""]
    for update in updates:
        heading = [f"UPDATE {update.number}", timefmt.ap_datetime(update.timestamp, tz)]
        if not update.is_retracted:
            if update.status_label:
                heading.append(update.get_status_label_display())
            if update.key_event:
                heading.append("Key event")
        lines += [f"### {' · '.join(heading)}", ""]
        if update.is_retracted:
            when = timefmt.ap_datetime(update.retracted_at, tz)
            reason = _md_text(update.retraction_reason)
            lines += [f"**This update was retracted** at {when}: {reason}", ""]
        else:
            lines += [update.body.strip(), ""]
            for figure in update.figures:
                lines += markdown_figure(story, figure, _md_text)
            if update.was_edited:
                lines += [f"*Updated {timefmt.ap_datetime(update.edited_at, tz)}*", ""]
        if address:
            lines += [f"[Permalink]({permalink(address, update)})", ""]

    corrections = list(story.corrections())
    if corrections:
        lines += ["## Corrections", ""]
        for correction in corrections:
            when = timefmt.ap_datetime(correction.edited_at, tz)
            note = _md_text(correction.correction_note)
            lines.append(f"- UPDATE {correction.update.number}, {when}: {note}")
        lines.append("")

    tags = [tag.name for tag in story.tags.all()]
    if tags:
        lines += [f"Tags: {', '.join(_md_text(t) for t in tags)}", ""]
    exported = timefmt.ap_datetime(exported_at or now(), tz)
    lines += ["---", "", f"*Exported {exported} from {_md_text(settings.SITE_NAME)}.*", ""]
    return "\n".join(lines)


def picture_files(story: Story) -> list[tuple[str, str]]:
    """(path beside the Markdown file, storage name) of every picture the export shows."""
    return [
        (picture_path(story, figure), figure.fallback["name"])
        for update in exported_updates(story)
        if not update.is_retracted
        for figure in update.figures
    ]


# --- JSON -------------------------------------------------------------------------------------

# 2: the story and update objects are the API's (incidents/api/representation.py), times in UTC;
# a retraction is `retracted_at` and `retraction_reason` on the update, as in the API.
JSON_EXPORT_VERSION = 2


def export_data(story: Story, *, base_url: str = "", exported_at: datetime | None = None) -> dict:
    """The story as plain data: the API's story and update objects as readers see them (no
    drafts, no withdrawn text), times in UTC, plus the corrections log."""
    tz = story.timezone
    address = story_url(story, base_url)
    updates = [
        {
            **update_data(
                update,
                time=utc_time,
                url=permalink(address, update),
                readers=True,
                absolute=media_address(site_address(base_url)),
            ),
            "time_display": timefmt.ap_time(update.timestamp, tz),
            "anchor": update.anchor,
        }
        for update in exported_updates(story)
    ]
    corrections = [
        {
            "update": correction.update.number,
            "note": correction.correction_note,
            "revision": correction.revision,
            "edited_at": utc_time(correction.edited_at),
        }
        for correction in story.corrections()
    ]
    data = story_data(story, time=utc_time, url=address or None)
    return {
        "format": "liveblog-story-export",
        "version": JSON_EXPORT_VERSION,
        "exported_at": utc_time(exported_at or now()),
        "site_name": settings.SITE_NAME,
        "story": {**data, "updates": updates, "corrections": corrections},
    }


def export_json(story: Story, *, base_url: str = "", exported_at: datetime | None = None) -> str:
    data = export_data(story, base_url=base_url, exported_at=exported_at)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- formats ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFormat:
    name: str
    extension: str
    content_type: str
    render: Callable[..., str]


FORMATS = {
    "html": ExportFormat("html", "html", "text/html; charset=utf-8", export_html),
    "md": ExportFormat("md", "md", "text/markdown; charset=utf-8", export_markdown),
    "json": ExportFormat("json", "json", "application/json", export_json),
}


def export_story(
    story: Story, fmt: str = "html", *, base_url: str = "", exported_at: datetime | None = None
) -> str:
    """The story in one of FORMATS, as text."""
    return FORMATS[fmt].render(story, base_url=base_url, exported_at=exported_at)


def export_filename(story: Story, fmt: str = "html") -> str:
    return f"{story.slug}.{FORMATS[fmt].extension}"
