"""This process's readers, reported for the desk's "N reading now" (models/audience.py sums
every process's reports).

The hub knows this process's open streams per story; the poll view notes each poll it answers
(`note_poll`: a counter under a lock, nothing more). Every LIVE_AUDIENCE_SECONDS a reporter on
the event loop takes both, keeps the polls of the last minute, and writes them in one
transaction on a thread of its own: one report per process per period, whatever the number of
readers, never one per connect or per poll. The reporter starts with the first reader after a
quiet spell, and stops after a report that had no reader left to count.
"""

import asyncio
import logging
import os
import secrets
import socket
import threading
from collections import Counter, deque

from django.conf import settings

from incidents.live.hub import current_hub
from incidents.models import ReaderCount
from liveblog.offload import in_own_thread

logger = logging.getLogger(__name__)

_polls: Counter = Counter()  # by story id, since the last report
_polls_lock = threading.Lock()  # polls are noted on the event loop and on request threads
_process: tuple[int, str] | None = None


def process_name() -> str:
    """This process, unique across hosts and restarts: host, process id and a random tag."""
    global _process
    if _process is None or _process[0] != os.getpid():
        _process = (os.getpid(), f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}")
    return _process[1]


def note_poll(story_pk: int) -> None:
    """A poll of the story answered here (from any thread)."""
    with _polls_lock:
        _polls[story_pk] += 1


def take_polls() -> Counter:
    global _polls
    with _polls_lock:
        taken, _polls = _polls, Counter()
    return taken


class Reporter:
    """Reports this process's counts every LIVE_AUDIENCE_SECONDS while it has readers."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self._task: asyncio.Task | None = None
        self._last_minute: deque[Counter] = deque()
        self._reported = False  # the last report named a story: the next must clear it

    def ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = self.loop.create_task(self._report_forever(), name="live-audience")

    def counts(self) -> dict[int, tuple[int, int]]:
        """{story id: (open streams, polls in the last minute)} of every story with either."""
        interval = max(settings.LIVE_AUDIENCE_SECONDS, 1)
        self._last_minute.append(take_polls())
        while len(self._last_minute) > max(1, round(60 / interval)):
            self._last_minute.popleft()
        polls = sum(self._last_minute, Counter())
        hub = current_hub()
        streams = hub.stream_counts() if hub is not None and hub.loop is self.loop else {}
        return {pk: (streams.get(pk, 0), polls[pk]) for pk in {*streams, *polls}}

    async def report(self) -> bool:
        """Write this process's counts; whether there was anyone to count."""
        counts = self.counts()
        if counts or self._reported:
            await in_own_thread(ReaderCount.objects.report, process_name(), counts)
        self._reported = bool(counts)
        return self._reported

    async def _report_forever(self) -> None:
        while True:
            await asyncio.sleep(settings.LIVE_AUDIENCE_SECONDS)
            try:
                if not await self.report():
                    self._last_minute.clear()
                    return  # nobody left: the next reader starts the reporter again
            except Exception:
                logger.exception("live audience: the report failed; trying again next time")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


_reporter: Reporter | None = None


def reporter() -> Reporter:
    """This process's reporter, bound to the running event loop, running."""
    global _reporter
    loop = asyncio.get_running_loop()
    if _reporter is None or _reporter.loop is not loop:
        _reporter = Reporter(loop)
    _reporter.ensure_running()
    return _reporter


async def stop_reporting() -> None:
    """Stop this loop's reporter, if it has one (a server's shutdown, a test's end)."""
    if _reporter is not None and _reporter.loop is asyncio.get_running_loop():
        await _reporter.stop()
