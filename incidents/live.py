"""Live delivery: one hub per server process fans each change out to that process's open streams.

A change travels from the database to readers like this:

1. A model method commits a `Change` row and bumps `Story.sequence` (on PostgreSQL it also sends
   NOTIFY in the same transaction).
2. The hub of every server process learns that a story's sequence grew: from LISTEN on
   PostgreSQL, or on SQLite from one query of the watched stories' sequences at most every
   `LIVE_SQLITE_POLL_SECONDS`.
3. It loads the new `Change` rows once, renders each event once with the partial the page uses,
   encodes it as a Server-Sent Events frame, and puts that same bytes object on the queue of
   every open stream of the story in this process. Nothing is queried or rendered per stream.
   Heartbeats come from the hub too, from one timer, so a stream has no timer of its own.

All database work of the hub, and the story look-up of each new stream, runs on one thread the
hub owns, with one database connection: thousands of readers arriving at once do not open
thousands of database connections. The hub starts with the first stream and stops once the last
one has gone (after `LIVE_HUB_IDLE_SECONDS`), or when `stop()` is awaited.
"""

import asyncio
import gc
import logging
import re
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join

from incidents.models import NOTIFY_CHANNEL, Change, Story

logger = logging.getLogger(__name__)

HEARTBEAT = b": heartbeat\n\n"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_UPDATE_KINDS = {
    Change.Kind.PUBLISHED,
    Change.Kind.EDITED,
    Change.Kind.RETRACTED,
    Change.Kind.PINNED,
}


_SEQUENCE = re.compile(r"[0-9]{1,18}")


def parse_sequence(raw: str, newest: int) -> int:
    """A reader's resume point. Malformed, or beyond the story's log, means from the start."""
    raw = raw.strip()
    if not _SEQUENCE.fullmatch(raw):
        return 0
    value = int(raw)
    return value if value <= newest else 0


def setting(name: str, default):
    return getattr(settings, name, default)


# --- events ---------------------------------------------------------------------------------


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
    lines = _LINE_BREAK.split(html.strip())
    data = "".join(f"data: {line}\n" for line in lines)
    return f"id: {sequence}\nevent: {kind}\n{data}\n".encode()


def render_change(change: Change, story: Story) -> str:
    """The HTML a reader's page swaps in for one change: the update partial, or the header."""
    if change.kind in _UPDATE_KINDS and change.update is not None:
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


# --- work done on the hub's database thread -------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoryHead:
    """What a new stream needs to know about its story before it subscribes."""

    pk: int
    sequence: int
    state: str


def _find_public_story(slug: str) -> StoryHead | None:
    row = Story.objects.public().filter(slug=slug).values_list("pk", "sequence", "state").first()
    return StoryHead(*row) if row else None


_heads: dict[str, tuple[float, StoryHead]] = {}


def public_story_head(slug: str) -> StoryHead | None:
    """The story's head for the poll fallback, read from the database at most every
    `LIVE_POLL_HEAD_SECONDS` per process: most polls are then answered without a query. The
    same staleness the hub's own poll has on SQLite."""
    cached = cached_story_head(slug)
    if cached is not None:
        return cached
    ttl = setting("LIVE_POLL_HEAD_SECONDS", 0.25)
    moment = time.monotonic()
    head = _find_public_story(slug)
    if head is None:
        _heads.pop(slug, None)
    elif ttl > 0:
        if len(_heads) > 10_000:
            _heads.clear()
        _heads[slug] = (moment, head)
    return head


def cached_story_head(slug: str) -> StoryHead | None:
    """The head read less than `LIVE_POLL_HEAD_SECONDS` ago, if any; never queries."""
    cached = _heads.get(slug)
    if cached is not None and time.monotonic() - cached[0] < setting(
        "LIVE_POLL_HEAD_SECONDS", 0.25
    ):
        return cached[1]
    return None


def forget_story_heads() -> None:
    _heads.clear()


def _load_events(pk: int, after: int) -> list[Event]:
    story = load_story(pk)
    return render_events(story, changes_after(story, after))


def _load_new_events(known: dict[int, int], check_sequences: bool) -> dict[int, list[Event]]:
    """Events newer than `known[pk]` for each story; with `check_sequences`, first one query of
    the stories' sequences tells which stories have any."""
    if check_sequences:
        current = dict(Story.objects.filter(pk__in=known).values_list("pk", "sequence"))
        grown = [pk for pk, sequence in current.items() if sequence > known[pk]]
    else:
        grown = list(known)
    return {pk: _load_events(pk, known[pk]) for pk in grown}


def _close_connection() -> None:
    connection.close()


# --- the hub ------------------------------------------------------------------------------


