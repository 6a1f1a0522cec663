"""The hub's database work, run on its own thread: which watched stories changed, and their new
events, rendered once. One story's trouble stays with that story."""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection

from incidents.live.events import Event, changes_after, load_story, regions_or_none, render_events
from incidents.models import Change, Story

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Batch:
    """What the hub hands out for one story after one look at the database."""

    sequence: int  # the story's sequence: the hub has dealt with everything up to here
    events: list[Event] = field(default_factory=list)
    timezone: str = ""
    # The story's regions as they read now (events.render_regions): its header's "last
    # updated" time moves with every change.
    header: str | None = None
    # The story stopped being public: every stream of it ends now.
    gone: bool = False
    # More changes than a replay may hold: the streams end and their readers reset.
    too_many: bool = False
    # The story's state and slug when it was read ("" when it was not).
    state: str = ""
    slug: str = ""


def load_new_events(known: dict[int, int]) -> dict[int, Batch]:
    """A batch for each story in `known` whose sequence grew past `known[pk]` or that is no
    longer public, after one query of the stories' sequences and states."""
    heads = {
        pk: (sequence, state)
        for pk, sequence, state in Story.objects.filter(pk__in=known).values_list(
            "pk", "sequence", "state"
        )
    }
    batches = {}
    for pk, after in known.items():
        sequence, state = heads.get(pk, (after, Story.State.DRAFT))
        if state == Story.State.DRAFT:
            batches[pk] = Batch(sequence, gone=True)
        elif sequence > after:
            batches[pk] = load_batch(pk, after, sequence)
    return batches


def load_batch(pk: int, after: int, sequence: int) -> Batch:
    if sequence - after > settings.LIVE_REPLAY_MEMORY:
        return Batch(sequence, too_many=True)
    try:
        story = load_story(pk)
        if not story.is_public:
            return Batch(story.sequence, gone=True)
        changes = list(changes_after(story, after))
        if any(change.kind == Change.Kind.WITHDRAWN for change in changes):
            # Withdrawn and perhaps public again within one look: streams opened before the
            # withdrawal must not receive what was published while readers could not see it.
            return Batch(story.sequence, gone=True)
        header = regions_or_none(story)
        events = render_events(story, changes, header or "")
        return Batch(
            story.sequence, events, story.timezone, header, state=story.state, slug=story.slug
        )
    except DatabaseError:
        raise
    except Exception:
        # Not retried: the next look starts after `sequence`, so the story's later changes and
        # every other story still go out.
        logger.exception(
            "live hub: cannot load changes %s..%s of story %s; skipped", after + 1, sequence, pk
        )
        return Batch(sequence)


def listen_params() -> dict:
    """libpq parameters for the LISTEN connection, from the same settings Django connects with."""
    params = dict(connection.get_connection_params())
    for name in ("cursor_factory", "context", "prepare_threshold", "pool"):
        params.pop(name, None)
    return params


def close_connection() -> None:
    connection.close()


def close_connections(executor: ThreadPoolExecutor, threads: int) -> list:
    """Close the database connection of each of the executor's threads: `threads` tasks that
    wait for each other, so each runs on a thread of its own."""
    barrier = threading.Barrier(threads, timeout=5)

    def close() -> None:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        connection.close()

    return [executor.submit(close) for _ in range(threads)]
