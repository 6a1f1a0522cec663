"""django-tasks-rq's backend, as the settings use it when TASKS_BACKEND=rq.

RQ files a task to run later under its time in whole seconds, rounded down, and its scheduler
queues the task once that second has begun: it could start almost a second before its
`run_after`, find itself early (a webhook's next attempt checks that it is due) and do nothing.
Rounded up instead, a task never starts before its time."""

from datetime import timedelta

import django_tasks_rq


class RQBackend(django_tasks_rq.RQBackend):
    def enqueue(self, task, args, kwargs):
        if task.run_after is not None and task.run_after.microsecond:
            whole_second = task.run_after.replace(microsecond=0) + timedelta(seconds=1)
            task = task.using(run_after=whole_second)
        return super().enqueue(task, args, kwargs)
