"""Where background work is queued (issue 14, item 1): the database by default, Redis through RQ
when TASKS_BACKEND=rq, and what that changes for `make run` and for a worker that dies.

The tests that need RQ run on CI's pass over the task tests on that backend
(`TASKS_BACKEND=rq make test PYTEST_ARGS="-m tasks"`); on the database backend they are skipped."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils.timezone import now

from incidents import webhooks
from incidents.models import Change, Webhook, WebhookDelivery
from incidents.models.webhook import RETRY_DELAYS
from tests import live_server
from tests.task_worker import (
    RQWorker,
    only_on_rq,
    readme_command,
    running,
    worker_env,
)

ROOT = Path(__file__).resolve().parent.parent

# --- the backend is chosen from the environment ------------------------------------------------


def settings_of(environment: dict[str, str], *names: str) -> subprocess.CompletedProcess:
    """`manage.py shell` printing settings (or expressions of `settings.X`), in an environment
    with no task settings but these."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TASKS_BACKEND", "TASKS_REDIS_URL", "REDIS_URL"}
    }
    env.update(environment)
    code = "from django.conf import settings; " + "; ".join(
        f"print(repr({name if 'settings.' in name else f'settings.{name}'}))" for name in names
    )
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_tasks_are_kept_in_the_database_unless_the_environment_says_otherwise():
    result = settings_of({}, "TASKS")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(
        {
            "default": {
                "BACKEND": "django_tasks_db.DatabaseBackend",
                "QUEUES": ["default", "webhooks", "push"],
            }
        }
    )


def test_tasks_backend_rq_queues_the_same_queues_in_the_redis_of_redis_url():
    result = settings_of(
        {"TASKS_BACKEND": "rq", "REDIS_URL": "redis://cache.internal:6379/2"},
        "TASKS",
        "sorted(settings.RQ_QUEUES)",
        "{q['REDIS_CLIENT_KWARGS']['connection_pool'] for q in settings.RQ_QUEUES.values()}",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        repr(
            {
                "default": {
                    "BACKEND": "liveblog.rq_backend.RQBackend",
                    "QUEUES": ["default", "webhooks", "push"],
                }
            }
        ),
        "['default', 'push', 'webhooks']",
        "{<redis.connection.ConnectionPool(<redis.connection.Connection("
        "host=cache.internal,port=6379,db=2)>)>}",  # one pool, shared by every queue
    ]


def test_the_queue_can_have_a_redis_of_its_own():
    result = settings_of(
        {
            "TASKS_BACKEND": "rq",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "TASKS_REDIS_URL": "rediss://queue.internal:6380/0",
        },
        "RQ_QUEUES['webhooks']['REDIS_CLIENT_KWARGS']['connection_pool']",
        "CACHES['default']['LOCATION']",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "<redis.connection.ConnectionPool(<redis.connection.SSLConnection("
        "host=queue.internal,port=6380,db=0)>)>",
        "'redis://cache.internal:6379/0'",
    ]


def test_every_queue_shares_one_pool_of_redis_connections(settings):
    from django_rq.queues import get_queue

    from liveblog.redis_queues import rq_queues

    queues = rq_queues("redis://127.0.0.1:6379/15", ["default", "webhooks"], timeout=600)
    settings.RQ_QUEUES = queues

    pools = {get_queue(name).connection.connection_pool for name in queues}

    assert pools == {queues["default"]["REDIS_CLIENT_KWARGS"]["connection_pool"]}


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        (
            {"TASKS_BACKEND": "celery"},
            "TASKS_BACKEND must be one of database, rq, not 'celery'",
        ),
        (
            {"TASKS_BACKEND": "rq"},
            "TASKS_BACKEND=rq needs REDIS_URL (or TASKS_REDIS_URL) set",
        ),
        (
            {"TASKS_BACKEND": "rq", "TASKS_REDIS_URL": "127.0.0.1:6379"},
            "TASKS_REDIS_URL or REDIS_URL must be a redis:// URL, not '127.0.0.1:6379'",
        ),
    ],
)
def test_a_bad_task_setting_stops_start_up_with_one_line_naming_it(environment, message):
    result = settings_of(environment, "TASKS")

    assert result.returncode == 1
    assert result.stderr.strip() == f"liveblog: cannot start: {message}"


# --- RQ's worker ---------------------------------------------------------------------------------


def rq_workers() -> list:
    """The RQ workers that have said they listen, in this test run's Redis keys."""
    from django_rq.queues import get_queue
    from rq import Worker

    queue = get_queue(settings.TASK_QUEUES[0])
    return Worker.all(connection=queue.connection)


def wait_until(condition, timeout: float = 30, what: str = "it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout} s for {what}")


