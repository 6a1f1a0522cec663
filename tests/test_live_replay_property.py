"""A property of every replay (issue 10, finding 3): over any sequence of publish, draft, edit,
retract, pin, key event and state changes, with the hub looking at the database after any of
them, the replay at every cursor is the same bytes from the hub's memory as from the database,
and neither carries text a reader may not see now."""

import itertools
import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, note
from hypothesis import settings as examples
from hypothesis import strategies as st

from incidents.live.changes import load_new_events
from incidents.live.events import database_replay, replay_start
from incidents.live.memory import ReplayMemory
from incidents.models import Story, Update
from tests.conftest import make_story

LIMIT = 4  # a small replay window, so that cursors fall both inside and outside it
TOKEN = re.compile(r"tok\d+")
counter = itertools.count()

index = st.integers(min_value=0, max_value=50)
operations = st.lists(
    st.tuples(
        st.one_of(
            st.tuples(st.just("publish")),
            st.tuples(st.just("draft")),
            st.tuples(st.just("publish_draft"), index),
            st.tuples(st.just("edit"), index),
            st.tuples(st.just("retract"), index),
            st.tuples(st.just("pin"), index, st.booleans()),
            st.tuples(st.just("key event"), index, st.booleans()),
            st.tuples(st.just("state"), st.sampled_from(["draft", "live", "ended"])),
            st.tuples(st.just("suffix")),
            st.tuples(st.just("timezone"), st.sampled_from(["Asia/Tokyo", "America/New_York"])),
        ),
        # After this one: nothing; the hub looks at the database; a replay thread starts
        # loading the replay window (as Replayer.backfill does); or one that started earlier
        # finishes, maybe after more changes, and offers what it loaded to the memory.
        st.sampled_from(["no", "look", "load window", "offer window"]),
    ),
    min_size=1,
    max_size=20,
)


def token() -> str:
    return f"tok{next(counter)}"


def perform(story: Story, operation: tuple, editor) -> None:
    name, *args = operation
    updates = list(story.updates.order_by("pk"))
    picks = args and isinstance(args[0], int)
    chosen = updates[args[0] % len(updates)] if updates and picks else None
    try:
        if name == "publish":
            story.publish_update(f"Update {token()}", by=editor)
        elif name == "draft":
            story.save_draft(f"Draft {token()}", by=editor)
        elif name == "publish_draft" and chosen:
            chosen.publish(by=editor)
        elif name == "edit" and chosen:
            chosen.edit(f"Edited {token()}", by=editor, expected_revision=chosen.revision)
        elif name == "retract" and chosen:
            chosen.retract(f"Retracted {token()}", by=editor)
        elif name == "pin" and chosen:
            chosen.set_pinned(args[1], by=editor)
        elif name == "key event" and chosen:
            chosen.edit(
                chosen.body, by=editor, expected_revision=chosen.revision, key_event=args[1]
            )
        elif name == "state":
            story.set_state(args[0], by=editor)
        elif name == "suffix":
            story.change_details(headline_suffix=f"UPDATE {next(counter)}", by=editor)
        elif name == "timezone":
            story.change_details(timezone=args[0], by=editor)
    except ValidationError:
        pass  # not allowed in this state: nothing changed


class HubMemory:
    """The hub's view of one story, driven exactly as Hub.publish drives it."""

    def __init__(self, pk: int):
        self.pk = pk
        self.memory: ReplayMemory | None = None

    def look(self) -> None:
        if self.memory is None:
            story = Story.objects.get(pk=self.pk)
            if story.is_public:  # a reader subscribes: the hub starts watching
                self.memory = ReplayMemory(story.sequence, LIMIT)
            return
        batch = load_new_events({self.pk: self.memory.newest}).get(self.pk)
        if batch is not None and (batch.gone or batch.too_many):
            self.memory = None  # every stream ended; the next reader starts afresh
        elif batch is not None:
            self.memory.add(batch.events, batch.sequence, batch.timezone, batch.header)

    def load_window(self) -> None:
        if self.memory is not None:
            floor = max(0, self.memory.newest - self.memory.limit)
            self.window = (floor, database_replay(self.pk, floor))

    def offer_window(self) -> None:
        floor, found = getattr(self, "window", (0, None))
        if self.memory is not None and found is not None:
            story, events = found
            self.memory.backfill(events, floor, story.sequence, story.timezone)


