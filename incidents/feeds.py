"""Atom and RSS feeds: one per story (its updates, newest first) and one for the site's stories.

Small django.contrib.syndication Feed subclasses; the rules are the models' own. Drafts never
appear: feeds read only public stories, and a story's updates through `for_readers()`, which
leaves out draft updates.

A retracted update stays in its story's feed as a retraction notice under the same id, with its
updated time set to the retraction. A reader whose feed reader already fetched the update learns
that it was withdrawn (dropping the entry would leave the withdrawn text standing in their
reader); the withdrawn text itself is not repeated. The export does the same.

Updated times come from the change log: an update's latest published/edited/retracted Change,
and a story's `last_updated_at`, which the change log keeps.
"""

from datetime import date

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Max, Q
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from incidents import timefmt
from incidents.models import Change, Story

STORY_FEED_LIMIT = 50
SITE_FEED_LIMIT = 30

_CONTENT_CHANGES = [Change.Kind.PUBLISHED, Change.Kind.EDITED, Change.Kind.RETRACTED]


class _LoggedAtom(Atom1Feed):
    """The feed's <updated> is the story's last change, not "now" when there are no items."""

    def latest_post_date(self):
        return self.feed.get("last_changed") or super().latest_post_date()


class _LoggedRss(Rss201rev2Feed):
    def latest_post_date(self):
        return self.feed.get("last_changed") or super().latest_post_date()


def _bylines(story: Story) -> str:
    return ", ".join(b.name for b in story.bylines.all()) or settings.SITE_NAME


# --- one story's updates ----------------------------------------------------------------------


class StoryRssFeed(Feed):
    feed_type = _LoggedRss

    def get_object(self, request, slug):
        story = get_object_or_404(Story.objects.public().prefetch_related("bylines"), slug=slug)
        story.feed_address = request.build_absolute_uri(story.get_absolute_url())
        story.absolute = request.build_absolute_uri  # pictures' addresses, for feed readers
        return story

    def title(self, story):
        return story.full_headline

    def link(self, story):
        return story.get_absolute_url()

    def description(self, story):
        return story.dek or f"Live updates: {story.full_headline}"

    def author_name(self, story):
        return _bylines(story)

    def categories(self, story):
        return [tag.name for tag in story.tags.all()]

    def feed_url(self, story):
        return reverse("export:story_rss", kwargs={"slug": story.slug})

    def feed_extra_kwargs(self, story):
        return {"last_changed": story.last_updated_at}

    def items(self, story):
        updates = (
            story.updates.for_readers()
            .annotate(
                changed_at=Max("changes__created_at", filter=Q(changes__kind__in=_CONTENT_CHANGES))
            )
            .order_by("-timestamp", "-number")[:STORY_FEED_LIMIT]
        )
        for update in updates:
            update.story = story
        return updates

    def item_title(self, update):
        # A feed is read long after: its times always carry their date, as an export's do.
        when = timefmt.ap_when(update.timestamp, update.story.timezone, now_day=date.min)
        if update.is_retracted:
            return f"UPDATE {update.number}, {when} (retracted)"
        label = f" — {update.get_status_label_display()}" if update.status_label else ""
        return f"UPDATE {update.number}, {when}{label}"

    def item_description(self, update):
        story = update.story
        pictures = [
            {"figure": figure, "src": story.absolute(figure.fallback_url)}
            for figure in ([] if update.is_retracted else update.figures)
        ]
        return render_to_string(
            "incidents/export/feed_update.html",
            {"update": update, "story": story, "pictures": pictures},
        )

    def item_link(self, update):
        return update.get_absolute_url()  # the permalink: to the page of the article that holds it

    def item_guid(self, update):
        # Entry ids stay what they were before the article had pages, so feed readers do not
        # take every update for a new one; the link is the permalink.
        return f"{update.story.feed_address}#{update.anchor}"

    def item_guid_is_permalink(self, update):
        return False

    def item_pubdate(self, update):
        return update.timestamp

    def item_updateddate(self, update):
        changed = update.changed_at or update.published_at or update.timestamp
        return max(changed, update.timestamp)


class StoryAtomFeed(StoryRssFeed):
    feed_type = _LoggedAtom
    subtitle = StoryRssFeed.description

    def feed_url(self, story):
        return reverse("export:story_atom", kwargs={"slug": story.slug})


# --- the site's stories -----------------------------------------------------------------------


class SiteRssFeed(Feed):
    feed_type = _LoggedRss

    def title(self):
        return f"{settings.SITE_NAME}: live coverage"

    def link(self):
        return reverse("reader:front")

    def description(self):
        return f"Stories covered live on {settings.SITE_NAME}, newest first."

    def author_name(self):
        return settings.SITE_NAME

    def feed_url(self):
        return reverse("export:site_rss")

    def items(self):
        return (
            Story.objects.public()
            .prefetch_related("bylines", "tags")
            .order_by("-published_at", "-created_at")[:SITE_FEED_LIMIT]
        )

    def item_title(self, story):
        return story.full_headline

    def item_description(self, story):
        return render_to_string("incidents/export/feed_story.html", {"story": story})

    def item_link(self, story):
        return story.get_absolute_url()

    def item_author_name(self, story):
        return _bylines(story)

    def item_categories(self, story):
        return [tag.name for tag in story.tags.all()]

    def item_pubdate(self, story):
        return story.published_at or story.created_at

    def item_updateddate(self, story):
        return story.last_updated_at


class SiteAtomFeed(SiteRssFeed):
    feed_type = _LoggedAtom
    subtitle = SiteRssFeed.description

    def feed_url(self):
        return reverse("export:site_atom")
