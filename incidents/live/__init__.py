"""Live delivery: one hub per server process fans each change out to that process's open streams.

A change travels from the database to readers like this:

1. A model method commits a `Change` row and bumps `Story.sequence` (on PostgreSQL it also sends
   NOTIFY in the same transaction).
2. The hub (`hub.py`) of every server process learns that a story's sequence grew: from LISTEN
   on PostgreSQL, or on SQLite from one query of the watched stories' sequences at most every
   `LIVE_SQLITE_POLL_SECONDS`.
3. It loads the new `Change` rows once, renders each event once with the partial the page uses
   and encodes it as a Server-Sent Events frame (`events.py`), and puts that same bytes object on
   the queue of every open stream of the story in this process (`stream.py`). Nothing is queried
   or rendered per stream.

Readers whose browser cannot keep a stream open poll instead (`poll.py`): the same events as a
fragment, answered from the story's cached head (`heads.py`) whenever nothing changed.
"""
