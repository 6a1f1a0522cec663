"""A story: what readers see at the top, who works on it, its state, and its log.

Every action on a story is one method here or on `Update` that checks who acts (`by=`), runs in
its own transaction with the story row locked, and appends exactly one `Change` to the log (on
PostgreSQL with a NOTIFY in the same transaction). Markdown is rendered before the lock is taken.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.timezone import now

from incidents.models.change import NOTIFY_CHANNEL, Change, story_changed
from incidents.models.people import (
    EDITORS_ONLY,
    MAY_NOT_PUBLISH,
    NOT_ON_STORY,
    Byline,
    Contributor,
    actor,
    require,
    user_is_editor,
    who_acted,
)
from incidents.models.rendered import RendersMarkdown
from incidents.models.search_entry import SearchEntry
from incidents.models.story_queries import StoryQuerySet
from incidents.models.story_reading import StoryReading
from incidents.models.tags import Tag
from incidents.models.validators import validate_markdown, validate_timezone
from incidents.rendering import render_markdown

STORY_ENDED = "Coverage of this story has ended; reopen it to publish."


class Story(StoryReading, RendersMarkdown):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        LIVE = "live", "Live"
        ENDED = "ended", "Ended"

    class ReadingOrder(models.TextChoices):
        OLDEST = "oldest", "Oldest first"
        NEWEST = "newest", "Newest first"

    # What readers see of the story itself; the desk and the API change these fields only.
    DETAILS = ("headline", "headline_suffix", "dek", "intro", "timezone", "reading_order")
    MAX_TAGS = 20
    MAX_BYLINES = 10
    KEY_EVENTS_SHOWN = 10  # the newest key events listed; the rest behind "Show all key events"
    markdown_fields = {"intro": "intro_html"}

    headline = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        error_messages={"unique": "Another story already uses this slug."},
    )
    dek = models.CharField("standfirst", max_length=300, blank=True)
    intro = models.TextField(
        blank=True, help_text="Markdown, shown above the updates.", validators=[validate_markdown]
    )
    intro_html = models.TextField(blank=True, editable=False)
    headline_suffix = models.CharField(
        max_length=100, blank=True, help_text="Shown in brackets after the headline."
    )
    timezone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_timezone]
    )
    reading_order = models.CharField(
        max_length=6,
        choices=ReadingOrder.choices,
        default=ReadingOrder.OLDEST,
        help_text="The order readers get the updates in, unless they choose their own.",
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.DRAFT)
    tags = models.ManyToManyField(Tag, blank=True, related_name="stories")
    created_by = who_acted()
    created_at = models.DateTimeField(default=now, editable=False)
    last_updated_at = models.DateTimeField(default=now)
    published_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The last sequence number in this story's change log, and the last UPDATE number handed out.
    sequence = models.PositiveBigIntegerField(default=0, editable=False)
    last_number = models.PositiveIntegerField(default=0, editable=False)
    # Moves on whenever the bylines or the tags change: the key their cached copy is kept under.
    credits_version = models.PositiveIntegerField(default=0, editable=False)

    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-last_updated_at"]

    def __str__(self):
        return self.full_headline

    def get_absolute_url(self):
        return reverse("reader:story", kwargs={"slug": self.slug})

    @property
    def full_headline(self) -> str:
        if self.headline_suffix:
            return f"{self.headline} ({self.headline_suffix})"
        return self.headline

    @property
    def is_live(self) -> bool:
        return self.state == self.State.LIVE

    @property
    def newest_first(self) -> bool:
        """Whether readers get the newest update first unless they choose their own order."""
        return self.reading_order == self.ReadingOrder.NEWEST

    @property
    def is_public(self) -> bool:
        return self.state != self.State.DRAFT

    @property
    def has_been_updated(self) -> bool:
        """True once anything changed after the story went live: "This post has been updated." """
        return bool(self.published_at and self.last_updated_at > self.published_at)

    # --- who may do what ------------------------------------------------------------------

    def contributor(self, user):
        """This user's place on the story, or None; asked once per user for this instance."""
        if user is None or not user.is_authenticated:
            return None
        known = self.__dict__.setdefault("_contributor_of", {})
        if user.pk not in known:
            known[user.pk] = self.contributors.filter(user=user).first()
        return known[user.pk]

    def can_contribute(self, user) -> bool:
        return user_is_editor(user) or self.contributor(user) is not None

    def can_publish(self, user) -> bool:
        if user_is_editor(user):
            return True
        contributor = self.contributor(user)
        return bool(contributor and contributor.can_publish)

    def require_contributor(self, by) -> None:
        require(by, self.can_contribute(by), NOT_ON_STORY)

    def require_editor(self, by) -> None:
        self.require_contributor(by)
        require(by, user_is_editor(by), EDITORS_ONLY)

    def require_publisher(self, by) -> None:
        self.require_contributor(by)
        require(by, self.can_publish(by), MAY_NOT_PUBLISH)

    # --- the change log -------------------------------------------------------------------

    def _lock(self) -> "Story":
        """Lock this story's row for the rest of the transaction and return it fresh."""
        return Story.objects.select_for_update().get(pk=self.pk)

    def _record_change(self, kind: str, update=None, *, by=None, at: datetime | None = None):
        """Append to the change log, and bring the search entries in step. Call inside a
        transaction that holds the story lock."""
        at = at or now()
        Story.objects.filter(pk=self.pk).update(sequence=F("sequence") + 1, last_updated_at=at)
        self.sequence = Story.objects.values_list("sequence", flat=True).get(pk=self.pk)
        self.last_updated_at = at
        change = Change.objects.create(
            story=self,
            sequence=self.sequence,
            kind=kind,
            update=update,
            actor=actor(by),
            created_at=at,
        )
        SearchEntry.follow(self, kind, update)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Delivered to listeners only when this transaction commits.
                cursor.execute(
                    "SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, f"{self.pk}:{self.sequence}"]
                )
        story_changed.send(
            sender=Story, pk=self.pk, slug=self.slug, sequence=self.sequence, kind=kind
        )
        return change

    def log_outside_edit(self, update=None, *, by=None) -> None:
        """An edit made outside these methods (the admin's forms): logged, so open pages and
        caches follow it. Only editors edit there."""
        self.require_editor(by)
        kind = Change.Kind.EDITED if update is not None else Change.Kind.STORY
        with transaction.atomic():
            self._lock()._record_change(kind, update, by=by)

    # --- creating a story and changing it -------------------------------------------------

    @classmethod
    def create(
        cls, *, by=None, tags=(), bylines=(), contributors=(), state=None, **fields
    ) -> "Story":
        """A new story with its tags, bylines and contributors, in one transaction. Editors only.
        Going live at once is logged like any later change of state."""
        require(by, user_is_editor(by), "Only editors create stories.")
        story = cls(created_by=actor(by), **fields)
        story._check_tags(tags)
        bylines = story._check_bylines(bylines)
        story.full_clean(exclude=["tags"])
        story.render()
        with transaction.atomic():
            story.save()
            story._apply_tags(tags)
            story._apply_bylines(bylines)
            Contributor.objects.bulk_create(Contributor(story=story, user=u) for u in contributors)
            if state and state != story.state:
                story.revise(by=by, state=state)
        return story

    def revise(self, *, by=None, tags=None, bylines=None, state=None, **details) -> bool:
        """Change what readers see at the top (any of DETAILS), the tags, the bylines and the
        state in one go: one entry in the log, however many fields changed. Editors only.
        Returns whether anything changed."""
        self.require_editor(by)
        unknown = set(details) - set(self.DETAILS)
        if unknown:
            raise ValueError(f"not story details: {', '.join(sorted(unknown))}")
        if state is not None and state not in Story.State.values:
            choices = ", ".join(Story.State.values)
            raise ValidationError({"state": f"State must be one of {choices}."})
        people = self._check_bylines(bylines) if bylines is not None else None
        if tags is not None:
            self._check_tags(tags)
        # Rendered now, before the lock; handed to the locked row only if the intro changed.
        rendered = {"intro": render_markdown(details["intro"])} if "intro" in details else {}
        with transaction.atomic():
            story = self._lock()
            changed = story._apply_details(details, rendered)
            changed |= tags is not None and story._apply_tags(tags)
            changed |= people is not None and story._apply_bylines(people)
            moved_at = story._apply_state(state) if state is not None else None
            if moved_at or (changed and story.is_public):
                story._record_change(
                    self._kind_of_move(state if moved_at else None), by=by, at=moved_at
                )
        self.refresh_from_db()
        return bool(changed or moved_at)

    @staticmethod
    def _kind_of_move(state: str | None) -> str:
        """How the log names a revision that moved the story to `state` (None: it did not)."""
        return {
            Story.State.ENDED: Change.Kind.ENDED,
            Story.State.DRAFT: Change.Kind.WITHDRAWN,
        }.get(state, Change.Kind.STORY)

    def _apply_details(self, details: dict, rendered: dict) -> bool:
        changed = [name for name, value in details.items() if getattr(self, name) != value]
        for name in changed:
            if name in rendered:
                self.set_rendered(name, details[name], rendered[name])
            else:
                setattr(self, name, details[name])
        if changed:
            self.full_clean(exclude=["slug", "tags"])
            self.save(update_fields=changed)
        return bool(changed)

    def _apply_tags(self, names) -> bool:
        tags = Tag.from_names(names)
        if {t.pk for t in tags} == set(self.tags.values_list("pk", flat=True)):
            return False
        self.tags.set(tags)
        self.credits_changed()
        return True

    def _check_tags(self, names) -> None:
        if len([name for name in names if name.strip()]) > self.MAX_TAGS:
            raise ValidationError({"tags": f"A story has at most {self.MAX_TAGS} tags."})

    def _check_bylines(self, people) -> list[tuple[str, str]]:
        if len(people) > self.MAX_BYLINES:
            raise ValidationError({"bylines": f"A story has at most {self.MAX_BYLINES} bylines."})
        wanted = [(p["name"], p.get("title", "")) for p in people]
        for name, title in wanted:
            Byline(story=self, name=name, title=title).full_clean(exclude=["story"])
        return wanted

    def _apply_bylines(self, people) -> bool:
        wanted = list(people)
        if list(self.bylines.values_list("name", "title")) == wanted:
            return False
        self.bylines.all().delete()
        Byline.objects.bulk_create(
            Byline(story=self, name=name, title=title, position=position)
            for position, (name, title) in enumerate(wanted)
        )
        self.credits_changed()
        return True

    def credits_changed(self) -> None:
        """The bylines or the tags changed (here, or in the admin's forms): readers' pages stop
        using the cached copy of them (`with_credits`)."""
        Story.objects.filter(pk=self.pk).update(credits_version=F("credits_version") + 1)
        self.credits_version = Story.objects.values_list("credits_version", flat=True).get(
            pk=self.pk
        )

    def _apply_state(self, state: str) -> datetime | None:
        """Move to `state`; the moment it moved, or None when it was already there."""
        if self.state == state:
            return None
        moment = now()
        fields = {"state": state, "ended_at": moment if state == Story.State.ENDED else None}
        if state == Story.State.LIVE and not self.published_at:
            # Going live is not "an update": the article starts out un-updated, since the
            # change logged with it sets last_updated_at to this same moment.
            fields["published_at"] = moment
        Story.objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)
        return moment

    def set_state(self, state: str, *, by=None) -> None:
        """Move between draft, live and ended; each move is logged so open pages follow it."""
        self.revise(by=by, state=state)

    def go_live(self, *, by=None) -> None:
        self.revise(by=by, state=Story.State.LIVE)

    def end_coverage(self, *, by=None) -> None:
        self.revise(by=by, state=Story.State.ENDED)

    def change_details(self, *, by=None, **details) -> None:
        self.revise(by=by, **details)

    def set_tags(self, names, *, by=None) -> None:
        self.revise(by=by, tags=list(names))

    def set_bylines(self, people, *, by=None) -> None:
        self.revise(by=by, bylines=list(people))

    # --- contributors (desk-only: readers never see them, so nothing is logged) ------------

    def add_contributor(self, user, *, can_publish: bool = False, by=None) -> Contributor:
        self.require_editor(by)
        self.__dict__.pop("_contributor_of", None)
        contributor, _ = Contributor.objects.get_or_create(
            story=self, user=user, defaults={"can_publish": can_publish}
        )
        return contributor

    def set_contributor_publishing(self, user, can_publish: bool, *, by=None) -> Contributor:
        self.require_editor(by)
        self.__dict__.pop("_contributor_of", None)
        contributor = self.contributors.select_related("user").get(user=user)
        if contributor.can_publish != can_publish:
            contributor.can_publish = can_publish
            contributor.save(update_fields=["can_publish"])
        return contributor

    def remove_contributor(self, user, *, by=None) -> None:
        self.require_editor(by)
        self.__dict__.pop("_contributor_of", None)
        self.contributors.filter(user=user).delete()

    # --- updates --------------------------------------------------------------------------

    def publish_update(self, body: str, *, by=None, **options):
        """Publish a new numbered update (see `Update.compose` for the options). The same
        idempotency key from the same person returns the same update, so a double-clicked
        Publish button makes one update, not two."""
        update = self.updates.model.compose(self, body, by=by, publish=True, **options)
        for counter in ("sequence", "last_number", "last_updated_at"):
            setattr(self, counter, getattr(update.story, counter))
        return update

    def save_draft(self, body: str, *, by=None, **options):
        """Keep an unpublished update on the desk. Readers never see it and it has no number."""
        return self.updates.model.compose(self, body, by=by, publish=False, **options)
