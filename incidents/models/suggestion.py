"""Readers' notes that something in a story is wrong, queued on the story desk."""

from django.db import models
from django.utils.timezone import now

from incidents.models.people import EDITORS_ONLY, actor, require, user_is_editor, who_acted


class CorrectionSuggestionQuerySet(models.QuerySet):
    def unresolved(self):
        return self.filter(resolved_at__isnull=True)

    def resolved(self):
        return self.filter(resolved_at__isnull=False)


class CorrectionSuggestion(models.Model):
    """A reader's note that something in the story is wrong, queued on the story desk."""

    story = models.ForeignKey(
        "incidents.Story", on_delete=models.CASCADE, related_name="suggestions"
    )
    message = models.TextField(max_length=2000)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=now)
    sender_key = models.CharField(max_length=64, blank=True, help_text="Hash of the sender address")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = who_acted()

    objects = CorrectionSuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["resolved_at", "-created_at"]

    def __str__(self):
        return f"Suggestion on {self.story.slug} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    def resolve(self, *, by=None) -> bool:
        """Mark the suggestion handled. False when someone else already had (theirs stands).
        Editors only: they decide what the story corrects."""
        require(by, user_is_editor(by), EDITORS_ONLY)
        marked = CorrectionSuggestion.objects.filter(pk=self.pk, resolved_at__isnull=True).update(
            resolved_at=now(), resolved_by=actor(by)
        )
        self.refresh_from_db()
        return bool(marked)
