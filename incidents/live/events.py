"""A story's changes as readers receive them: rendered once with the partial the page uses, and
encoded once as a Server-Sent Events frame (the stream) or a <template> (the poll).

A replay shows every update as it is now. Each change has a subject, the update it touched or
the story's header; a replay holds one event per subject, its newest, rendered from the current
rows. So text that was since edited or retracted is never sent again, and the hub's memory
(memory.py) and the database give a reconnecting reader the same bytes.

The header's event carries the top of the article: the header, the summary (the pinned update)
and the key events. A change of an update can move those on (a key event edited or retracted, a
pin), so the update's event is preceded by the header as it reads after the change: an event of
kind "header" under the same sequence, with no id of its own (a reader who loses the connection
between the two resumes before both). Its subject is the header's, so a replay still holds one.
"""

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

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
HEADER_KIND = "header"  # the header sent along with an update's change
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
    companion: bool = False  # the header sent along with the update's change of this sequence

    def with_html(self, html: str) -> "Event":
        frame = encode_frame(self.sequence, self.kind, html, with_id=not self.companion)
        return Event(self.sequence, self.kind, html, frame, self.subject, self.companion)


def subject_of(change: Change) -> str:
    if change.kind in UPDATE_KINDS and change.update_id is not None:
        return f"update-{change.update_id}"
    return HEADER


def encode_frame(sequence: int, kind: str, html: str, *, with_id: bool = True) -> bytes:
    # SSE ends a field at any of CR, LF or CRLF, so each line of the HTML gets its own `data:`;
    # the browser joins them back with LF.
    lines = LINE_BREAK.split(html.strip())
    data = "".join(f"data: {line}\n" for line in lines)
    id_line = f"id: {sequence}\n" if with_id else ""
    return f"{id_line}event: {kind}\n{data}\n".encode()


def reset_frame(sequence: int) -> bytes:
    """Tells the page to reload its timeline (its cursor is unknown or too old to replay). The id
    lets a plain EventSource that reconnects resume from here."""
    return f"id: {sequence}\nevent: reset\ndata: {sequence}\n\n".encode()


def render_change(change: Change, story: Story) -> str:
    """The HTML a reader's page swaps in for one change: the update partial, or the header."""
    if change.kind in UPDATE_KINDS and change.update is not None:
        update = change.update
        update.story = story  # the partial reads the story's timezone
        return render_to_string("incidents/update.html", {"update": update, "story": story})
    return render_header(story)


# What the header's event carries: the regions at the top of the article that any change may
# move on. The page swaps each by its id (static/js/live.js).
HEADER_REGIONS = (
    "incidents/story.html#story-header",
    "incidents/story.html#story-summary",
    "incidents/story.html#key-events",
)


def top_of_story(story: Story) -> dict:
    """What the summary box and the key events list show: two indexed queries."""
    pinned, key_events = story.top_of_article()
    return {"pinned": pinned, "key_events": key_events}


def render_header(story: Story) -> str:
    context = {"story": story, **top_of_story(story)}
    # Our own templates' output, each part escaped where it should be.
    return mark_safe("".join(render_to_string(name, context) for name in HEADER_REGIONS))  # noqa: S308


def render_events(story: Story, changes, header: str | None = None) -> list[Event]:
    """One event per change, and the header (`header`, or rendered here) just before the last
    update's event when no header event follows it. A change that cannot be rendered is logged
    and skipped: one bad row must not hold up the rest of the story, nor any other story."""
    events = []
    for change in changes:
        try:
            html = render_change(change, story)
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
        events.append(Event(change.sequence, change.kind, html, frame, subject_of(change)))
    if events and events[-1].subject != HEADER:
        header = header if header is not None else header_or_none(story)
        if header is not None:
            last = events[-1].sequence
            frame = encode_frame(last, HEADER_KIND, header, with_id=False)
            events.insert(-1, Event(last, HEADER_KIND, header, frame, HEADER, companion=True))
    return events


def header_or_none(story: Story) -> str | None:
    try:
        return render_header(story)
    except DatabaseError:
        raise
    except Exception:
        logger.exception("live: cannot render the header of story %r", story.slug)
        return None


def one_per_subject(events: list[Event]) -> list[Event]:
    """The newest event of each subject, in order (what the hub's memory keeps)."""
    newest = {event.subject: event for event in events}
    return [event for event in events if newest[event.subject] is event]


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
    return Story.objects.prefetch_related("bylines").get(pk=pk)


def changes_after(story: Story, sequence: int) -> list[Change]:
    """The story's changes after `sequence`, up to the sequence its row had when it was read: a
    change committed since is left for the next look, so that nothing is rendered with a
    story older than the change (a header event under an old headline)."""
    return list(story.changes_since(sequence).filter(sequence__lte=story.sequence))


def database_replay(pk: int, after: int) -> tuple[Story, list[Event]] | None:
    """The story and its replay after `after`, from the database as it is now; None when the
    story is gone or no longer public."""
    story = Story.objects.prefetch_related("bylines").filter(pk=pk).first()
    if story is None or not story.is_public:
        return None
    changes = newest_per_subject(changes_after(story, after)) if after < story.sequence else []
    return story, one_per_subject(render_events(story, changes))