def visible_tokens(story: Story) -> set[str]:
    """The text a reader may see now: published updates that were not retracted, as they read."""
    if not story.is_public:
        return set()
    bodies = story.updates.filter(state=Update.State.PUBLISHED).values_list("body", flat=True)
    reasons = story.updates.filter(state=Update.State.RETRACTED).values_list(
        "retraction_reason", flat=True
    )
    return {match for text in [*bodies, *reasons] for match in TOKEN.findall(text)}


def check_every_cursor(hub: HubMemory, story: Story) -> None:
    story.refresh_from_db()
    visible = visible_tokens(story)
    memory = hub.memory
    caught_up = memory is not None and memory.newest == story.sequence
    for cursor in range(story.sequence + 1):
        if replay_start(cursor, story.sequence) is None:
            continue  # a reset, not a replay
        found = database_replay(story.pk, cursor)
        if not story.is_public:
            assert found is None
            continue
        _, from_database = found
        sent = b"".join(event.frame for event in from_database).decode()
        assert set(TOKEN.findall(sent)) <= visible, (cursor, sent)
        if caught_up and memory.covers(cursor):
            from_memory = [event.frame for event in memory.after(cursor)]
            assert from_memory == [event.frame for event in from_database], cursor


@pytest.mark.django_db
@examples(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=operations)
def test_replays_from_memory_and_database_agree_and_hold_only_visible_text(
    operations, editor, settings
):
    settings.LIVE_REPLAY_MEMORY = LIMIT
    note(f"operations: {operations!r}")
    story = make_story(headline="Property Story", slug=f"property-{next(counter)}")
    hub = HubMemory(story.pk)  # it starts watching at its first look, as with a first reader
    for operation, then in operations:
        perform(story, operation, editor)
        story.refresh_from_db()
        if then == "look":
            hub.look()
        elif then == "load window":
            hub.load_window()
        elif then == "offer window":
            hub.offer_window()
    hub.look()
    check_every_cursor(hub, story)


@pytest.mark.django_db
def test_the_memory_refuses_a_window_loaded_before_its_newest_change(editor):
    story = make_story(headline="Window Story", slug=f"window-{next(counter)}")
    updates = [story.publish_update(f"Update {token()}", by=editor) for _ in range(3)]
    hub = HubMemory(story.pk)
    hub.look()
    story.change_details(headline_suffix="UPDATE: first", by=editor)
    updates[0].retract(f"Retracted {token()}", by=editor)
    hub.look()
    floor = 0
    found = database_replay(story.pk, floor)  # a replay thread loads the window...
    updates[1].edit(f"Edited {token()}", by=editor, expected_revision=1)
    hub.look()  # ...while the hub moves on

    story_then, events = found
    before = hub.memory.after(hub.memory.floor)
    assert not hub.memory.backfill(events, floor, story_then.sequence, story_then.timezone)
    assert hub.memory.after(hub.memory.floor) == before and hub.memory.floor > floor
    now = database_replay(story.pk, floor)
    assert hub.memory.backfill(now[1], floor, now[0].sequence, now[0].timezone)
    check_every_cursor(hub, story)


@pytest.mark.django_db
def test_an_update_unpinned_by_pinning_another_is_not_replayed_as_pinned(editor, settings):
    settings.LIVE_REPLAY_MEMORY = 50
    story = make_story(headline="Pin Story", slug=f"pin-{next(counter)}")
    hub = HubMemory(story.pk)
    hub.look()
    first = story.publish_update(f"Update {token()}", by=editor)
    second = story.publish_update(f"Update {token()}", by=editor)
    first.set_pinned(True, by=editor)
    hub.look()
    second.set_pinned(True, by=editor)  # one change, for the second; the first is unpinned
    hub.look()

    check_every_cursor(hub, story)
