"""What a hub keeps of one watched story to replay reconnecting readers without a query."""

from collections import OrderedDict

from incidents import timefmt
from incidents.live.events import HEADER, Event, encode_frame


class ReplayMemory:
    """The rendered events of a story's last `limit` changes, one per subject: an update's newest
    event replaces its older ones, so a replay never carries text that was since edited or
    retracted, and equals the database's replay byte for byte (events.database_replay).

    `after(cursor)` is complete for every cursor from `floor` up to the newest sequence added.
    """

    def __init__(self, floor: int, limit: int):
        self.floor = floor
        self.limit = limit
        self.newest = floor
        self.timezone: str | None = None  # what the events' times were rendered in
        # The day (in that zone) they were rendered on: an update's time shows its date unless
        # it is from that day, so what was rendered yesterday is not replayed today.
        self.day = None
        self._events: OrderedDict[int, Event] = OrderedDict()
        self._sequence_of: dict[str, int] = {}

    def covers(self, cursor: int) -> bool:
        current = self.day is None or self.day == timefmt.today(self.timezone or "UTC")
        return current and self.floor <= cursor <= self.newest

    def after(self, cursor: int) -> list[Event]:
        return [event for sequence, event in self._events.items() if sequence > cursor]

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
        day = timefmt.today(timezone or "UTC")
        if self.day is not None and day != self.day:
            self.restart(self.newest)  # rendered on another day: dates now show differently
        self.timezone = timezone
        self.day = day
        pinned = {event.subject for event in events if event.pinned}
        if pinned:
            # Pinning one update unpins the other in the same change, without a change of its
            # own: what was rendered of it (pinned) no longer matches the database.
            stale = [
                e.sequence for e in self._events.values() if e.pinned and e.subject not in pinned
            ]
            self.restart(max(stale, default=0))
        if self._events and any(event.sequence > self.newest for event in events):
            # Only the newest event carries the story's regions, as the database's replay has it.
            last = next(reversed(self._events))
            self._events[last] = self._events[last].without_regions()
        added = []
        for event in events:
            if event.sequence <= self.newest:
                continue
            added.append(event)
            replaced = self._sequence_of.get(event.subject)
            if replaced is not None:
                del self._events[replaced]
            self._events[event.sequence] = event
            self._sequence_of[event.subject] = event.sequence
            self.newest = event.sequence
        self.newest = max(self.newest, newest)
        self.floor = max(self.floor, self.newest - self.limit)
        self._trim()
        if header is not None and HEADER in self._sequence_of:
            # A replay shows the header as it reads now (its "last updated" time has moved).
            sequence = self._sequence_of[HEADER]
            kind = self._events[sequence].kind
            self._events[sequence] = Event(
                sequence, kind, header, encode_frame(sequence, kind, header), HEADER
            )
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
            if floor < event.sequence <= self.floor and event.subject not in self._sequence_of
        ]
        self._events = OrderedDict([*((e.sequence, e) for e in older), *self._events.items()])
        self._sequence_of.update((event.subject, event.sequence) for event in older)
        self.floor = floor
        self.timezone = timezone
        return True

    def _trim(self) -> None:
        while self._events:
            sequence, event = next(iter(self._events.items()))
            if sequence > self.floor:
                break
            del self._events[sequence]
            del self._sequence_of[event.subject]
