"""What an update said before each edit, and the conflict an edit meets when someone saved first."""

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from incidents.models.json_data import JSONData
from incidents.models.people import actor, who_acted


class StaleRevision(Exception):
    """An edit was based on a revision that someone else has already replaced."""

    def __init__(self, update, expected: int):
        super().__init__(f"update {update.pk} is at revision {update.revision}, not {expected}")
        self.update = update
        self.expected = expected


class Revision(models.Model):
    """The text an update had before an edit, who replaced it and when."""

    update = models.ForeignKey(
        "incidents.Update", on_delete=models.CASCADE, related_name="revisions"
    )
    # The update's story, kept here too: the corrections log reads a story's corrections by it
    # (the `revision_correction` index) without walking the story's updates.
    story = models.ForeignKey(
        "incidents.Story", on_delete=models.CASCADE, related_name="+", editable=False
    )
    revision = models.PositiveIntegerField(help_text="The revision number this text had.")
    body = models.TextField()
    edited_by = who_acted()
    edited_at = models.DateTimeField(default=now)
    is_correction = models.BooleanField(default=False)
    correction_note = models.TextField(max_length=1000, blank=True)
    # The update's pictures at this revision (`Update.picture_data`); a purged one is kept only
    # as {"id": ..., "removed": true}.
    pictures = JSONData(default=list, blank=True)

    class Meta:
        ordering = ["update", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["update", "revision"], name="one_row_per_revision")
        ]
        # The corrections log (`Story.corrections`) reads the story's few revisions that are
        # corrections, in order, never every update of a long story.
        indexes = [
            models.Index(
                fields=["story", "edited_at"],
                condition=Q(is_correction=True),
                name="revision_correction",
            )
        ]

    def __str__(self):
        return f"{self.update} r{self.revision}"

    @classmethod
    def keep(cls, update, *, by, at, **fields) -> "Revision":
        """The update as it is now, kept before `by` changes it at `at`."""
        fields.setdefault("pictures", update.picture_data)
        return cls.objects.create(
            update=update,
            story_id=update.story_id,
            revision=update.revision,
            body=update.body,
            edited_by=actor(by),
            edited_at=at,
            **fields,
        )
