"""Start-up checks that end in one clear line naming the problem, not a traceback."""

import sys
from concurrent.futures import ThreadPoolExecutor


def fail(message: str) -> None:
    print(f"liveblog: cannot start: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def _connect() -> str | None:
    from django.db import connection

    try:
        if connection.vendor == "postgresql":
            # Straight to the server, not through the pool: the pool would retry quietly for
            # its whole timeout and then report only that it got no connection.
            import psycopg

            from incidents.live.changes import listen_params

            psycopg.connect(**listen_params(), connect_timeout=10).close()
        else:
            connection.ensure_connection()
    except Exception as error:  # noqa: BLE001 - any failure to connect is reported the same way
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        return f"the database ({connection.vendor}) is unreachable: {first_line}"
    finally:
        connection.close()
    return None


def check_database() -> None:
    """Fail fast when the configured database can't be reached. Runs in a worker thread, so it
    is safe while a server's event loop is already running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        problem = pool.submit(_connect).result()
    if problem:
        fail(problem)
