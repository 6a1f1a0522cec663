"""The hub: one per server process. It learns that a story's sequence grew, loads and renders
the new changes once (on one database thread it owns, with one connection), and hands the same
bytes to every open stream of the story. It starts with the first stream and stops once the last
one has gone (after `LIVE_HUB_IDLE_SECONDS`), or when `stop()` is awaited.
"""

import asyncio
import gc
import logging
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection

from incidents.live.events import Event, load_events
from incidents.live.heads import StoryHead, find_public_story
from incidents.models import NOTIFY_CHANNEL, Story

logger = logging.getLogger(__name__)


# --- work done on the hub's database thread -------------------------------------------------


def load_new_events(known: dict[int, int], check_sequences: bool) -> dict[int, list[Event]]:
    """Events newer than `known[pk]` for each story; with `check_sequences`, first one query of
    the stories' sequences tells which stories have any."""
    if check_sequences:
        current = dict(Story.objects.filter(pk__in=known).values_list("pk", "sequence"))
        grown = [pk for pk, sequence in current.items() if sequence > known[pk]]
    else:
        grown = list(known)
    return {pk: load_events(pk, known[pk]) for pk in grown}


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
        return await self.run(find_public_story, slug)

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
        subscription = Subscription(head.pk, asyncio.Queue(maxsize=settings.LIVE_QUEUE_LIMIT))
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
        return await self.run(load_events, pk, after)

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
        limit = settings.LIVE_REPLAY_MEMORY
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
        interval = settings.LIVE_SQLITE_POLL_SECONDS
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
                batches = await self.run(load_new_events, known, check)
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
            interval = settings.LIVE_HEARTBEAT_SECONDS
            await asyncio.sleep(interval / 4)
            moment = self.loop.time()
            for watched in list(self._watched.values()):
                if moment - watched.last_sent >= interval:
                    self._hand_out(watched, BEAT)

    # -- stopping when idle --

    def _schedule_idle_stop(self) -> None:
        self._cancel_idle_timer()
        self._idle_timer = self.loop.call_later(settings.LIVE_HUB_IDLE_SECONDS, self._stop_if_idle)

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
    thresholds = settings.LIVE_GC_THRESHOLDS
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
