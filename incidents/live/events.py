"""A story's changes as readers receive them: rendered once with the partial the page uses, and
encoded once as a Server-Sent Events frame (the stream) or a <template> (the poll)."""

import re
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join

from incidents.models import Change, Story

HEARTBEAT = b": heartbeat\n\n"
LINE_BREAK = re.compile(r"\r\n|\r|\n")
UPDATE_KINDS = {
    Change.Kind.PUBLISHED,
    Change.Kind.EDITED,
    Change.Kind.RETRACTED,
    Change.Kind.PINNED,
}
SEQUENCE = re.compile(r"[0-9]{1,18}")


def parse_sequence(raw: str, newest: int) -> int:
    """A reader's resume point. Malformed, or beyond the story's log, means from the start."""
    raw = raw.strip()
    if not SEQUENCE.fullmatch(raw):
        return 0
    value = int(raw)
    return value if value <= newest else 0


@dataclass(frozen=True, slots=True)
class Event:
    """One change, rendered once and encoded once as a Server-Sent Events frame."""

    sequence: int
    kind: str
    html: str
    frame: bytes


def encode_frame(sequence: int, kind: str, html: str) -> bytes:
    # SSE ends a field at any of CR, LF or CRLF, so each line of the HTML gets its own `data:`;
    # the browser joins them back with LF.
    lines = LINE_BREAK.split(html.strip())
    data = "".join(f"data: {line}\n" for line in lines)
    return f"id: {sequence}\nevent: {kind}\n{data}\n".encode()


def render_change(change: Change, story: Story) -> str:
    """The HTML a reader's page swaps in for one change: the update partial, or the header."""
    if change.kind in UPDATE_KINDS and change.update is not None:
        update = change.update
        update.story = story  # the partial reads the story's timezone
        return render_to_string("incidents/update.html", {"update": update, "story": story})
    return render_to_string("incidents/story.html#story-header", {"story": story})


def render_events(story: Story, changes) -> list[Event]:
    events = []
    for change in changes:
        html = render_change(change, story)
        events.append(
            Event(
                change.sequence, change.kind, html, encode_frame(change.sequence, change.kind, html)
            )
        )
    return events


def render_batch(story: Story, events: list[Event]) -> str:
    """The poll fallback's fragment: the same events, each in a <template> the page applies."""
    items = format_html_join(
        "",
        '<template data-kind="{}" data-sequence="{}">{}</template>',
        ((event.kind, event.sequence, event.html) for event in events),
    )
    return format_html(
        '<div class="live-batch" data-sequence="{}" data-state="{}">{}</div>',
        story.sequence,
        story.state,
        items,
    )


def changes_after(story: Story, sequence: int):
    return story.changes_since(sequence).select_related("update")


def load_story(pk: int) -> Story:
    return Story.objects.prefetch_related("bylines").get(pk=pk)


def load_events(pk: int, after: int) -> list[Event]:
    """The story's events after `after`, from the database."""
    story = load_story(pk)
    return render_events(story, changes_after(story, after))
