"""The rules for which updates a page shows: drafts apart, readers' timeline, key events and the
pinned update (the article's summary)."""

from django.db import models


class UpdateQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=self.model.State.PUBLISHED)

    def drafts(self):
        return self.filter(state=self.model.State.DRAFT)

    def for_readers(self, newest_first: bool = False):
        """In time order; the pinned update too (the article also shows it as the summary)."""
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
