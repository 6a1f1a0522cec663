"""A stream's place in the hub: its queue, and the two signals the hub may put on it besides
events."""

import asyncio
from dataclasses import dataclass, field


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
