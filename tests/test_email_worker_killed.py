"""A task worker killed in the middle of a batch of emails (issue 14, "Bad input and faults"): real
`manage.py db_worker` processes on the test database, a real SMTP server that takes its time over
each recipient, `kill -9` while it is mid-batch, then another worker. Every subscriber ends up
with each update exactly once."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from incidents.models import EmailBatch, EmailSubscriber
from incidents.models.subscriber import Subscription
from tests import live_server
from tests.smtp_server import smtp_server, text_of

# It starts the database queue's worker, `make run`'s.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("TASKS_BACKEND", "").strip() == "rq", reason="starts manage.py db_worker"
    ),
]

SITE = "https://live.example.com"
HOLD_SECONDS = 2  # how long a worker holds what it took on (EMAIL_CLAIM_SECONDS)


def start_worker(smtp_port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": live_server.test_database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "EMAIL_CLAIM_SECONDS": str(HOLD_SECONDS),
        "EMAIL_TIMEOUT_SECONDS": "1",  # a whole send stays within the hold
        "SITE_URL": SITE,
        "LOG_LEVEL": "WARNING",
    }
    env.pop("SQLITE_TEST_NAME", None)
    command = [
        sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.1",
        "--no-startup-delay", "--no-reload", "--verbosity", "0",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=live_server.ROOT, env=env)


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.05)


def test_a_worker_killed_mid_batch_leaves_each_subscriber_one_copy_of_each_update(editor, story):
    addresses = [f"reader{n}@example.org" for n in range(6)]
    for address in addresses:
        EmailSubscriber.confirm(Subscription(story.pk, address, "all"))
    workers = []
    with smtp_server() as (port, inbox):
        inbox.rcpt_delay = 0.4  # each email takes a while: the worker is killed between two
        try:
            update = story.publish_update("Power is back in the **north**.", by=editor)
            first = start_worker(port)
            workers.append(first)
            wait_for(
                lambda: len(inbox.messages) >= 2 and inbox.receiving > 0,
                30,
                "the first worker to be mid-batch",
            )
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
            delivered_before = len(inbox.messages)
            inbox.rcpt_delay = 0
            assert 2 <= delivered_before < len(addresses)

            second = start_worker(port)
            workers.append(second)
            wait_for(lambda: len(inbox.messages) >= len(addresses), 30, "every subscriber")
            time.sleep(HOLD_SECONDS + 2)  # room for any second copy to arrive: none may
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.terminate()
                    worker.wait(timeout=10)

        received = Counter(message["To"] for message in inbox.messages)
        assert received == dict.fromkeys(addresses, 1)
        for message in inbox.messages:
            assert f"UPDATE {update.number}" in message["Subject"]
            assert "Power is back in the north." in text_of(message)
    assert set(EmailBatch.objects.values_list("status", flat=True)) == {"sent"}
    assert EmailBatch.objects.count() == len(addresses)
