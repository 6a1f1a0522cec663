"""What has gone out to email subscribers (incidents/models/subscriber.py), and what is due.

Each subscriber's `sent_through` is the story's change sequence up to which it has been served.
Taking on a new email (an `EmailBatch`: one message to one subscriber, carrying the changes after
one sequence up to another) moves that cursor in the same transaction, so no second task can take
the same changes on again; the batch row then records whether the message went out. A worker
holds the batches it took on for EMAIL_CLAIM_SECONDS at a time, renewing the hold before each
send; a batch whose worker died is taken over once the hold runs out, and sent once.
Sending is in incidents/subscriber_mail.py.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils.timezone import now

from incidents.models.change import Change
from incidents.models.story import Story
from incidents.models.subscriber import EmailSubscriber

# After a failed attempt, the waits before the next ones; then the email is abandoned.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)


@dataclass(frozen=True)
class ChangeSeen:
    """A change of the story's log as a batch looks at it."""

    sequence: int
    kind: str
    update_id: int | None
    update_state: str | None
    key_event: bool


def changes_after(story_pk: int, after: int, through: int) -> list[ChangeSeen]:
    """The changes that may go out by email, in order: publications and the end of coverage."""
    rows = Change.objects.filter(
        story=story_pk,
        sequence__gt=after,
        sequence__lte=through,
        kind__in=[Change.Kind.PUBLISHED, Change.Kind.ENDED],
    ).values_list("sequence", "kind", "update_id", "update__state", "update__key_event")
    return [ChangeSeen(*row) for row in rows.order_by("sequence")]


class EmailBatchQuerySet(models.QuerySet):
    def claimable(self, at: datetime):
        """Waiting batches whose attempt is due and that no worker holds (or whose worker's hold
        ran out: it was killed, say)."""
        return self.filter(status=EmailBatch.Status.PENDING, due_at__lte=at).filter(
            models.Q(claimed_until__isnull=True) | models.Q(claimed_until__lt=at)
        )


