"""A stream's place in the hub: its queue, the two signals the hub may put on it besides
events, and the hub's record of each story with open streams."""

import asyncio
from dataclasses import dataclass, field

from incidents.live.memory import ReplayMemory


class Closed:
    """Put on a stream's queue when it must end: it fell too far behind (its reader's browser
    reconnects with Last-Event-ID and is replayed or reset), or its story stopped being public."""


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
class Watched:
    """A story with open streams in this process."""

    pk: int
    memory: ReplayMemory  # its `newest`: the newest sequence the hub has dealt with
    state: str  # the story's state as of `memory.newest`
    subscribers: set = field(default_factory=set)
    # When the streams were last sent anything (loop time): heartbeats go only to quiet stories.
    last_sent: float = 0.0
