"""The story's log: one `Change` row per thing readers (or the desk) should learn about."""

from django.conf import settings
from django.db import models
from django.utils.timezone import now

NOTIFY_CHANNEL = "liveblog_changes"


class Change(models.Model):
    """One entry in a story's log. `sequence` only grows; it is the id of the live event."""

    class Kind(models.TextChoices):
        PUBLISHED = "published", "Update published"
        EDITED = "edited", "Update edited"
        RETRACTED = "retracted", "Update retracted"
        PINNED = "pinned", "Pin changed"
        STORY = "story", "Story changed"
        ENDED = "ended", "Coverage ended"

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
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who made the change; empty for the system itself.",
    )
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
        if self.actor is None:
            return "the system"
        return self.actor.get_full_name() or self.actor.get_username()
