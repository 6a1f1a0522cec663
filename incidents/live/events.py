"""A story's changes as readers receive them: rendered once with the partial the page uses, and
encoded once as a Server-Sent Events frame (the stream) or a <template> (the poll).

A replay shows every update as it is now. Each change has a subject, the update it touched or
the story's header; a replay holds one event per subject, its newest, rendered from the current
rows. So text that was since edited or retracted is never sent again, and the hub's memory
(memory.py) and the database give a reconnecting reader the same bytes.

Every change moves the story's header on (its "last updated" time), and an edit may add to the
corrections log. So the newest event of each delivery and of each replay also carries the story's
regions as they read now (`render_regions`: the partial `live-regions` of the article, each
region an element with an id and `data-story-region`, which the page swaps in by id). A story
event (story, ended, withdrawn) is those regions and nothing else.
"""

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join

from incidents.models import Change, Story

logger = logging.getLogger(__name__)

HEARTBEAT = b": heartbeat\n\n"
LINE_BREAK = re.compile(r"\r\n|\r|\n")
UPDATE_KINDS = {
    Change.Kind.PUBLISHED,
    Change.Kind.EDITED,
    Change.Kind.RETRACTED,
    Change.Kind.PINNED,
}
HEADER = "story"  # the subject of story-wide changes
SEQUENCE = re.compile(r"[0-9]{1,18}")


def parse_cursor(raw: str | None) -> int | None:
    """A reader's resume point as sent (`Last-Event-ID`, `?cursor=`, `?since=`); None when absent
    or malformed."""
    if raw is None or not SEQUENCE.fullmatch(raw.strip()):
        return None
    return int(raw)


def replay_start(cursor: int | None, newest: int) -> int | None:
    """Where a replay may start: None (the reader must reset) when the cursor is missing, beyond
    the story's log, or more than `LIVE_REPLAY_MEMORY` changes behind. A replay is bounded."""
    if cursor is None or cursor > newest or newest - cursor > settings.LIVE_REPLAY_MEMORY:
        return None
    return cursor


@dataclass(frozen=True, slots=True)
class Event:
    """One change, rendered once and encoded once as a Server-Sent Events frame."""

    sequence: int
    kind: str
    html: str
    frame: bytes
    subject: str = HEADER
    pinned: bool = False  # the update shows as pinned
    # The update's own HTML, when `html` also carries the story's regions (the newest event).
    bare: str | None = None

    def without_regions(self) -> "Event":
        """This event once a newer one carries the story's regions."""
        if self.bare is None:
            return self
        frame = encode_frame(self.sequence, self.kind, self.bare)
        return Event(self.sequence, self.kind, self.bare, frame, self.subject, self.pinned)


def subject_of(change: Change) -> str:
    if change.kind in UPDATE_KINDS and change.update_id is not None:
        return f"update-{change.update_id}"
    return HEADER


def encode_frame(sequence: int, kind: str, html: str) -> bytes:
    # SSE ends a field at any of CR, LF or CRLF, so each line of the HTML gets its own `data:`;
    # the browser joins them back with LF.
    lines = LINE_BREAK.split(html.strip())
    data = "".join(f"data: {line}\n" for line in lines)
    return f"id: {sequence}\nevent: {kind}\n{data}\n".encode()


def reset_frame(sequence: int) -> bytes:
    """Tells the page to reload its timeline (its cursor is unknown or too old to replay). The id
    lets a plain EventSource that reconnects resume from here."""
    return f"id: {sequence}\nevent: reset\ndata: {sequence}\n\n".encode()


def render_change(change: Change, story: Story, regions: str) -> str:
    """The HTML a reader's page swaps in for one change: the update partial, or the story's
    regions."""
    if change.kind in UPDATE_KINDS and change.update is not None:
        update = change.update
        update.story = story  # the partial reads the story's timezone
        return render_to_string("incidents/update.html", {"update": update, "story": story})
    if not regions:
        raise ValueError("the story's regions could not be rendered")
    return regions


