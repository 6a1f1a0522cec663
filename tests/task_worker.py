"""Running queued background tasks inside a test, as the worker process would (issue 14), on
whichever backend the settings chose (TASKS_BACKEND: the database, or Redis through RQ).

Every test of background work carries `pytest.mark.tasks` (CI runs those again on RQ) and calls
`run_worker()` after the change it checks: it runs every task that is due, until none is left,
in the test's own thread and transaction. A test that moves the clock (time_machine) finds the
tasks due by then run, on either backend."""

from django.conf import settings


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


def lose_queued_tasks() -> None:
    """Every queued task vanishes, as when a worker dies holding one (or Redis loses its data)."""
    if on_rq():
        empty_task_redis()
    else:
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.all().delete()


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
