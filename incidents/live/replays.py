"""The database work of arriving readers (the story look-up, the replay), on threads of their
own: it never waits for, nor delays, the hub's delivery thread, and at most
`LIVE_REPLAY_THREADS` queries of it run at once per process."""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import DatabaseError

from incidents.live.changes import close_connection, close_connections
from incidents.live.events import database_replay
from incidents.live.memory import ReplayMemory

logger = logging.getLogger(__name__)


class Replayer:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self._executor: ThreadPoolExecutor | None = None
        self._backfills: dict[int, asyncio.Future] = {}

    async def from_database(self, pk: int, after: int):
        """`events.database_replay(pk, after)`, on a replay thread."""
        return await self.run(database_replay, pk, after)

    async def run(self, function, *args):
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=settings.LIVE_REPLAY_THREADS, thread_name_prefix="live-replay"
            )
        try:
            return await self.loop.run_in_executor(self._executor, function, *args)
        except DatabaseError:
            # A dropped connection is reopened by the next call.
            await self.loop.run_in_executor(self._executor, close_connection)
            raise

    async def backfill(self, pk: int, memory: ReplayMemory) -> None:
        """Extend `memory` back over the whole replay window: rendered once, from the database,
        however many readers are waiting to replay it."""
        running = self._backfills.get(pk)
        if running is None:
            running = self._backfills[pk] = asyncio.ensure_future(self._backfill(pk, memory))
            running.add_done_callback(lambda _: self._backfills.pop(pk, None))
        await asyncio.shield(running)

    async def _backfill(self, pk: int, memory: ReplayMemory) -> None:
        floor = max(0, memory.newest - memory.limit)
        try:
            found = await self.from_database(pk, floor)
        except Exception:
            logger.exception("live: cannot load the replay window of story %s", pk)
            return
        if found is not None:
            story, events = found
            memory.backfill(events, floor, story.sequence, story.timezone)

    def abandon(self) -> None:
        """Close the replay threads' connections without the event loop (Hub.abandon)."""
        if self._executor is not None:
            executor, self._executor = self._executor, None
            close_connections(executor, settings.LIVE_REPLAY_THREADS)
            executor.shutdown(wait=False)

    async def stop(self) -> None:
        for running in list(self._backfills.values()):
            running.cancel()
        if self._executor is not None:
            executor, self._executor = self._executor, None
            closing = close_connections(executor, settings.LIVE_REPLAY_THREADS)
            await asyncio.gather(*(asyncio.wrap_future(future) for future in closing))
            executor.shutdown(wait=False)
