"""Which updates readers see, and in what order: one queryset method per rule (drafts apart,
the readers' timeline, key events and the pinned update, which the article shows as its
summary)."""

from django.db import models

TOP_OF_ARTICLE_FIELDS = (
    "story_id", "number", "state", "timestamp", "body_html", "key_event", "pinned", "edited_at",
    "published_at", "revision",
)  # fmt: skip


class UpdateQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=self.model.State.PUBLISHED)

    def drafts(self):
        return self.filter(state=self.model.State.DRAFT)

    def for_readers(self, newest_first: bool = False):
        """In time order; the pinned update too, in its place (the article also shows it as the
        summary). `Update.Meta`'s `update_timeline` index holds these rows in this order, so a
        page of the article is an index range however long the story."""
        direction = "-" if newest_first else ""
        return self.exclude(state=self.model.State.DRAFT).order_by(
            f"{direction}timestamp", f"{direction}number"
        )

    def top_of_article(self):
        """The pinned update and the published key events, newest first, in one query: a union
        of two small partial-index reads (`update_pinned`, `update_key_events`), on SQLite as on
        PostgreSQL, however long the story. The pinned one may be a draft waiting to publish:
        the caller keeps only what is published (a filter on state here would lead SQLite to
        the story's whole index instead)."""
        # What the summary box and the list show, not the Markdown source; no default
        # ordering inside the union.
        mine = self.order_by().only(*TOP_OF_ARTICLE_FIELDS)
        pinned = mine.filter(pinned=True)
        key_events = mine.filter(state=self.model.State.PUBLISHED, key_event=True)
        return pinned.union(key_events).order_by("-timestamp", "-number")
