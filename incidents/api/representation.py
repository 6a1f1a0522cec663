"""Stories and updates as plain data: one shape for the JSON API and the JSON export.

The two differ in three things, each an argument rather than a second copy of the dicts: how a
time is written (the API in the story's zone, the export in UTC), the addresses (absolute on this
server, or under the export's base URL), and whose view it is (the desk's, which keeps a retracted
update's text and its author; or readers', which shows only what the article page shows).
"""

from collections.abc import Callable
from datetime import UTC, datetime

from django.http import HttpRequest
from django.urls import reverse

from incidents import timefmt
from incidents.models import Story, Update

TimeFormat = Callable[[datetime], str]


def utc_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def story_time(story: Story) -> TimeFormat:
    """ISO 8601 in the story's zone; in UTC where that zone's offset then was not whole minutes
    (Liberia's until 1972, say), which RFC 3339 cannot write."""
    zone = timefmt.zone(story.timezone)

    def written(moment: datetime) -> str:
        local = moment.astimezone(zone)
        offset = local.utcoffset()
        if offset is not None and offset.total_seconds() % 60:
            local = moment.astimezone(UTC)
        return local.isoformat()

    return written


def _or_none(time: TimeFormat, moment: datetime | None) -> str | None:
    return time(moment) if moment else None


def picture_json(figure, absolute: Callable[[str], str]) -> dict:
    """A picture (a `Figure`, or a `Picture`'s figure) with the address of each rendition;
    `absolute` makes a storage URL absolute."""
    return {
        "id": figure.id,
        "alt": figure.alt,
        "caption": figure.caption,
        "credit": figure.credit,
        "width": figure.width,
        "height": figure.height,
        "renditions": [
            {
                "url": absolute(r["url"]),
                "width": r["width"],
                "height": r["height"],
                "format": r["format"],
            }
            for r in figure.renditions
        ],
    }


def update_data(
    update: Update,
    *,
    time: TimeFormat,
    url: str | None,
    readers=False,
    absolute: Callable[[str], str] = str,
) -> dict:
    withdrawn = readers and update.is_retracted  # readers see the notice, not the text
    edited = update.edited_at if not readers or update.was_edited else None
    author = None if readers else update.author
    return {
        "number": update.number,
        "state": update.state,
        "body": None if withdrawn else update.body,
        "html": None if withdrawn else update.body_html,
        "timestamp": time(update.timestamp),
        "status_label": update.status_label,
        "key_event": update.key_event,
        "pinned": update.pinned,
        "revision": update.revision,
        "published_at": _or_none(time, update.published_at),
        "edited_at": _or_none(time, edited),
        "retracted_at": _or_none(time, update.retracted_at),
        "retraction_reason": update.retraction_reason,
        "author": (author.get_full_name() or author.get_username()) if author else None,
        "url": url,
        "pictures": [] if withdrawn else [picture_json(f, absolute) for f in update.figures],
    }


def story_data(story: Story, *, time: TimeFormat, url: str | None) -> dict:
    return {
        "slug": story.slug,
        "headline": story.headline,
        "headline_suffix": story.headline_suffix,
        "full_headline": story.full_headline,
        "dek": story.dek,
        "intro": story.intro,
        "intro_html": story.intro_html,
        "state": story.state,
        "timezone": story.timezone,
        "reading_order": story.reading_order,
        "tags": [tag.name for tag in story.tags.all()],
        "bylines": [{"name": b.name, "title": b.title} for b in story.bylines.all()],
        "created_at": time(story.created_at),
        "published_at": _or_none(time, story.published_at),
        "last_updated_at": time(story.last_updated_at),
        "ended_at": _or_none(time, story.ended_at),
        "url": url,
    }


# --- as the API shows them ----------------------------------------------------------------


def _absolute(request: HttpRequest, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


def story_summary(request: HttpRequest, story: Story) -> dict:
    data = story_data(
        story,
        time=story_time(story),
        url=request.build_absolute_uri(story.get_absolute_url()),
    )
    data["feed_url"] = _absolute(request, "export:story_atom", slug=story.slug)
    data["export_url"] = _absolute(request, "export:story", slug=story.slug, fmt="html")
    data["api_url"] = _absolute(request, "api:story", slug=story.slug)
    return data


def story_json(request: HttpRequest, story: Story) -> dict:
    """The whole story with every update the desk sees: published, retracted and drafts."""
    updates = story.updates.select_related("author").order_by("number", "pk")
    data = story_summary(request, story)
    data["updates"] = [update_json(request, update, story) for update in _numbered_first(updates)]
    return data


def _numbered_first(updates):
    """UPDATE 1, 2, 3... then the drafts, which have no number yet (databases sort NULL apart)."""
    updates = list(updates)
    return [u for u in updates if u.number] + [u for u in updates if not u.number]


def update_json(request: HttpRequest, update: Update, story: Story) -> dict:
    update.story = story
    url = request.build_absolute_uri(update.get_absolute_url()) if update.number else None
    return update_data(update, time=story_time(story), url=url, absolute=request.build_absolute_uri)
