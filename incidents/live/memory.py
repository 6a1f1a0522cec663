"""What a hub keeps of one watched story to replay reconnecting readers without a query."""

from collections import OrderedDict

from incidents.live.events import HEADER, Event


class ReplayMemory:
    """The rendered events of a story's last `limit` changes, one per subject: an update's newest
    event replaces its older ones, so a replay never carries text that was since edited or
    retracted, and equals the database's replay byte for byte (events.database_replay).

    `after(cursor)` is complete for every cursor from `floor` up to the newest sequence added.
    Events are kept by (sequence, place): the header sent along with an update's change shares
    that change's sequence and goes just before it (events.py).
    """

    def __init__(self, floor: int, limit: int):
        self.floor = floor
        self.limit = limit
        self.newest = floor
        self.timezone: str | None = None  # what the events' times were rendered in
        self._events: OrderedDict[tuple[int, int], Event] = OrderedDict()
        self._key_of: dict[str, tuple[int, int]] = {}

    def covers(self, cursor: int) -> bool:
        return self.floor <= cursor <= self.newest

    def after(self, cursor: int) -> list[Event]:
        return [event for (sequence, _), event in self._events.items() if sequence > cursor]

    def restart(self, floor: int) -> None:
        """Forget everything up to `floor` (events rendered under rules that no longer hold)."""
        self.floor = max(self.floor, floor)
        self.newest = max(self.newest, floor)
        self._trim()

    def add(
        self, events: list[Event], newest: int, timezone: str, header: str | None = None
    ) -> list[Event]:
        """Events rendered together, with the story's sequence, timezone and header when they
        were; returns those that are new (the hub hands them out)."""
        if self.timezone is not None and timezone != self.timezone:
            # Every update shows its time in the story's timezone: what was rendered before the
            # change no longer matches the database.
            self.restart(self.newest)
        self.timezone = timezone
        added = []
        start = self.newest
        for event in events:
            if event.sequence <= start:
                continue
            added.append(event)
            replaced = self._key_of.get(event.subject)
            if replaced is not None:
                del self._events[replaced]
            key = _key(event)
            self._events[key] = event
            self._key_of[event.subject] = key
            self.newest = event.sequence
        self.newest = max(self.newest, newest)
        self.floor = max(self.floor, self.newest - self.limit)
        self._trim()
        if header is not None and HEADER in self._key_of:
            # A replay shows the header as it reads now (its "last updated" time has moved).
            key = self._key_of[HEADER]
            self._events[key] = self._events[key].with_html(header)
        return added

    def backfill(self, events: list[Event], floor: int, sequence: int, timezone: str) -> bool:
        """Extend the memory back to `floor` with `events`: the database's replay after `floor`
        when the story's sequence was `sequence`. Only a replay of the very state the memory
        holds will do; returns whether it was taken."""
        consistent = (
            sequence == self.newest
            and timezone == (self.timezone or timezone)
            and all(event.sequence <= sequence for event in events)
        )
        if not consistent or floor >= self.floor:
            return False
        older = [
            event
            for event in events
            if floor < event.sequence <= self.floor and event.subject not in self._key_of
        ]
        self._events = OrderedDict([*((_key(e), e) for e in older), *self._events.items()])
        self._key_of.update((event.subject, _key(event)) for event in older)
        self.floor = floor
        self.timezone = timezone
        return True

    def _trim(self) -> None:
        while self._events:
            key, event = next(iter(self._events.items()))
            if key[0] > self.floor:
                break
            del self._events[key]
            del self._key_of[event.subject]


def _key(event: Event) -> tuple[int, int]:
    return (event.sequence, 0 if event.companion else 1)
