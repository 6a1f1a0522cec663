"""Which updates readers see, and in what order: one queryset method per rule."""

from django.db import models


class UpdateQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=self.model.State.PUBLISHED)

    def drafts(self):
        return self.filter(state=self.model.State.DRAFT)

    def for_readers(self, newest_first: bool = False):
        direction = "-" if newest_first else ""
        return self.exclude(state=self.model.State.DRAFT).order_by(
            "-pinned", f"{direction}timestamp", f"{direction}number"
        )

    def pinned_for_readers(self):
        """The pinned update (at most one), which the article shows above every page."""
        return self.exclude(state=self.model.State.DRAFT).filter(pinned=True).order_by("number")

    def in_reading_order(self, newest_first: bool = False):
        """The article's timeline below the pinned update, in the order its pages run: by time,
        then number. `Update.Meta`'s `update_timeline` index holds these rows in this order
        (and the pinned one, passed over), so a page is an index range however long the story."""
        direction = "-" if newest_first else ""
        return (
            self.exclude(state=self.model.State.DRAFT)
            .filter(pinned=False)
            .order_by(f"{direction}timestamp", f"{direction}number")
        )