class EmailBatch(models.Model):
    """One email to one subscriber: the story's changes after `after_sequence` up to
    `through_sequence` that the subscriber's choice includes, as they read when it is sent."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENT = "sent", "Sent"
        EMPTY = "empty", "Nothing left to send"  # every update in it was retracted meanwhile
        ABANDONED = "abandoned", "Abandoned"

    subscriber = models.ForeignKey(
        EmailSubscriber, on_delete=models.CASCADE, related_name="batches"
    )
    after_sequence = models.PositiveBigIntegerField()
    through_sequence = models.PositiveBigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField(default=now)
    claimed_by = models.CharField(max_length=40, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = EmailBatchQuerySet.as_manager()

    class Meta:
        ordering = ["subscriber", "through_sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "through_sequence"], name="one_email_per_range"
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="email_batch_due")]

    def __str__(self):
        return f"email {self.pk}: {self.status}"

    @staticmethod
    def hold_until() -> datetime:
        return now() + timedelta(seconds=settings.EMAIL_CLAIM_SECONDS)

    @classmethod
    def take_on(cls, story: Story, worker: str, limit: int = 100) -> list["EmailBatch"]:
        """New emails, held by `worker`, for subscribers of the story who have something to get
        and whose last email is at least EMAIL_BATCH_MINUTES old, up to `limit` subscribers at
        a time: chunk after chunk until one yields an email or none is left (a subscriber with
        nothing in its choice has its cursor moved on, and nothing made)."""
        while True:
            batches, looked_at = cls._take_on_chunk(story, worker, limit)
            if batches or not looked_at:
                return batches

    @classmethod
    def _take_on_chunk(cls, story: Story, worker: str, limit: int) -> tuple[list, int]:
        """One transaction: each subscriber's cursor moves to the story's sequence and, when
        anything there is for them, one batch is made. A second task running at the same time
        takes other subscribers, or none."""
        moment = now()
        window = moment - timedelta(minutes=settings.EMAIL_BATCH_MINUTES)
        with transaction.atomic():
            through = Story.objects.values_list("sequence", flat=True).get(pk=story.pk)
            waiting = EmailBatch.objects.filter(
                subscriber=models.OuterRef("pk"), status=EmailBatch.Status.PENDING
            )
            due = (
                EmailSubscriber.objects.filter(story=story, sent_through__lt=through)
                .filter(models.Q(last_sent_at__isnull=True) | models.Q(last_sent_at__lte=window))
                .exclude(models.Exists(waiting))
                .select_for_update(skip_locked=True)
                .order_by("pk")[:limit]
            )
            subscribers = list(due)
            if not subscribers:
                return [], 0
            lowest = min(subscriber.sent_through for subscriber in subscribers)
            changes = changes_after(story.pk, lowest, through)
            batches = []
            for subscriber in subscribers:
                after = subscriber.sent_through
                if any(c.sequence > after and subscriber.wants(c) for c in changes):
                    batches.append(
                        cls(
                            subscriber=subscriber,
                            after_sequence=after,
                            through_sequence=through,
                            claimed_by=worker,
                            claimed_until=cls.hold_until(),
                            due_at=moment,
                        )
                    )
                    subscriber.last_sent_at = moment
                subscriber.sent_through = through
            EmailSubscriber.objects.bulk_update(subscribers, ["sent_through", "last_sent_at"])
            cls.objects.bulk_create(batches)  # their keys are set (RETURNING, on both databases)
        return batches, len(subscribers)

    @classmethod
    def take_over(cls, worker: str, story: Story | None = None, limit: int = 100):
        """Batches due again (a retry) or left by a worker that died, now held by `worker`."""
        moment = now()
        with transaction.atomic():
            claimable = cls.objects.claimable(moment)
            if story is not None:
                claimable = claimable.filter(subscriber__story=story)
            pks = list(
                claimable.select_for_update(skip_locked=True)
                .order_by("due_at", "pk")
                .values_list("pk", flat=True)[:limit]
            )
            cls.objects.filter(pk__in=pks).update(claimed_by=worker, claimed_until=cls.hold_until())
        return list(cls.objects.filter(pk__in=pks, claimed_by=worker).select_related("subscriber"))

    def renew(self, worker: str) -> bool:
        """Whether `worker` still holds this batch (another may have taken it over after the
        hold ran out); if so, held again from now, for one attempt at sending it."""
        return bool(
            EmailBatch.objects.filter(
                pk=self.pk, status=self.Status.PENDING, claimed_by=worker
            ).update(claimed_until=self.hold_until())
        )

    def sent(self, worker: str, update_ids: list[int]) -> None:
        """The message went out: recorded, and counted for each update it carried."""
        with transaction.atomic():
            done = EmailBatch.objects.filter(pk=self.pk, claimed_by=worker).update(
                status=self.Status.SENT,
                sent_at=now(),
                attempts=F("attempts") + 1,
                claimed_until=None,
                last_error="",
            )
            if done:
                UpdateEmailCount.count(update_ids)
        self.status = self.Status.SENT

    def empty(self, worker: str) -> None:
        """Nothing left to send (every update in it was retracted): nothing goes out."""
        EmailBatch.objects.filter(pk=self.pk, claimed_by=worker).update(
            status=self.Status.EMPTY, claimed_until=None
        )
        self.status = self.Status.EMPTY

    def failed(self, worker: str, error: str) -> timedelta | None:
        """A failed attempt: the wait before the next, or None when it is abandoned."""
        self.attempts += 1
        self.last_error = error[:300]
        if self.attempts > len(RETRY_DELAYS):
            self.status = self.Status.ABANDONED
            wait = None
        else:
            wait = RETRY_DELAYS[self.attempts - 1]
            self.due_at = now() + wait
        EmailBatch.objects.filter(pk=self.pk, claimed_by=worker).update(
            attempts=self.attempts,
            last_error=self.last_error,
            status=self.status,
            due_at=self.due_at,
            claimed_until=None,
        )
        return wait


class UpdateEmailCount(models.Model):
    """How many emails carried each update (the desk shows it); kept when subscribers leave."""

    update = models.OneToOneField(
        "incidents.Update", primary_key=True, on_delete=models.CASCADE, related_name="email_count"
    )
    sent = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.sent} emails"

    @classmethod
    def count(cls, update_ids: list[int]) -> None:
        """One more email for each of these updates."""
        if not update_ids:
            return
        cls.objects.bulk_create([cls(update_id=pk) for pk in update_ids], ignore_conflicts=True)
        cls.objects.filter(update_id__in=update_ids).update(sent=F("sent") + 1)

    @classmethod
    def for_updates(cls, updates) -> dict[int, int]:
        """Update id → emails sent, for these updates (the desk's timeline), in one query."""
        return dict(cls.objects.filter(update__in=updates).values_list("update_id", "sent"))

    @classmethod
    def for_story(cls, story: Story) -> dict[int, int]:
        """UPDATE number → emails sent, for the desk."""
        rows = cls.objects.filter(update__story=story).values_list("update__number", "sent")
        return dict(rows)
