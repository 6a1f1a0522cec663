"""The story's log: one `Change` row per thing readers (or the desk) should learn about."""

from django.db import models
from django.dispatch import Signal
from django.utils.timezone import now

from incidents.models.people import person_name, who_acted

NOTIFY_CHANNEL = "liveblog_changes"

# Sent in the process that records a change (arguments: `pk`, `slug`, `sequence`, `kind`), so that
# what this process remembers of the story's head is dropped at once, and its webhooks and push
# notifications are queued. A
# head read again before the commit is kept at most `LIVE_POLL_HEAD_SECONDS`, which is also how
# late other processes may notice.
story_changed = Signal()


class Change(models.Model):
    """One entry in a story's log. `sequence` only grows; it is the id of the live event."""

    class Kind(models.TextChoices):
        PUBLISHED = "published", "Update published"
        EDITED = "edited", "Update edited"
        RETRACTED = "retracted", "Update retracted"
        PINNED = "pinned", "Pin changed"
        STORY = "story", "Story changed"
        ENDED = "ended", "Coverage ended"
        # Back to draft: readers lose the story, and every open stream of it ends, even if it is
        # public again by the time the hub looks.
        WITHDRAWN = "withdrawn", "Story withdrawn"

    story = models.ForeignKey("incidents.Story", on_delete=models.CASCADE, related_name="changes")
    sequence = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    update = models.ForeignKey(
        "incidents.Update",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="changes",
    )
    actor = who_acted(help_text="Who made the change; empty for the system itself.")
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["story", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["story", "sequence"], name="one_change_per_sequence")
        ]

    def __str__(self):
        return f"{self.story.slug}#{self.sequence} {self.kind}"

    @property
    def actor_name(self) -> str:
        return "the system" if self.actor is None else person_name(self.actor)
