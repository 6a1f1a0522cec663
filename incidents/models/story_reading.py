"""What a reader's page reads of a story, beside the story itself: its summary and key events,
its bylines and tags (cached while they stand), its log since a point, and its corrections. Each
costs at most one query, however long the story."""

from django.core.cache import cache

from incidents.models.revision import Revision

# How long a reader's page may use its cached copy of a story's bylines and tags (`with_credits`);
# any change to them through the desk or the admin is seen at once.
CREDITS_SECONDS = 10 * 60


class StoryReading:
    """Mixed into Story (incidents/models/story.py)."""

    def top_of_article(self) -> tuple:
        """The pinned update (or None) and the published key events, newest first: the summary
        and the "Key events" list, each knowing this story (the partials read its timezone)."""
        found = [u for u in self.updates.top_of_article() if u.is_published]  # one query
        for update in found:
            update.story = self
        pinned = next((update for update in found if update.pinned), None)
        return pinned, [update for update in found if update.key_event]

    def with_credits(self) -> "StoryReading":
        """This story with its bylines and tags at hand, as `prefetch_related` leaves them, from
        the cache while they stand (CREDITS_SECONDS at most): a reader's page asks the database
        for neither. Returns the story."""
        key = f"story:{self.pk}:credits:{self.credits_version}"
        credits = cache.get(key)
        if credits is None:
            credits = {"bylines": list(self.bylines.all()), "tags": list(self.tags.all())}
            cache.set(key, credits, CREDITS_SECONDS)
        for name, rows in credits.items():
            # What prefetch_related_objects does with the rows it fetched.
            found = getattr(self, name).all()
            found._result_cache, found._prefetch_done = rows, True
            self.__dict__.setdefault("_prefetched_objects_cache", {})[name] = found
        return self

    def changes_since(self, sequence: int):
        return (
            self.changes.filter(sequence__gt=sequence).select_related("update").order_by("sequence")
        )

    def corrections(self):
        return (
            Revision.objects.filter(story=self, is_correction=True)
            .exclude(update__state=self.updates.model.State.DRAFT)
            .select_related("update")
            .order_by("edited_at")
        )
