"""The article's timeline in pages, each update's HTML rendered once per change of it.

A story may run for weeks and thousands of updates. The article shows UPDATES_PER_PAGE of them
at a time, in its reading order (newest first: page 1 is the newest; oldest first: page 1 is the
first); the pinned update keeps its place (the article's summary box shows it above every page).
A page costs the same however long the story: one range of the `update_timeline` index, one
row longer than the page to learn whether another page follows. Nothing counts the story's
updates, so a page says "Page 3", not "of 167"; only `?page=last` and a permalink count,
through that index.

Each update's rendering through the update partial is kept in the cache under a key that names
everything the partial's output depends on (`update_cache_key`), so a change to one update
makes only that one render again, and the first reader after a change pays for one update, not
for the story.
"""

import hashlib
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.db.models import Q
from django.http import Http404
from django.template.loader import get_template, render_to_string
from django.utils.safestring import mark_safe

from incidents import timefmt
from incidents.models import Story, Update

UPDATES_PER_PAGE = 30
# A rendering is never stale under its key (see update_cache_key); the limit only frees the
# memory of updates nobody reads any more. Keys name the day, so a day's renderings go with it.
RENDERED_UPDATE_SECONDS = 24 * 60 * 60
UPDATE_TEMPLATE = "incidents/update.html"
# Far beyond any story (3 million updates), short of what a database's OFFSET takes.
MAX_PAGE = 100_000


@dataclass(frozen=True)
class PageOfUpdates:
    """Where a page sits among the others: what its links need."""

    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


@dataclass(frozen=True)
class TimelinePage:
    page: PageOfUpdates
    updates: list[Update]  # what the page shows, in its reading order
    live_end: bool  # the page where new updates arrive: the newest end of the timeline


def timeline_page(story: Story, newest_first: bool, number) -> TimelinePage:
    """Page `number` (as given, e.g. from `?page=`; "last" for the last) of the story's
    timeline, every update on it rendered; a 404 for a page that does not exist."""
    updates = story.updates.for_readers(newest_first)
    if number == "last":
        number = max(1, -(-updates.count() // UPDATES_PER_PAGE))
    number = _page_number(number)
    start = (number - 1) * UPDATES_PER_PAGE
    rows = list(updates[start : start + UPDATES_PER_PAGE + 1])
    if not rows and number > 1:
        raise Http404("No such page in this list.")
    page = PageOfUpdates(number, has_next=len(rows) > UPDATES_PER_PAGE)
    shown = rows[:UPDATES_PER_PAGE]
    timefmt.mark_new_days(shown, story.timezone)  # day headings between the page's updates
    render_updates(story, shown)
    live_end = number == 1 if newest_first else not page.has_next
    return TimelinePage(page, shown, live_end)


def _page_number(number) -> int:
    """A page number as `?page=` gives it: a whole number from 1, else a 404 (as
    incidents/paging.py answers), never an error and never another page under its address."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise Http404("No such page in this list.") from None
    if not 1 <= number <= MAX_PAGE:
        raise Http404("No such page in this list.")
    return number


def page_of(update: Update, newest_first: bool) -> int:
    """The number of the page that shows this published (or retracted) update, pinned or not.
    A draft is on no page: Http404."""
    if update.number is None or update.is_draft:
        raise Http404("No such update.")
    if newest_first:
        before = Q(timestamp__gt=update.timestamp) | Q(
            timestamp=update.timestamp, number__gt=update.number
        )
    else:
        before = Q(timestamp__lt=update.timestamp) | Q(
            timestamp=update.timestamp, number__lt=update.number
        )
    ahead = Update.objects.filter(story_id=update.story_id).for_readers().filter(before)
    return ahead.count() // UPDATES_PER_PAGE + 1


def update_cache_key(update: Update, story: Story, today: date, templates: str) -> str:
    """The cache key of an update's rendering: everything its HTML depends on. Its revision (an
    edit: text, time, status, key event), its state (a retraction), the flags the admin may
    change without a new revision (pinned, key event, status, time), the story's timezone,
    today's date in that zone (times not of today carry their date) and the templates' version
    (a deploy)."""
    parts = (
        update.revision,
        update.state,
        update.pinned,
        update.key_event,
        update.status_label,
        update.timestamp.isoformat(),
        story.timezone,
        today.isoformat(),
        templates,
    )
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
    return f"reader:update:{update.pk}:{digest}"


def render_updates(story: Story, updates: list[Update], *, permalinks: bool = False) -> None:
    """Give each update its `rendered_html` through the update partial, from the cache where
    it holds the rendering under the update's key (one read for them all), else rendered now
    and kept (one write for all that were missing). With `permalinks` (the embeddable widget,
    where "#update-N" would mean the frame) each "UPDATE N" links to its permalink instead."""
    today = timefmt.today(story.timezone)
    templates = templates_version() + (":permalinks" if permalinks else "")
    keys = {}
    for update in updates:
        update.story = story  # the partial reads the story's timezone; spare a query each
        keys[update_cache_key(update, story, today, templates)] = update
    kept = cache.get_many(list(keys))
    missing = {}
    for key, update in keys.items():
        html = kept.get(key)
        if html is None:
            html = missing[key] = str(
                render_to_string(
                    UPDATE_TEMPLATE, {"update": update, "story": story, "permalinks": permalinks}
                )
            )
        update.rendered_html = mark_safe(html)  # noqa: S308 - our own template's output
    if missing:
        cache.set_many(missing, RENDERED_UPDATE_SECONDS)


def templates_version() -> str:
    """A short digest of the update partial's source. The template loader keeps compiled
    templates, so this costs a few microseconds."""
    source = get_template(UPDATE_TEMPLATE).template.source
    return hashlib.blake2b(source.encode(), digest_size=8).hexdigest()
