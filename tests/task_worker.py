"""Running queued background tasks inside a test, as the worker process would (issue 14).

Every test of background work calls `run_worker()` after the change it checks: it runs every task
that is due, until none is left, in the test's own thread and transaction."""


def run_worker():
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
