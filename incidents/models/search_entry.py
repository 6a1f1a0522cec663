"""What readers can find: one searchable entry per story (headline; standfirst and intro) and one
per published update (its text), kept in step with the story's log.

Every change readers can see goes through `Story._record_change`, inside the transaction of the
method that makes it, and that hands the change to `SearchEntry.follow`: the entries change in
the same transaction, so a search never finds text the page no longer shows. Drafts are never
entered; a retracted update's entry is removed. Whether a story is public is read at search time,
so a story going back to draft disappears from results at once.

The index over these rows depends on the database (incidents/search.py): an FTS5 table on
SQLite, which triggers keep equal to this table; a GIN index on PostgreSQL.
"""

from django.db import models
from django.db.models import Q

from incidents.rendering import MATCH_END, MATCH_START, searchable_text

# The kinds of change (Change.Kind values) that touch an update's text or make it public.
_UPDATE_TEXT_CHANGES = {"published", "edited"}


def story_title(headline: str, suffix: str) -> str:
    """The full headline as the index holds it, without the characters search results mark
    their matches with (a headline cannot fake a highlight)."""
    title = f"{headline} ({suffix})" if suffix else headline
    return title.replace(MATCH_START, " ").replace(MATCH_END, " ")


def story_text(dek: str, intro_html: str) -> str:
    return " ".join(part for part in (dek, searchable_text(intro_html)) if part)


class SearchEntry(models.Model):
    story = models.ForeignKey(
        "incidents.Story", on_delete=models.CASCADE, related_name="search_entries"
    )
    # Empty for the story's own entry.
    update = models.OneToOneField(
        "incidents.Update",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="search_entry",
    )
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "search entries"
        constraints = [
            models.UniqueConstraint(
                fields=["story"], condition=Q(update=None), name="one_search_entry_per_story"
            )
        ]

    def __str__(self):
        return f"{self.story_id}:{self.update_id or 'story'}"

    @classmethod
    def follow(cls, story, kind: str, update=None) -> None:
        """Bring the entries in step with a change just logged. Call inside its transaction."""
        if update is None:
            title = story_title(story.headline, story.headline_suffix)
            body = story_text(story.dek, story.intro_html)
            cls._write(story, None, title=title, body=body)
        elif kind in _UPDATE_TEXT_CHANGES and update.is_published:
            cls._write(story, update, body=searchable_text(update.body_html))
        elif not update.is_published:
            cls.objects.filter(update=update).delete()

    @classmethod
    def _write(cls, story, update, **values) -> None:
        # One UPDATE when the entry exists, and an INSERT when it does not (a newly published
        # update); no savepoint, no row lock beyond the story's, which the caller holds.
        if not cls.objects.filter(story=story, update=update).update(**values):
            cls.objects.create(story=story, update=update, **values)
