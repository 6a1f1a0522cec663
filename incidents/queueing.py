"""Queueing background work that follows a change (webhooks, subscribers' emails).

With the queue kept in the database (django-tasks-db), a task is written in the change's own
transaction: it exists if and only if the change committed, a crash between the two loses
nothing, and the publish pays no commit of its own for it. Any other backend (Redis) is handed the
task once the change is committed, so that its worker never looks before the change is there."""

from django.db import transaction
from django.tasks import Task
from django_tasks_db import DatabaseBackend


def queue_with_change(task: Task, *args) -> None:
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))