class Closed:
    """Put on a stream's queue when it fell too far behind: it ends, and the reader's browser
    reconnects with Last-Event-ID and is replayed from the database."""


CLOSED = Closed()


class Beat:
    """Put on the queues of a story's streams when nothing was sent to them for a while: the
    stream writes a heartbeat comment, so proxies and browsers keep it open."""


BEAT = Beat()


@dataclass(eq=False)
class Subscription:
    story_pk: int
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)
    closed: bool = False


@dataclass
class _Watched:
    """A story with open streams in this process."""

    known: int  # the newest sequence handed to the streams
    subscribers: set = field(default_factory=set)
    # Rendered events kept for replays, complete for every sequence after `recent_floor`.
    recent: OrderedDict = field(default_factory=OrderedDict)
    recent_floor: int = 0
    # When the streams were last sent anything (loop time): heartbeats go only to quiet stories.
    last_sent: float = 0.0


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.mode = "notify" if connection.vendor == "postgresql" else "poll"
        self._watched: dict[int, _Watched] = {}
        self._executor: ThreadPoolExecutor | None = None
        self._tasks: list[asyncio.Task] = []
        self._wake = asyncio.Event()
        self._dirty: set[int] = set()
        self._idle_timer: asyncio.TimerHandle | None = None

    # -- what views and tests see --

    @property
    def connections(self) -> int:
        """Open streams in this process."""
        return sum(len(watched.subscribers) for watched in self._watched.values())

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    async def find_story(self, slug: str) -> StoryHead | None:
        return await self.run(_find_public_story, slug)

    def subscribe(self, head: StoryHead) -> Subscription:
        """Start receiving every event of the story after `head.sequence` (or after what the hub
        already handed out, if that is older). Call before replaying, so nothing falls between."""
        self._start()
        watched = self._watched.get(head.pk)
        if watched is None:
            watched = self._watched[head.pk] = _Watched(known=head.sequence)
            watched.recent_floor = head.sequence
            watched.last_sent = self.loop.time()
            # Anything committed since `head` was read is loaded at once, NOTIFY or not.
            self._mark_dirty(head.pk)
        subscription = Subscription(
            head.pk, asyncio.Queue(maxsize=setting("LIVE_QUEUE_LIMIT", 500))
        )
        watched.subscribers.add(subscription)
        self._cancel_idle_timer()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscription.closed = True
        watched = self._watched.get(subscription.story_pk)
        if watched is None:
            return
        watched.subscribers.discard(subscription)
        if not watched.subscribers:
            del self._watched[subscription.story_pk]
        if not self._watched and self.running:
            self._schedule_idle_stop()

    async def replay(self, pk: int, after: int) -> list[Event]:
        """Events after `after`, from the hub's memory when it holds them all, else the database."""
        watched = self._watched.get(pk)
        if watched is not None and after >= watched.recent_floor:
            return [event for sequence, event in watched.recent.items() if sequence > after]
        return await self.run(_load_events, pk, after)

    async def run(self, function, *args):
        """Run ORM work on the hub's database thread."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-hub")
        try:
            return await self.loop.run_in_executor(self._executor, function, *args)
        except DatabaseError:
            # A dropped connection is reopened by the next call.
            await self.loop.run_in_executor(self._executor, _close_connection)
            raise

    async def stop(self) -> None:
        """Stop listening, end every stream, and close the hub's database connections."""
        self._cancel_idle_timer()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for watched in self._watched.values():
            for subscription in watched.subscribers:
                self._close_subscription(subscription)
        self._watched.clear()
        if self._executor is not None:
            executor, self._executor = self._executor, None
            await self.loop.run_in_executor(executor, _close_connection)
            executor.shutdown(wait=False)

    # -- fan-out --

    def publish(self, pk: int, events: list[Event]) -> None:
        watched = self._watched.get(pk)
        if watched is None:
            return
        limit = setting("LIVE_REPLAY_MEMORY", 200)
        for event in events:
            if event.sequence <= watched.known:
                continue
            watched.known = event.sequence
            watched.recent[event.sequence] = event
            while len(watched.recent) > limit:
                evicted, _ = watched.recent.popitem(last=False)
                watched.recent_floor = evicted
            self._hand_out(watched, event)

    def _hand_out(self, watched: "_Watched", item) -> None:
        """The same object to every stream of the story: no copy, no encoding per stream."""
        watched.last_sent = self.loop.time()
        for subscription in watched.subscribers:
            if subscription.closed:
                continue
            try:
                subscription.queue.put_nowait(item)
            except asyncio.QueueFull:
                self._close_subscription(subscription)

    @staticmethod
    def _close_subscription(subscription: Subscription) -> None:
        if subscription.closed:
            return
        subscription.closed = True
        queue = subscription.queue
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(CLOSED)

    # -- the listener --

    def _start(self) -> None:
        if self._tasks:
            return
        self._tasks.append(self.loop.create_task(self._deliver_forever(), name="live-deliver"))
        self._tasks.append(self.loop.create_task(self._beat_forever(), name="live-heartbeat"))
        if self.mode == "notify":
            self._tasks.append(self.loop.create_task(self._listen_forever(), name="live-listen"))

    def _mark_dirty(self, pk: int) -> None:
        self._dirty.add(pk)
        self._wake.set()

    async def _deliver_forever(self) -> None:
        interval = setting("LIVE_SQLITE_POLL_SECONDS", 0.25)
        while True:
            if self.mode == "poll":
                # On SQLite the sequences are polled for every watched story: one query a tick.
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=interval)
                except TimeoutError:
                    pass
                self._wake.clear()
                self._dirty.clear()
                pks = set(self._watched)
                check = True
            else:
                await self._wake.wait()
                self._wake.clear()
                pks, self._dirty = self._dirty & set(self._watched), set()
                check = False
            if not pks:
                continue
            known = {pk: self._watched[pk].known for pk in pks}
            try:
                batches = await self.run(_load_new_events, known, check)
            except Exception:
                logger.exception("live hub: loading changes failed; retrying")
                for pk in pks:
                    self._dirty.add(pk)
                await asyncio.sleep(1)
                self._wake.set()
                continue
            for pk, events in batches.items():
                self.publish(pk, events)

    async def _listen_forever(self) -> None:
        import psycopg

        while True:
            try:
                params = _listen_params()
                async with await psycopg.AsyncConnection.connect(**params, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    # Whatever was committed while we were not listening is loaded now.
                    for pk in self._watched:
                        self._mark_dirty(pk)
                    async for notify in conn.notifies():
                        self._on_notify(notify.payload)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("live hub: LISTEN connection lost; reconnecting")
                await asyncio.sleep(1)

    def _on_notify(self, payload: str) -> None:
        story, _, sequence = payload.partition(":")
        try:
            pk, sequence = int(story), int(sequence)
        except ValueError:
            return
        watched = self._watched.get(pk)
        if watched is not None and sequence > watched.known:
            self._mark_dirty(pk)

    async def _beat_forever(self) -> None:
        """Heartbeats for every stream from one timer, rather than a timer per stream re-armed
        after every event (thousands of timer handles per event). A story whose streams were
        sent nothing for `LIVE_HEARTBEAT_SECONDS` gets a heartbeat within a quarter of that."""
        while True:
            interval = setting("LIVE_HEARTBEAT_SECONDS", 15)
            await asyncio.sleep(interval / 4)
            moment = self.loop.time()
            for watched in list(self._watched.values()):
                if moment - watched.last_sent >= interval:
                    self._hand_out(watched, BEAT)

    # -- stopping when idle --

    def _schedule_idle_stop(self) -> None:
        self._cancel_idle_timer()
        self._idle_timer = self.loop.call_later(
            setting("LIVE_HUB_IDLE_SECONDS", 30), self._stop_if_idle
        )

    def _cancel_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None

    def _stop_if_idle(self) -> None:
        """Stop listening once no stream is left; the next stream starts the hub again."""
        self._idle_timer = None
        if self._watched:
            return
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if self._executor is not None:
            self._executor.submit(_close_connection)


def _spare_the_streams_from_the_collector() -> None:
    """Raise this process's garbage-collector thresholds (`LIVE_GC_THRESHOLDS`).

    Each fan-out makes a few short-lived objects per open stream (the ASGI message, the
    server's write). With the default thresholds the collector runs dozens of times during
    one event for 5,000 streams, and moves what is in flight at that moment to the older
    generations, which soon sets off a full collection: it walks every object of every open
    connection, half a second at 5,000 connections, while readers wait for the event. Rarer
    young collections let those objects die young. Measured with bench/fanout.py (10,000
    readers on 2 processes, SQLite, one run each): p99 790 ms with the defaults, 440 ms with
    these, and the same memory."""
    thresholds = setting("LIVE_GC_THRESHOLDS", (50_000, 50, 1_000))
    if thresholds and gc.get_threshold()[0] < thresholds[0]:
        gc.set_threshold(*thresholds)


def _listen_params() -> dict:
    """libpq parameters for the LISTEN connection, from the same settings Django connects with."""
    params = dict(connection.get_connection_params())
    for name in ("cursor_factory", "context", "prepare_threshold", "pool"):
        params.pop(name, None)
    return params


_hub: Hub | None = None


def get_hub() -> Hub:
    """This process's hub, bound to the running event loop."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        _spare_the_streams_from_the_collector()
        _hub = Hub(loop)
    return _hub


def current_hub() -> Hub | None:
    return _hub
