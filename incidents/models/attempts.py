"""What webhook and push deliveries share: each attempt recorded on the delivery's row (its
`attempts`, `last_attempt_at`, `last_status`, `last_error`), and a failed one given the wait before
the next from the model's RETRY_DELAYS, or abandoned once they run out; and how the ones whose
task was lost are found."""

from datetime import timedelta

from django.db import models
from django.utils.timezone import now


class AttemptsQuerySet(models.QuerySet):
    def overdue(self, grace: timedelta = timedelta(minutes=2)):
        """Pending deliveries whose attempt is well past due: their task was lost (a worker
        killed mid-task, say) and they are queued again."""
        return self.filter(status=self.model.Status.PENDING, due_at__lt=now() - grace)


class Attempts:
    """Mixed into a delivery model with those fields, `due_at`, a `Status.ABANDONED` and a
    RETRY_DELAYS tuple."""

    RETRY_DELAYS: tuple[timedelta, ...] = ()

    def _attempted(self, status: int | None, error: str) -> None:
        self.attempts += 1
        self.last_attempt_at = now()
        self.last_status = status
        self.last_error = error[:300]

    def failed(self, *, status: int | None, error: str) -> timedelta | None:
        """Record a failed attempt; the wait before the next, or None when abandoned."""
        self._attempted(status, error)
        if self.attempts > len(self.RETRY_DELAYS):
            self.status = self.Status.ABANDONED
            wait = None
        else:
            wait = self.RETRY_DELAYS[self.attempts - 1]
            self.due_at = self.last_attempt_at + wait
        self.save()
        return wait
