"""What a hub keeps of one watched story to replay reconnecting readers without a query."""

from collections import OrderedDict

from incidents.live.events import Event


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
        self._events: OrderedDict[int, Event] = OrderedDict()
        self._sequence_of: dict[str, int] = {}

    def covers(self, cursor: int) -> bool:
        return self.floor <= cursor <= self.newest

    def after(self, cursor: int) -> list[Event]:
        return [event for sequence, event in self._events.items() if sequence > cursor]

    def restart(self, floor: int) -> None:
        """Forget everything up to `floor` (events rendered under rules that no longer hold)."""
        self.floor = max(self.floor, floor)
        self.newest = max(self.newest, floor)
        self._trim()

    def add(self, events: list[Event], newest: int, timezone: str) -> list[Event]:
        """Events rendered together, with the story's sequence and timezone when they were;
        returns those that are new (the hub hands them out)."""
        if self.timezone is not None and timezone != self.timezone:
            # Every update shows its time in the story's timezone: what was rendered before the
            # change no longer matches the database.
            self.restart(self.newest)
        self.timezone = timezone
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
        return added

    def _trim(self) -> None:
        while self._events:
            sequence, event = next(iter(self._events.items()))
            if sequence > self.floor:
                break
            del self._events[sequence]
            del self._sequence_of[event.subject]
