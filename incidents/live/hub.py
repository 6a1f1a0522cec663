"""The hub: one per server process. It learns that a story's sequence grew, loads and renders
the new changes once (on one delivery thread it owns, with one connection: changes.py), and
hands the same bytes to every open stream of the story. Arriving readers' look-ups and replays
run on threads of their own (replays.py), so they never hold up delivery; it keeps each watched
story's recent events (memory.py) so that most replays need no query and no render. It starts
with the first stream and stops once the last one has gone (after `LIVE_HUB_IDLE_SECONDS`), or
when `stop()` is awaited.
"""

import asyncio
import contextlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import DatabaseError, connection

from incidents.live.changes import Batch, close_connection, listen_params, load_new_events
from incidents.live.collector import spare_the_streams_from_the_collector
from incidents.live.events import Event
from incidents.live.heads import StoryHead, find_public_story
from incidents.live.memory import ReplayMemory
from incidents.live.replays import Replayer
from incidents.live.subscription import BEAT, CLOSED, Subscription, Watched
from incidents.models import NOTIFY_CHANNEL

logger = logging.getLogger(__name__)


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.mode = "notify" if connection.vendor == "postgresql" else "poll"
        self._watched: dict[int, Watched] = {}
        self._slugs: dict[str, int] = {}  # of the watched stories
        self._executor: ThreadPoolExecutor | None = None  # delivery: one thread, one connection
        self._replayer = Replayer(loop)  # replays: never in delivery's way
        self._closing: asyncio.Task | None = None
        self._tasks: list[asyncio.Task] = []
        self._wake = asyncio.Event()
        self._dirty: set[int] = set()
        self._idle_timer: asyncio.TimerHandle | None = None
        self._round = asyncio.Event()  # set, and replaced, after each delivery round
        # Since when (time.monotonic()) changes have been waiting to go out; None when none are.
        self.behind_since: float | None = None

    # -- what views and tests see --

    @property
    def connections(self) -> int:
        """Open streams in this process."""
        return sum(len(watched.subscribers) for watched in self._watched.values())

    def stream_counts(self) -> dict[int, int]:
        """Open streams in this process, by story id (for the desk's "N reading now")."""
        return {pk: len(watched.subscribers) for pk, watched in self._watched.items()}

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    def stalled(self) -> str | None:
        """Why this hub has stopped delivering, if it has (for /healthz); None when it is well."""
        for task in self._tasks:
            if task.done():
                return f"the hub's {task.get_name()} task has stopped"
        if self.behind_since is not None:
            waiting = time.monotonic() - self.behind_since
            if waiting > settings.LIVE_HUB_STALL_SECONDS:
                return f"changes have waited {waiting:.0f} s for delivery"
        return None

    async def find_story(self, slug: str, cursor: int | None = None) -> StoryHead | None:
        """The public story's head. For a story this process already watches, from memory: a
        storm of arriving readers costs no query (issue 11). Otherwise, or when the reader's
        page is newer than what the hub has dealt with, read on a replay thread: arriving
        readers, however many, never hold up delivery."""
        watched = self._watched.get(self._slugs.get(slug, 0))
        if watched is not None and (cursor is None or cursor <= watched.memory.newest):
            return StoryHead(watched.pk, watched.memory.newest, watched.state)
        return await self._replayer.run(find_public_story, slug)

    def subscribe(self, head: StoryHead, slug: str = "") -> Subscription:
        """Start receiving every event of the story after `head.sequence` (or after what the hub
        already handed out, if that is older). Call before replaying, so nothing falls between.
        With its `slug`, the story's next readers are found without a query."""
        self._start()
        watched = self._watched.get(head.pk)
        if watched is None:
            memory = ReplayMemory(head.sequence, settings.LIVE_REPLAY_MEMORY)
            watched = self._watched[head.pk] = Watched(head.pk, memory, head.state)
            watched.last_sent = self.loop.time()
            # Anything committed since `head` was read is loaded at once, NOTIFY or not.
            self._mark_dirty(head.pk)
        if slug:
            self._slugs[slug] = head.pk
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
            self._unwatch(subscription.story_pk)
        if not self._watched and self.running:
            self._schedule_idle_stop()

    async def replay(self, head: StoryHead, after: int) -> list[Event] | None:
        """Events after `after`, each update as it is now; None when the story is no longer
        public. From the hub's memory once it has caught up with `head` (extended back over the
        replay window once, for every reader), else from the database."""
        watched = self._watched.get(head.pk)
        if watched is not None and await self._caught_up(watched, head.sequence):
            memory = watched.memory
            if after < memory.floor:
                await self._replayer.backfill(head.pk, memory)
            if self._watched.get(head.pk) is watched and memory.covers(after):
                return memory.after(after)
        found = await self._replayer.from_database(head.pk, after)
        return None if found is None else found[1]

    async def _caught_up(self, watched: Watched, sequence: int, timeout: float = 2.0) -> bool:
        """Whether the hub has dealt with the story up to `sequence`, waiting a little for it:
        until then its memory may still hold text that has since changed."""
        deadline = self.loop.time() + timeout
        while watched.memory.newest < sequence:
            remaining = deadline - self.loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._round.wait(), remaining)
            except TimeoutError:
                return False
        return self._watched.get(watched.pk) is watched

    async def run(self, function, *args):
        """Run ORM work on the hub's database thread."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-hub")
        try:
            return await self.loop.run_in_executor(self._executor, function, *args)
        except DatabaseError:
            # A dropped connection is reopened by the next call.
            await self.loop.run_in_executor(self._executor, close_connection)
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
        self._slugs.clear()
        self.behind_since = None
        if self._executor is not None:
            executor, self._executor = self._executor, None
            await self.loop.run_in_executor(executor, close_connection)
            executor.shutdown(wait=False)
        await self._replayer.stop()

    def abandon(self) -> None:
        """Close the hub's database connections from outside its event loop, which is gone (a
        new loop took over: the test client runs each request on a loop of its own). Without
        this, a hub's threads would keep their connections out of the process's pool for ever."""
        if self._executor is not None:
            executor, self._executor = self._executor, None
            executor.submit(close_connection)
            executor.shutdown(wait=False)
        self._replayer.abandon()

    # -- fan-out --

    def publish(self, pk: int, batch: Batch) -> None:
        """Hand the batch out to every stream of the story, all at once."""
        for _ in self._publishing(pk, batch):
            pass

    async def _publish_in_slices(self, pk: int, batch: Batch) -> None:
        """The same, letting the event loop run between slices of `LIVE_HAND_OUT_SLICE`
        streams: a request this process is serving (the editor's publish among them) waits for
        one slice of writes, not for thousands (issue 11). Each stream still gets its events in
        order: only this task hands events out."""
        for _ in self._publishing(pk, batch):
            await asyncio.sleep(0)

    def _publishing(self, pk: int, batch: Batch):
        watched = self._watched.get(pk)
        if watched is None:
            return
        if batch.gone or batch.too_many:
            # Gone: no update published afterwards may reach these readers. Too many: they
            # reconnect, and are told to reload their timeline.
            for subscription in watched.subscribers:
                self._close_subscription(subscription)
            self._unwatch(pk)
            if not self._watched and self.running:
                self._schedule_idle_stop()
            return
        if batch.state:
            watched.state = batch.state
        if batch.slug and self._slugs.get(batch.slug) != pk:
            self._forget_slugs(pk)
            self._slugs[batch.slug] = pk
        for event in watched.memory.add(batch.events, batch.sequence, batch.timezone, batch.header):
            yield from self._handing_out(watched, event)

    def _unwatch(self, pk: int) -> None:
        self._watched.pop(pk, None)
        self._forget_slugs(pk)

    def _forget_slugs(self, pk: int) -> None:
        for slug in [slug for slug, watched_pk in self._slugs.items() if watched_pk == pk]:
            del self._slugs[slug]

    def _hand_out(self, watched: "Watched", item) -> None:
        for _ in self._handing_out(watched, item):
            pass

    def _handing_out(self, watched: "Watched", item):
        """The same object to every stream of the story: no copy, no encoding per stream.
        Pauses (yields) after each slice of streams."""
        watched.last_sent = self.loop.time()
        size = settings.LIVE_HAND_OUT_SLICE
        for index, subscription in enumerate(list(watched.subscribers), 1):
            if not subscription.closed:
                try:
                    subscription.queue.put_nowait(item)
                except asyncio.QueueFull:
                    self._close_subscription(subscription)
            if index % size == 0:
                yield

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

    def notice(self, pk: int) -> None:
        """From any thread: the story `pk` has a committed change to deliver now. Only when the
        hub polls (SQLite); on PostgreSQL the NOTIFY comes at the same moment."""
        if self.mode == "poll" and pk in self._watched:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                self.loop.call_soon_threadsafe(self._mark_dirty, pk)

    def _mark_dirty(self, pk: int) -> None:
        self._dirty.add(pk)
        if self.behind_since is None:
            self.behind_since = time.monotonic()
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
                if pks and self.behind_since is None:
                    self.behind_since = time.monotonic()
            else:
                await self._wake.wait()
                self._wake.clear()
                pks, self._dirty = self._dirty & set(self._watched), set()
            if not pks:
                self._finish_round()
                continue
            known = {pk: self._watched[pk].memory.newest for pk in pks}
            try:
                batches = await self.run(load_new_events, known)
            except Exception:
                logger.exception("live hub: loading changes failed; retrying")
                for pk in pks:
                    self._dirty.add(pk)
                await asyncio.sleep(1)
                self._wake.set()
                continue
            for pk, batch in batches.items():
                await self._publish_in_slices(pk, batch)
            self._finish_round()

    def _finish_round(self) -> None:
        if not self._dirty:
            self.behind_since = None
        self._round.set()
        self._round = asyncio.Event()

    async def _listen_forever(self) -> None:
        import psycopg

        while True:
            try:
                params = listen_params()
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
        if watched is not None and sequence > watched.memory.newest:
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
            self._executor.submit(close_connection)
        self._closing = self.loop.create_task(self._replayer.stop(), name="live-replay-stop")


_hub: Hub | None = None


def get_hub() -> Hub:
    """This process's hub, bound to the running event loop."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        spare_the_streams_from_the_collector()
        if _hub is not None and (_hub.loop.is_closed() or not _hub.loop.is_running()):
            _hub.abandon()
        _hub = Hub(loop)
    return _hub


def current_hub() -> Hub | None:
    return _hub
