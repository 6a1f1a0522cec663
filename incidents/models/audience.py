"""How many read a story now: each server process's count, as it last reported it.

Every server process counts its own readers of each story (its hub's open streams, and the poll
requests it answered in the last minute) and reports them every LIVE_AUDIENCE_SECONDS
(incidents/live/audience.py), one row per story it has readers of. The desk sums the rows
reported within LIVE_AUDIENCE_FRESH_SECONDS: a process that stopped or was killed stops
reporting and drops out by itself, and its rows are deleted an hour later by any other's report.
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Sum
from django.utils import timezone

from incidents.models.story import Story

# Rows of a process silent this long are deleted by the next report of any process.
FORGOTTEN_AFTER = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ReadersNow:
    """A story's readers across every server process."""

    streams: int = 0  # open event streams
    polls: int = 0  # poll requests answered in the last minute

    @property
    def polling(self) -> int:
        """About how many readers those polls are: each asks every LIVE_POLL_SECONDS. Any
        poll at all is at least one reader."""
        per_reader = 60 / max(settings.LIVE_POLL_SECONDS, 1)
        return math.ceil(self.polls / per_reader)

    @property
    def total(self) -> int:
        return self.streams + self.polling


class ReaderCountQuerySet(models.QuerySet):
    def fresh(self):
        since = timezone.now() - timedelta(seconds=settings.LIVE_AUDIENCE_FRESH_SECONDS)
        return self.filter(reported_at__gte=since)

    def reading_now(self, stories) -> dict[int, ReadersNow]:
        """The fresh counts of these stories (or ids), summed over processes, by story id; one
        query however many stories and processes."""
        rows = (
            self.fresh()
            .filter(story__in=stories)
            .values("story")
            .annotate(streams=Sum("streams"), polls=Sum("polls"))
        )
        return {row["story"]: ReadersNow(row["streams"], row["polls"]) for row in rows}

    def report(self, process: str, counts: dict[int, tuple[int, int]]) -> None:
        """Process `process`'s counts now, `{story id: (streams, polls)}`: its rows become
        exactly these, in one transaction. A story deleted meanwhile is left out."""
        now = timezone.now()
        with transaction.atomic():
            known = set(Story.objects.filter(pk__in=counts).values_list("pk", flat=True))
            self.filter(process=process).exclude(story__in=known).delete()
            rows = [
                ReaderCount(process=process, story_id=pk, streams=streams, polls=polls,
                            reported_at=now)
                for pk, (streams, polls) in counts.items()
                if pk in known
            ]  # fmt: skip
            if rows:
                self.bulk_create(
                    rows,
                    update_conflicts=True,
                    unique_fields=["process", "story"],
                    update_fields=["streams", "polls", "reported_at"],
                )
            self.filter(reported_at__lt=now - FORGOTTEN_AFTER).delete()


class ReaderCount(models.Model):
    """One server process's readers of one story, as it last reported them."""

    process = models.CharField(max_length=200, help_text="Host, process id and a random tag.")
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="reader_counts")
    streams = models.PositiveIntegerField(default=0)
    polls = models.PositiveIntegerField(default=0, help_text="Poll requests in the last minute.")
    reported_at = models.DateTimeField(db_index=True)

    objects = ReaderCountQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["process", "story"], name="one_count_per_process")
        ]

    def __str__(self) -> str:
        return f"{self.story_id} in {self.process}: {self.streams} streams, {self.polls} polls"
