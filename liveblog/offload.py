"""Synchronous work of the readers' async views, on threads of their own.

The readers' paths run outside a per-request ThreadSensitiveContext (liveblog/middleware.py):
the little synchronous work every request does (the request signals) shares one thread. Work
that can take a while (a look-up in the database, a render after a change) must not hold that
thread up for everyone. On SQLite it goes to a small pool of threads kept for it
(READER_THREADS), each keeping its database connection between calls (opening one costs about as
much as the render's queries). On PostgreSQL, where taking a connection from the process's pool
is cheap, each call gets a thread of its own, as asgiref gives one, and hands its connection back
to the pool when done. Under Django's test client (or any caller inside `async_to_sync`) it runs
on the caller's thread, as any view does, and leaves the test's transaction alone.
"""

from concurrent.futures import ThreadPoolExecutor
from functools import wraps

from asgiref.sync import AsyncToSync, ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.db import connection

_threads = ThreadPoolExecutor(max_workers=settings.READER_THREADS, thread_name_prefix="reader")


def giving_back_the_connection(function):
    @wraps(function)
    def run(*args):
        try:
            return function(*args)
        finally:
            if not connection.in_atomic_block and not _kept(connection):
                connection.close()

    return run


def _kept(connection) -> bool:
    """Whether a pool thread keeps its connection for its next call: SQLite's, unless it broke."""
    return connection.vendor == "sqlite" and not connection.errors_occurred


def under_async_to_sync() -> bool:
    """Whether a synchronous caller waits on this event loop (Django's test client, a management
    command): asgiref then runs thread-sensitive work on that caller's thread."""
    return getattr(AsyncToSync.executors, "current", None) is not None


async def in_own_thread(function, *args):
    if under_async_to_sync() or connection.vendor != "sqlite":
        async with ThreadSensitiveContext():
            return await sync_to_async(giving_back_the_connection(function))(*args)
    run = sync_to_async(
        giving_back_the_connection(function), thread_sensitive=False, executor=_threads
    )
    return await run(*args)
