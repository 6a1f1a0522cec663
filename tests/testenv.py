"""Loaded by pytest before Django (see addopts in pyproject.toml): the settings need these."""

import os
import tempfile
from pathlib import Path

# The checkout's .env (written by `make run`) is not read: tests, and the servers and commands
# they start, see only what the tests set, whether or not someone ran `make run` here.
os.environ.setdefault("LOCAL_ENV_FILE", "")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# A file, not SQLite's in-memory database: concurrency tests use several connections at once,
# and live-delivery tests start real server processes that must see the same data.
os.environ.setdefault(
    "SQLITE_TEST_NAME", str(Path(tempfile.gettempdir()) / f"liveblog-test-{os.getpid()}.sqlite3")
)
# Hashed static names need `collectstatic`; tests serve the source files as they are.
os.environ.setdefault("STATIC_MANIFEST", "0")
# The test process runs requests on many event loops (the test client takes a new one for each,
# AsgiClient one per test), and a live hub's threads keep their connections from the process's
# PostgreSQL pool: the suite needs more than one server process does. Production keeps its 20.
os.environ.setdefault("DATABASE_POOL_SIZE", "60")
# Tests talk plain HTTP to the test client and to local servers; production keeps these on.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
# On the RQ backend (TASKS_BACKEND=rq, as CI's third pass runs the task tests) tests use Redis
# database 15 and keys under a prefix of this run's own, which RQ reads when it is first
# imported: runs side by side never meet, and tests/conftest.py deletes this run's keys around
# every test (tests/task_worker.py).
if os.environ.get("TASKS_BACKEND", "").strip() == "rq":
    os.environ.setdefault("TASKS_REDIS_URL", "redis://127.0.0.1:6379/15")
    os.environ.setdefault("RQ_KEY_PREFIX", f"rq-test-{os.getpid()}")