def top_of_story(story: Story) -> dict:
    """What the summary box and the key events list show: one query of two partial indexes."""
    pinned, key_events = story.top_of_article()
    return {"pinned": pinned, "key_events": key_events}


def render_regions(story: Story) -> str:
    """The story's regions as they read now: its header, its summary (the pinned update), its
    key events and its corrections log."""
    context = {"story": story, "corrections": story.corrections(), **top_of_story(story)}
    return render_to_string("incidents/story.html#live-regions", context)


def regions_or_none(story: Story) -> str | None:
    """The story's regions, or None (logged) when they cannot be rendered: the updates still go
    out."""
    try:
        return render_regions(story)
    except DatabaseError:
        raise
    except Exception:
        logger.exception("live: cannot render the regions of story %r", story.slug)
        return None


def render_events(story: Story, changes, regions: str | None = None) -> list[Event]:
    """One event per change, the newest also carrying the story's `regions` (rendered here when
    not given). A change that cannot be rendered is logged and skipped: one bad row must not
    hold up the rest of the story, nor any other story."""
    changes = list(changes)
    if not changes:
        return []
    if regions is None:
        regions = regions_or_none(story) or ""
    events = []
    for change in changes:
        try:
            html = render_change(change, story, regions)
        except DatabaseError:
            raise
        except Exception:
            logger.exception(
                "live: cannot render change %s (%s) of story %r; skipped",
                change.sequence,
                change.kind,
                story.slug,
            )
            continue
        frame = encode_frame(change.sequence, change.kind, html)
        pinned = bool(change.update and change.update.pinned and change.kind in UPDATE_KINDS)
        events.append(Event(change.sequence, change.kind, html, frame, subject_of(change), pinned))
    if events and regions and events[-1].subject != HEADER:
        newest = events[-1]
        html = format_html("{}\n{}", newest.html, regions)  # both our own templates' output
        frame = encode_frame(newest.sequence, newest.kind, html)
        events[-1] = Event(
            newest.sequence, newest.kind, html, frame, newest.subject, newest.pinned, newest.html
        )
    return events


def newest_per_subject(changes) -> list[Change]:
    """The newest change of each subject, in sequence order."""
    newest = {subject_of(change): change for change in changes}
    return sorted(newest.values(), key=lambda change: change.sequence)


def render_batch(sequence: int, state: str, events: list[Event], *, reset: bool = False) -> str:
    """The poll fallback's fragment: the same events, each in a <template> the page applies. A
    reset batch carries none: the page reloads its timeline."""
    items = format_html_join(
        "",
        '<template data-kind="{}" data-sequence="{}">{}</template>',
        ((event.kind, event.sequence, event.html) for event in events),
    )
    return format_html(
        '<div class="live-batch" data-sequence="{}" data-state="{}"{}>{}</div>',
        sequence,
        state,
        " data-reset" if reset else "",
        items,
    )


def load_story(pk: int) -> Story:
    """The story, with its bylines and tags from the cache while they stand."""
    return Story.objects.get(pk=pk).with_credits()


def changes_after(story: Story, sequence: int) -> list[Change]:
    """The story's changes after `sequence`, up to the sequence its row had when it was read: a
    change committed since is left for the next look, so that nothing is rendered with a
    story older than the change (a header event under an old headline)."""
    return list(story.changes_since(sequence).filter(sequence__lte=story.sequence))


def database_replay(pk: int, after: int) -> tuple[Story, list[Event]] | None:
    """The story and its replay after `after`, from the database as it is now; None when the
    story is gone or no longer public."""
    story = Story.objects.filter(pk=pk).first()
    if story is None or not story.is_public:
        return None
    story.with_credits()
    changes = newest_per_subject(changes_after(story, after)) if after < story.sequence else []
    return story, render_events(story, changes)