@pytest.mark.tasks
@only_on_rq
@pytest.mark.django_db(transaction=True)
def test_with_tasks_on_redis_make_run_starts_rqs_worker_and_stops_it_with_the_server():
    port = live_server.free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "run_demo", "--port", str(port)],
        cwd=ROOT,
        env=worker_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = []
    try:
        for line in server.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Stop the server with Ctrl+C."):
                break
        assert "Started the task worker (manage.py rqworker) beside the server" in lines, lines
        [worker] = wait_until(rq_workers, what="RQ's worker to say it listens")
        assert worker.queue_names() == settings.TASK_QUEUES
    finally:
        os.killpg(server.pid, signal.SIGINT)  # Ctrl+C, as in a terminal
        server.communicate(timeout=30)

    assert rq_workers() == []  # it stopped with the server, and said so


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver whose first call hangs until the test lets it go (a slow receiver), or
    answers `first`; then 200. It keeps each message's id and the status it answered (None for
    no answer)."""

    first: int | str = "hang"
    calls: list[dict] = []
    released = threading.Event()

    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers["Content-Length"]))
        call = {"id": self.headers["webhook-id"], "status": None, "at": now()}
        Receiver.calls.append(call)
        status = Receiver.first if len(Receiver.calls) == 1 else 200
        if status == "hang":
            Receiver.released.wait(60)
            return  # the caller is gone by now
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok")
        call["status"] = status

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    Receiver.first = "hang"
    Receiver.calls = []
    Receiver.released.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    Receiver.released.set()
    server.shutdown()


def test_the_readme_runs_rqs_worker_on_every_queue_with_its_scheduler():
    command = readme_command("rqworker")

    assert command[1:3] == ["manage.py", "rqworker"]
    assert command[3:] == [*settings.TASK_QUEUES, "--with-scheduler"]


@pytest.mark.tasks
@only_on_rq
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_leaves_it_to_the_next_and_it_is_delivered_once(
    receiver, editor, story
):
    from django_rq.queues import get_queue
    from rq.registry import clean_registries

    webhook = Webhook.create(url=receiver, events=["published"], by=editor)
    first_worker = RQWorker(WEBHOOK_ALLOW_LOOPBACK="1", WEBHOOK_TIMEOUT_SECONDS="30")
    try:
        first = story.publish_update("Engineers found the cause.", by=editor)
        wait_until(lambda: Receiver.calls, what="the receiver to be called")
        killed = first_worker.crash()  # SIGKILL, mid-request: the worker and its job's process
        assert len(killed) >= 2  # the worker, the job's process (and RQ's scheduler)
        wait_until(lambda: not any(running(pid) for pid in killed), what="them to die")
    finally:
        first_worker.stop()
    delivery = WebhookDelivery.objects.get(change__update=first)
    assert (delivery.status, delivery.attempts) == ("pending", 0)  # claimed, never finished
    # RQ, for its part, finds the job abandoned once its worker's heartbeat has run out (a
    # worker's upkeep, every ten minutes, an hour on here) and fails it: never run again.
    queue = get_queue(webhooks.QUEUE)
    [job_id] = queue.started_job_registry.get_job_ids(cleanup=False)
    with time_machine.travel(now() + timedelta(hours=1)):
        clean_registries(queue)
    assert job_id in queue.failed_job_registry
    assert job_id not in queue.get_job_ids()
    assert webhooks.deliver.get_result(job_id).status == "FAILED"

    # Later (the claim runs out WEBHOOK_TIMEOUT_SECONDS + a minute after it was taken, and a
    # delivery is overdue two minutes after that), another worker runs, and the next change
    # finds the lost delivery overdue and queues it again.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(due_at=now() - timedelta(minutes=3))
    second_worker = RQWorker(WEBHOOK_ALLOW_LOOPBACK="1", WEBHOOK_TIMEOUT_SECONDS="30")
    try:
        second = story.publish_update("Service is back.", by=editor)
        wait_until(
            lambda: WebhookDelivery.objects.filter(status="delivered").count() == 2,
            what="both updates to be delivered",
        )
    finally:
        second_worker.stop()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)
    first_id = delivery.message_id
    second_id = WebhookDelivery.objects.get(change__update=second).message_id
    calls = [(call["id"], call["status"]) for call in Receiver.calls]
    assert calls[0] == (first_id, None)  # the killed worker's call, never answered
    # The same message again (a receiver can tell by its id), answered: delivered once.
    assert sorted(calls[1:]) == sorted([(first_id, 200), (second_id, 200)])
    assert Change.objects.filter(story=story, kind="published").count() == 2
    assert webhook.deliveries.count() == 2


@pytest.mark.tasks
@only_on_rq
@pytest.mark.django_db(transaction=True)
def test_rqs_worker_runs_a_failed_delivery_again_once_it_is_due(receiver, editor, story):
    Webhook.create(url=receiver, events=["published"], by=editor)
    Receiver.first = 500
    worker = RQWorker(WEBHOOK_ALLOW_LOOPBACK="1", WEBHOOK_TIMEOUT_SECONDS="30")
    try:
        story.publish_update("Engineers found the cause.", by=editor)
        wait_until(lambda: Receiver.calls, what="the first attempt")
        delivery = wait_until(
            lambda: WebhookDelivery.objects.filter(attempts=1).first(), what="its record"
        )
        assert (delivery.status, delivery.last_status) == ("pending", 500)
        # The next attempt waits in RQ's schedule until it is due, five seconds on, and the
        # worker's scheduler queues it then.
        assert delivery.due_at - delivery.last_attempt_at == RETRY_DELAYS[0]
        due_at = delivery.due_at
        delivery = wait_until(
            lambda: WebhookDelivery.objects.filter(status="delivered").first(),
            what="the delivery",
        )
    finally:
        worker.stop()

    assert (delivery.attempts, delivery.last_status) == (2, 200)
    assert due_at <= Receiver.calls[1]["at"] < due_at + timedelta(seconds=10)
    assert [call["status"] for call in Receiver.calls] == [500, 200]
    assert Receiver.calls[0]["id"] == Receiver.calls[1]["id"]
