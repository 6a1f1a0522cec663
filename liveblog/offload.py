"""Synchronous work of the readers' async views, on a thread of its own.

The readers' paths run outside a per-request ThreadSensitiveContext (liveblog/middleware.py):
the little synchronous work every request does (the request signals) shares one thread. Work
that can take a while (a look-up in the database, a render after a change) must not hold that
thread up for everyone, so it gets a thread of its own, and gives its database connection back
(to the pool, on PostgreSQL) when it is done. Under Django's test client it runs on the test's
thread, as any view does, and leaves the test's transaction alone.
"""

from functools import wraps

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.db import connection


def giving_back_the_connection(function):
    @wraps(function)
    def run(*args):
        try:
            return function(*args)
        finally:
            if not connection.in_atomic_block:
                connection.close()

    return run


async def in_own_thread(function, *args):
    async with ThreadSensitiveContext():
        return await sync_to_async(giving_back_the_connection(function))(*args)
