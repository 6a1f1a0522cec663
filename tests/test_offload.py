"""The readers' slow work runs on a few threads kept for it (liveblog/offload.py): on SQLite each
keeps its database connection from one request to the next, since opening one cost the first
reader after a change about as much as the page's queries (issue 12); on PostgreSQL the
connection goes back to the process's pool."""

import asyncio
import contextlib
import threading

import pytest
from asgiref.sync import async_to_sync
from django.db import DatabaseError, connection, connections

from liveblog.offload import in_own_thread
from tests.test_production import production_env, run_manage

pytestmark = pytest.mark.django_db(transaction=True)


def leave_a_mark() -> str:
    """Makes a table only this connection sees; returns the thread's name."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS left_by_an_earlier_call (x)")
    return threading.current_thread().name


def mark_is_there() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_temp_master WHERE name = 'left_by_an_earlier_call'"
        )
        return cursor.fetchone()[0] == 1


def the_thread_and_its_connection():
    connection.ensure_connection()
    return threading.current_thread().name, connections["default"]  # this thread's, no proxy


async def twice(first, then):
    """Two calls in a row, as two readers' requests after each other: a pool of one thread."""
    return await in_own_thread(first), await in_own_thread(then)


@pytest.fixture
def one_thread(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from liveblog import offload

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader")
    monkeypatch.setattr(offload, "_threads", pool)
    yield
    pool.shutdown()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps its connection")
def test_on_sqlite_the_next_request_finds_the_connection_the_last_one_opened(one_thread):
    thread, found = asyncio.run(twice(leave_a_mark, mark_is_there))

    assert thread.startswith("reader")
    assert found, "the second call opened a new connection"


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL gives it back")
def test_on_postgresql_each_call_has_a_thread_of_its_own_and_gives_the_connection_back():
    thread, used = asyncio.run(in_own_thread(the_thread_and_its_connection))

    assert thread != threading.current_thread().name
    assert not thread.startswith("reader")
    assert used.connection is None, "the thread kept a connection of the process's pool"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite keeps connections")
def test_a_connection_that_failed_is_closed_not_kept_for_the_next_request(one_thread):
    def fail():
        with connection.cursor() as cursor, contextlib.suppress(DatabaseError):
            cursor.execute("SELECT * FROM no_such_table")
        return connections["default"]

    used = asyncio.run(in_own_thread(fail))

    assert used.errors_occurred
    assert used.connection is None


def test_under_the_test_client_the_work_runs_on_the_callers_thread():
    ran_on = async_to_sync(in_own_thread)(lambda: threading.current_thread())

    assert ran_on is threading.current_thread()


def test_a_pool_of_no_threads_stops_start_up_with_a_clear_message():
    result = run_manage("check", **production_env(READER_THREADS="0"))

    assert result.returncode != 0
    assert "READER_THREADS must be at least 1, not 0" in result.stderr
