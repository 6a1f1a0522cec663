"""Running queued background tasks inside a test, as the worker process would (issue 14), on
whichever backend the settings chose (TASKS_BACKEND: the database, or Redis through RQ).

Every test of background work carries `pytest.mark.tasks` (CI runs those again on RQ) and calls
`run_worker()` after the change it checks: it runs every task that is due, until none is left,
in the test's own thread and transaction. A test that moves the clock (time_machine) finds the
tasks due by then run, on either backend (RQ keeps times to the second: travel a second past).

`RQWorker` is RQ's real worker in a process of its own, for tests of what a worker process does
(`only_on_rq`; such tests use `pytest.mark.django_db(transaction=True)`)."""

import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

only_on_rq = pytest.mark.skipif(
    os.environ.get("TASKS_BACKEND", "").strip() != "rq",
    reason='runs on the RQ backend: TASKS_BACKEND=rq make test PYTEST_ARGS="-m tasks"',
)


def on_rq() -> bool:
    return settings.TASKS_BACKEND == "rq"


def run_worker():
    if on_rq():
        _run_rq_worker()
    else:
        _run_db_worker()


def queued_tasks() -> list[str]:
    """The tasks waiting to run, now or later, by their module path, oldest first."""
    if on_rq():
        from rq.registry import ScheduledJobRegistry

        waiting = []
        for queue in _rq_queues():
            waiting += queue.get_jobs()
            scheduled = ScheduledJobRegistry(queue=queue).get_job_ids()
            waiting += [queue.fetch_job(job_id) for job_id in scheduled]
        return [job.func_name for job in sorted(waiting, key=lambda job: job.created_at)]
    from django_tasks_db.models import DBTaskResult

    ready = DBTaskResult.objects.filter(status="READY").order_by("enqueued_at")
    return list(ready.values_list("task_path", flat=True))


def lose_queued_tasks(named: str = "") -> None:
    """Every queued task vanishes, as when a worker dies holding one (or Redis loses its data);
    with `named` (a task's module path), only the tasks of that one."""
    if on_rq():
        if not named:
            empty_task_redis()
            return
        from rq.registry import ScheduledJobRegistry

        for queue in _rq_queues():
            scheduled = ScheduledJobRegistry(queue=queue)
            for job in [*queue.get_jobs(), *map(queue.fetch_job, scheduled.get_job_ids())]:
                if job is not None and job.func_name == named:
                    queue.remove(job)
                    scheduled.remove(job)
                    job.delete()
        return
    from django_tasks_db.models import DBTaskResult

    lost = DBTaskResult.objects.all()
    (lost.filter(task_path=named) if named else lost).delete()


def empty_task_redis() -> None:
    """Deletes this test run's keys in the tasks' Redis: tests/testenv.py gives the run a Redis
    database for tests and a key prefix (RQ_KEY_PREFIX) of its own, which runs side by side
    never share."""
    import django_rq
    from rq.defaults import RQ_KEY_PREFIX

    redis = django_rq.get_connection(settings.TASK_QUEUES[0])
    try:
        keys = list(redis.scan_iter(match=f"{RQ_KEY_PREFIX}:*", count=1000))
        if keys:
            redis.delete(*keys)
    finally:
        redis.close()


def _run_db_worker():
    """What `manage.py db_worker` does, until the queue holds nothing that is due: its own loop
    closes the database connection between tasks, which a test's transaction cannot survive."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    while (task := DBTaskResult.objects.ready().filter(backend_name="default").first()) is not None:
        task.claim("tests")
        worker.run_task(task)


def _rq_queues():
    from django_rq.queues import get_queues

    return get_queues(*settings.TASK_QUEUES)


def _run_rq_worker():
    """What `manage.py rqworker --with-scheduler --burst` does, in this process: RQ's scheduler
    moves the tasks that are due to their queue (it asks the clock, so a travelled clock counts),
    and a SimpleWorker runs each job here rather than in a forked process, so the task sees the
    test's transaction."""
    from rq import Queue
    from rq.scheduler import RQScheduler
    from rq.worker import SimpleWorker

    queues = _rq_queues()
    connection = queues[0].connection
    worker = SimpleWorker(queues, connection=connection, job_class=queues[0].job_class)
    scheduler = RQScheduler(queues, connection=connection)
    scheduler.prepare_registries([queue.name for queue in queues])
    try:
        while True:
            scheduler.enqueue_scheduled_jobs()
            found = Queue.dequeue_any(
                queues, None, connection=connection, job_class=worker.job_class
            )
            if found is None:
                return
            job, queue = found
            worker.execute_job(job, queue)
    finally:
        scheduler.connection.close()
        connection.close()


# --- RQ's worker in a process of its own ----------------------------------------------------------


def readme_command(name: str) -> list[str]:
    """The README's `.venv/bin/python manage.py <name> ...` line, to run as written."""
    readme = (ROOT / "README.md").read_text()
    [line] = re.findall(rf"^\s*\.venv/bin/python (manage\.py {name} .*)$", readme, re.MULTILINE)
    return [sys.executable, *shlex.split(line)]


def worker_env(**extra: str) -> dict[str, str]:
    """A worker process's environment: this test's database, this run's Redis keys
    (tests/testenv.py), and `extra`."""
    from tests.live_server import test_database_url

    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    env.pop("SQLITE_TEST_NAME", None)
    return env


class RQWorker:
    """The README's worker command (`manage.py rqworker <queues> --with-scheduler`), in a process
    group of its own, with `env` added to its environment."""

    def __init__(self, **env: str):
        self.process = subprocess.Popen(
            readme_command("rqworker"), cwd=ROOT, env=worker_env(**env), start_new_session=True
        )

    def crash(self) -> list[int]:
        """SIGKILL to the worker and every process it started, as when its machine dies: RQ runs
        each job in a process group of its own, which would otherwise carry on without it.
        Returns their process ids."""
        doomed = [self.process.pid, *descendants(self.process.pid)]
        for pid in doomed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()
        return doomed

    def stop(self) -> None:
        """As a service manager stops it: SIGTERM, and it finishes the job in hand."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.crash()


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(proc.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def running(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended
