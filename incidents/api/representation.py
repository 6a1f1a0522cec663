"""Stories and updates as the API shows them. Times are ISO 8601 in the story's timezone."""

from datetime import UTC

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from incidents import timefmt
from incidents.models import Story, Update


def _absolute(request: HttpRequest, name: str, kwargs: dict, fallback: str) -> str:
    """The export and feed views belong to another area; should their URL names ever go, the
    API still answers with the paths issue 5 documents rather than failing."""
    try:
        path = reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        path = fallback
    return request.build_absolute_uri(path)


def _time(moment, story: Story) -> str | None:
    """In the story's zone; in UTC where that zone's offset then was not whole minutes (local
    mean time before 1900), which RFC 3339 cannot write."""
    if moment is None:
        return None
    local = moment.astimezone(timefmt.zone(story.timezone))
    offset = local.utcoffset()
    if offset is not None and offset.total_seconds() % 60:
        local = moment.astimezone(UTC)
    return local.isoformat()


def story_summary(request: HttpRequest, story: Story) -> dict:
    return {
        "slug": story.slug,
        "headline": story.headline,
        "headline_suffix": story.headline_suffix,
        "dek": story.dek,
        "intro": story.intro,
        "intro_html": story.intro_html,
        "state": story.state,
        "timezone": story.timezone,
        "tags": [tag.name for tag in story.tags.all()],
        "bylines": [{"name": b.name, "title": b.title} for b in story.bylines.all()],
        "created_at": _time(story.created_at, story),
        "published_at": _time(story.published_at, story),
        "last_updated_at": _time(story.last_updated_at, story),
        "ended_at": _time(story.ended_at, story),
        "url": request.build_absolute_uri(story.get_absolute_url()),
        "feed_url": _absolute(
            request, "export:story_atom", {"slug": story.slug}, f"/stories/{story.slug}/feed.atom"
        ),
        "export_url": _absolute(
            request,
            "export:story",
            {"slug": story.slug, "fmt": "html"},
            f"/stories/{story.slug}/export.html",
        ),
        "api_url": request.build_absolute_uri(reverse("api:story", kwargs={"slug": story.slug})),
    }


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
    author = update.author
    return {
        "number": update.number,
        "body": update.body,
        "html": update.body_html,
        "timestamp": _time(update.timestamp, story),
        "status_label": update.status_label,
        "key_event": update.key_event,
        "pinned": update.pinned,
        "state": update.state,
        "revision": update.revision,
        "published_at": _time(update.published_at, story),
        "edited_at": _time(update.edited_at, story),
        "retracted_at": _time(update.retracted_at, story),
        "retraction_reason": update.retraction_reason,
        "author": (author.get_full_name() or author.get_username()) if author else None,
        "url": request.build_absolute_uri(update.get_absolute_url()) if update.number else None,
    }
