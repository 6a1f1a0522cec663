"""Which updates readers see, and in what order: one queryset method per rule (drafts apart,
the readers' timeline, key events and the pinned update, which the article shows as its
summary)."""

from django.db import models


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

    def key_events(self):
        """Published key events, newest first, with what their list shows (partial index)."""
        fields = ("story_id", "number", "state", "timestamp", "body_html", "key_event")
        key_events = self.filter(state=self.model.State.PUBLISHED, key_event=True)
        return key_events.order_by("-timestamp", "-number").only(*fields)

    def pinned(self):
        return self.published().filter(pinned=True).order_by("pk")[:1]  # a partial index
