"""Queueing background work that follows a change (webhooks, subscribers' emails, push), and
the sweep that finds deliveries whose task was lost.

With the queue kept in the database (django-tasks-db), a task is written in the change's own
transaction: it exists if and only if the change committed, a crash between the two loses
nothing, and the publish pays no commit of its own for it. Any other backend (Redis) is handed the
task once the change is committed, so that its worker never looks before the change is there."""

from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.tasks import Task
from django.utils.timezone import now
from django_tasks_db import DatabaseBackend

# How often a channel with deliveries still waiting looks for ones whose task was lost.
SWEEP_SECONDS = 5 * 60
# How long a process remembers whether anyone listens on a channel (`anyone_listening`).
LISTENING_SECONDS = 30


def queue_with_change(task: Task, *args) -> None:
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))


def anyone_listening(key: str, listeners) -> bool:
    """Whether `listeners` (a queryset: a story's subscribers, the active webhooks) has any row,
    remembered in the cache under `key` for LISTENING_SECONDS, so a change costs no query for it.
    Whoever adds or removes a listener deletes `key`; other processes, with a cache of their own,
    see it within LISTENING_SECONDS."""
    found = cache.get(key)
    if found is None:
        found = listeners.exists()
        cache.set(key, found, LISTENING_SECONDS)
    return found


def sweep_later(sweep: Task, key: str) -> None:
    """Queue `sweep` (a channel's task that queues again its deliveries whose task was lost: a
    worker killed mid-task) to run in SWEEP_SECONDS, unless this process queued one that has not
    run yet (`key`, in the cache for as long). The sweep calls this again while deliveries wait,
    so a lost task is found without waiting for the story's next change; a second sweep from
    another process queues nothing twice (each delivery's row says whether it is due)."""
    if cache.add(key, True, SWEEP_SECONDS):
        sweep.using(run_after=now() + timedelta(seconds=SWEEP_SECONDS)).enqueue()


def sweep_now(sweep: Task, key: str, requeue, waiting) -> int:
    """What a channel's `sweep` task does: `requeue()` its deliveries whose task was lost, and
    while any delivery is still `waiting` (a queryset), look again later. How many it queued."""
    cache.delete(key)
    requeued = requeue()
    if waiting.exists():
        sweep_later(sweep, key)
    return requeued
