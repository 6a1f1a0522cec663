"""Stories, their numbered updates, revisions and the change log: every rule about them lives here.

A change travels like this: a view or the API validates input and calls one method below
(`story.publish_update(...)`, `update.edit(...)`, `update.retract(...)`). The method locks the
story row, does its work, renders Markdown once, and appends a `Change` row to the story's log in
the same transaction (on PostgreSQL it also sends NOTIFY there). Live streams, polls, feeds and the
corrections log all read that log.
"""

import hashlib
import secrets
import unicodedata
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.timezone import now

from incidents import timefmt
from incidents.rendering import render_markdown

EDITORS_GROUP = "Editors"
NOTIFY_CHANNEL = "liveblog_changes"


def user_is_editor(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_editor", None)
    if cached is None:
        cached = user.groups.filter(name=EDITORS_GROUP).exists()
        user._is_editor = cached
    return cached


def validate_timezone(value: str) -> None:
    if not timefmt.is_valid_timezone(value):
        raise ValidationError(
            "“%(value)s” is not a known IANA timezone, e.g. America/New_York or Europe/London.",
            code="invalid_timezone",
            params={"value": value},
        )


# The one range of times an update may carry, whatever the entry point: any stored time can then
# be shown in every timezone and written by every export format.
EARLIEST_TIMESTAMP = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIMESTAMP = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)


def validate_timestamp(value: datetime) -> None:
    if value is not None and not EARLIEST_TIMESTAMP <= value <= LATEST_TIMESTAMP:
        raise ValidationError(
            "Choose a time between the years %(first)s and %(last)s.",
            code="timestamp_range",
            params={"first": EARLIEST_TIMESTAMP.year, "last": LATEST_TIMESTAMP.year},
        )


def has_visible_text(text: str) -> bool:
    """False for text of only spaces and invisible characters (U+200B and other format marks)."""
    return any(
        not char.isspace() and unicodedata.category(char) not in {"Cf", "Cc", "Zs", "Mn"}
        for char in text
    )


def validate_update_body(body: str) -> None:
    """Raises a ValidationError on the `body` field, so forms and the API show it in place."""
    limit = settings.UPDATE_MAX_CHARS
    if not body or not body.strip():
        raise ValidationError({"body": ValidationError("An update needs some text.", "required")})
    if not has_visible_text(body):
        message = "An update needs some visible text; this one has only invisible characters."
        raise ValidationError({"body": ValidationError(message, code="invisible")})
    if len(body) > limit:
        message = f"An update can be at most {limit:,} characters; this one has {len(body):,}."
        raise ValidationError({"body": ValidationError(message, code="max_length")})


class StaleRevision(Exception):
    """An edit was based on a revision that someone else has already replaced."""

    def __init__(self, update, expected: int):
        super().__init__(f"update {update.pk} is at revision {update.revision}, not {expected}")
        self.update = update
        self.expected = expected


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @classmethod
    def from_names(cls, names) -> list["Tag"]:
        tags = []
        for raw in names:
            name = " ".join(raw.split())[:60]
            if not name:
                continue
            slug = slugify(name)[:60] or "tag"
            tag, _ = cls.objects.get_or_create(slug=slug, defaults={"name": name})
            if tag not in tags:
                tags.append(tag)
        return tags


class StoryQuerySet(models.QuerySet):
    def live(self):
        return self.filter(state=Story.State.LIVE)

    def ended(self):
        return self.filter(state=Story.State.ENDED)

    def drafts(self):
        return self.filter(state=Story.State.DRAFT)

    def public(self):
        """What readers may see: live stories and ended ones, never drafts."""
        return self.exclude(state=Story.State.DRAFT)

    def for_front_page(self):
        return self.public().order_by(
            models.Case(
                models.When(state=Story.State.LIVE, then=0),
                default=1,
                output_field=models.IntegerField(),
            ),
            F("last_updated_at").desc(),
        )

    def visible_to(self, user):
        """Stories a signed-in newsroom user may open on the desk."""
        if user_is_editor(user):
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.filter(contributors__user=user).distinct()


class Story(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        LIVE = "live", "Live"
        ENDED = "ended", "Ended"

    headline = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        error_messages={"unique": "Another story already uses this slug."},
    )
    dek = models.CharField("standfirst", max_length=300, blank=True)
    intro = models.TextField(blank=True, help_text="Markdown, shown above the updates.")
    intro_html = models.TextField(blank=True, editable=False)
    headline_suffix = models.CharField(
        max_length=100, blank=True, help_text="Shown in brackets after the headline."
    )
    timezone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_timezone]
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.DRAFT)
    tags = models.ManyToManyField(Tag, blank=True, related_name="stories")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    last_updated_at = models.DateTimeField(default=now)
    published_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The last sequence number in this story's change log, and the last UPDATE number handed out.
    sequence = models.PositiveBigIntegerField(default=0, editable=False)
    last_number = models.PositiveIntegerField(default=0, editable=False)

    # How many tags and bylines a story carries at most (the desk, the API and its document).
    MAX_TAGS = 20
    MAX_BYLINES = 10

    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-last_updated_at"]

    def __str__(self):
        return self.full_headline

    def save(self, *args, **kwargs):
        self.intro_html = render_markdown(self.intro)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "intro" in update_fields:
            kwargs["update_fields"] = {*update_fields, "intro_html"}
        super().save(*args, **kwargs)

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
    def is_public(self) -> bool:
        return self.state != self.State.DRAFT

    @property
    def has_been_updated(self) -> bool:
        """True once anything changed after the story went live: "This post has been updated." """
        return bool(self.published_at and self.last_updated_at > self.published_at)

    # --- people ---------------------------------------------------------------------------

    def contributor(self, user):
        if not user.is_authenticated:
            return None
        return self.contributors.filter(user=user).first()

    def can_contribute(self, user) -> bool:
        return user_is_editor(user) or self.contributor(user) is not None

    def can_publish(self, user) -> bool:
        if user_is_editor(user):
            return True
        contributor = self.contributor(user)
        return bool(contributor and contributor.can_publish)

    # --- the change log -------------------------------------------------------------------

    def _lock(self) -> "Story":
        """Lock this story's row for the rest of the transaction and return it fresh."""
        return Story.objects.select_for_update().get(pk=self.pk)

    def _record_change(self, kind: str, update=None, at: datetime | None = None) -> "Change":
        """Append to the change log. Call inside a transaction that holds the story lock."""
        at = at or now()
        Story.objects.filter(pk=self.pk).update(sequence=F("sequence") + 1, last_updated_at=at)
        self.sequence = Story.objects.values_list("sequence", flat=True).get(pk=self.pk)
        self.last_updated_at = at
        change = Change.objects.create(
            story=self, sequence=self.sequence, kind=kind, update=update, created_at=at
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Delivered to listeners only when this transaction commits.
                cursor.execute(
                    "SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, f"{self.pk}:{self.sequence}"]
                )
        return change

    # --- updates --------------------------------------------------------------------------

    def _new_update(self, body, by, timestamp, status_label, key_event, pinned, key) -> "Update":
        validate_update_body(body)
        if status_label and status_label not in Update.Status.values:
            raise ValidationError({"status_label": "Choose one of the listed statuses."})
        return Update(
            story=self,
            body=body,
            author=by if by and by.is_authenticated else None,
            timestamp=timestamp or now(),
            status_label=status_label or "",
            key_event=key_event,
            pinned=pinned,
            idempotency_key=key or "",
        )

    def publish_update(
        self,
        body: str,
        *,
        by=None,
        timestamp: datetime | None = None,
        status_label: str = "",
        key_event: bool = False,
        pinned: bool = False,
        idempotency_key: str = "",
    ) -> "Update":
        """Publish a new numbered update. The same idempotency key returns the same update, so a
        double-clicked Publish button makes one update, not two."""
        with transaction.atomic():
            story = self._lock()
            if idempotency_key:
                existing = story.updates.filter(idempotency_key=idempotency_key).first()
                if existing:
                    return existing
            if story.state == Story.State.ENDED:
                raise ValidationError("Coverage of this story has ended; reopen it to publish.")
            update = story._new_update(
                body, by, timestamp, status_label, key_event, pinned, idempotency_key
            )
            update._assign_number(story)
            update.save()
            story._record_change(Change.Kind.PUBLISHED, update, at=update.published_at)
        self.refresh_from_db()
        return update

    def save_draft(
        self,
        body: str,
        *,
        by=None,
        timestamp: datetime | None = None,
        status_label: str = "",
        key_event: bool = False,
        pinned: bool = False,
        idempotency_key: str = "",
    ) -> "Update":
        """Keep an unpublished update on the desk. Readers never see it and it has no number."""
        with transaction.atomic():
            story = self._lock()
            if idempotency_key:
                existing = story.updates.filter(idempotency_key=idempotency_key).first()
                if existing:
                    return existing
            update = story._new_update(
                body, by, timestamp, status_label, key_event, pinned, idempotency_key
            )
            update.state = Update.State.DRAFT
            update.save()
        return update

    # --- story state ----------------------------------------------------------------------

    def go_live(self, *, by=None) -> None:
        self.set_state(Story.State.LIVE, by=by)

    def end_coverage(self, *, by=None) -> None:
        self.set_state(Story.State.ENDED, by=by)

    def set_state(self, state: str, *, by=None) -> None:
        """Move between draft, live and ended; each move is logged so open pages follow it."""
        if state not in Story.State.values:
            raise ValidationError(
                {"state": f"State must be one of {', '.join(Story.State.values)}."}
            )
        with transaction.atomic():
            story = self._lock()
            if story.state == state:
                return
            moment = now()
            fields = {"state": state}
            if state == Story.State.LIVE and not story.published_at:
                # Going live is not "an update": the article starts out un-updated, since
                # _record_change below sets last_updated_at to this same moment.
                fields["published_at"] = moment
            fields["ended_at"] = moment if state == Story.State.ENDED else None
            Story.objects.filter(pk=story.pk).update(**fields)
            story.refresh_from_db()
            kind = Change.Kind.ENDED if state == Story.State.ENDED else Change.Kind.STORY
            story._record_change(kind, at=moment)
        self.refresh_from_db()

    def change_details(self, *, by=None, **fields) -> None:
        """Change what readers see at the top of the story (headline, suffix, dek, intro...)."""
        allowed = {"headline", "headline_suffix", "dek", "intro", "timezone"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not story details: {', '.join(sorted(unknown))}")
        with transaction.atomic():
            story = self._lock()
            changed = [name for name, value in fields.items() if getattr(story, name) != value]
            if not changed:
                return
            for name in changed:
                setattr(story, name, fields[name])
            story.full_clean(exclude=["slug", "tags"])
            story.save(update_fields=changed)
            if story.is_public:
                story._record_change(Change.Kind.STORY)
        self.refresh_from_db()

    def set_tags(self, names, *, by=None) -> None:
        """Replace the story's tags (by name); logged like other story changes."""
        with transaction.atomic():
            story = self._lock()
            tags = Tag.from_names(names)
            if {t.pk for t in tags} == set(story.tags.values_list("pk", flat=True)):
                return
            story.tags.set(tags)
            if story.is_public:
                story._record_change(Change.Kind.STORY)
        self.refresh_from_db()

    def set_bylines(self, people, *, by=None) -> None:
        """Replace the bylines with `people`, a list of {"name": ..., "title": ...} in order."""
        wanted = [(p["name"], p.get("title", "")) for p in people]
        with transaction.atomic():
            story = self._lock()
            if list(story.bylines.values_list("name", "title")) == wanted:
                return
            story.bylines.all().delete()
            for position, (name, title) in enumerate(wanted):
                byline = Byline(story=story, name=name, title=title, position=position)
                byline.full_clean(exclude=["story"])
                byline.save()
            if story.is_public:
                story._record_change(Change.Kind.STORY)
        self.refresh_from_db()

    # --- reading --------------------------------------------------------------------------

    def timeline(self, newest_first: bool = False) -> list["Update"]:
        """What readers see, pinned first: published updates and retraction notices."""
        updates = list(self.updates.for_readers(newest_first=newest_first))
        for update in updates:
            update.story = self  # the partial reads the story's timezone; spare a query each
        return updates

    def changes_since(self, sequence: int):
        return (
            self.changes.filter(sequence__gt=sequence).select_related("update").order_by("sequence")
        )

    def corrections(self):
        return (
            Revision.objects.filter(update__story=self, is_correction=True)
            .exclude(update__state=Update.State.DRAFT)
            .select_related("update")
            .order_by("edited_at")
        )


class Byline(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="bylines")
    name = models.CharField(max_length=120)
    title = models.CharField(max_length=160, blank=True, help_text="e.g. Technology Editor")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.name}, {self.title}" if self.title else self.name


class Contributor(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="contributors")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contributions"
    )
    can_publish = models.BooleanField(
        default=False, help_text="Reporters publish only where an editor allowed it."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["story", "user"], name="one_contribution_per_user")
        ]

    def __str__(self):
        return f"{self.user} on {self.story.slug}"


class UpdateQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=Update.State.PUBLISHED)

    def drafts(self):
        return self.filter(state=Update.State.DRAFT)

    def for_readers(self, newest_first: bool = False):
        direction = "-" if newest_first else ""
        return self.exclude(state=Update.State.DRAFT).order_by(
            "-pinned", f"{direction}timestamp", f"{direction}number"
        )


class Update(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETRACTED = "retracted", "Retracted"

    class Status(models.TextChoices):
        INVESTIGATING = "investigating", "Investigating"
        IDENTIFIED = "identified", "Identified"
        MONITORING = "monitoring", "Monitoring"
        RESOLVED = "resolved", "Resolved"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="updates")
    number = models.PositiveIntegerField(null=True, blank=True, editable=False)
    timestamp = models.DateTimeField(default=now, validators=[validate_timestamp])
    body = models.TextField()
    body_html = models.TextField(editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="updates",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PUBLISHED)
    key_event = models.BooleanField(default=False)
    pinned = models.BooleanField(default=False)
    status_label = models.CharField(max_length=16, choices=Status.choices, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    revision = models.PositiveIntegerField(default=1, editable=False)
    retraction_reason = models.TextField(max_length=500, blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True, editable=False)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)

    objects = UpdateQuerySet.as_manager()

    class Meta:
        ordering = ["story", "timestamp", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["story", "number"],
                condition=Q(number__isnull=False),
                name="update_number_unique_per_story",
            ),
            models.UniqueConstraint(
                fields=["story", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="update_idempotency_key_unique_per_story",
            ),
        ]
        indexes = [models.Index(fields=["story", "state", "timestamp"])]

    def __str__(self):
        label = f"UPDATE {self.number}" if self.number else "draft"
        return f"{self.story.slug}: {label}"

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.story.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self) -> str:
        return f"update-{self.number}" if self.number else f"draft-{self.pk}"

    @property
    def is_published(self):
        return self.state == self.State.PUBLISHED

    @property
    def is_retracted(self):
        return self.state == self.State.RETRACTED

    @property
    def is_draft(self):
        return self.state == self.State.DRAFT

    @property
    def was_edited(self) -> bool:
        """Edited after publication: readers see "Updated 2:05 p.m. ET"."""
        return bool(self.edited_at and self.published_at and self.edited_at > self.published_at)

    def can_edit(self, user) -> bool:
        if user_is_editor(user):
            return True
        return self.is_draft and self.author_id == user.pk and self.story.can_contribute(user)

    def _assign_number(self, story: Story) -> None:
        """Take the story's next UPDATE number. The caller holds the story's row lock."""
        Story.objects.filter(pk=story.pk).update(last_number=F("last_number") + 1)
        story.last_number = Story.objects.values_list("last_number", flat=True).get(pk=story.pk)
        self.number = story.last_number
        self.state = self.State.PUBLISHED
        self.published_at = now()

    def publish(self, *, by=None) -> None:
        """Publish a draft: it gets the next number and goes out to readers."""
        with transaction.atomic():
            story = self.story._lock()
            current = Update.objects.get(pk=self.pk)
            if not current.is_draft:
                self.refresh_from_db()
                return
            if story.state == Story.State.ENDED:
                raise ValidationError("Coverage of this story has ended; reopen it to publish.")
            current._assign_number(story)
            current.save(update_fields=["number", "state", "published_at"])
            story._record_change(Change.Kind.PUBLISHED, current, at=current.published_at)
        self.refresh_from_db()

    def discard(self, *, by=None) -> None:
        """Throw away a draft. Published updates are never deleted: they are retracted."""
        with transaction.atomic():
            self.story._lock()
            current = Update.objects.filter(pk=self.pk).first()
            if current is None:
                return
            if not current.is_draft:
                raise ValidationError("Only a draft can be discarded; retract a published update.")
            current.delete()

    def edit(
        self,
        body: str,
        *,
        by=None,
        expected_revision: int,
        correction_note: str = "",
        is_correction: bool = False,
        **fields,
    ) -> None:
        """Replace the text (and any of timestamp, status_label, key_event), keeping the old text
        as a revision. Raises StaleRevision when someone else saved since `expected_revision`."""
        allowed = {"timestamp", "status_label", "key_event"}
        if set(fields) - allowed:
            raise ValueError(f"not editable here: {', '.join(sorted(set(fields) - allowed))}")
        validate_update_body(body)
        if fields.get("status_label") and fields["status_label"] not in Update.Status.values:
            raise ValidationError({"status_label": "Choose one of the listed statuses."})
        if is_correction and not correction_note.strip():
            raise ValidationError({"correction_note": "A correction needs a note for readers."})
        with transaction.atomic():
            story = self.story._lock()
            current = Update.objects.get(pk=self.pk)
            if current.revision != expected_revision:
                raise StaleRevision(current, expected_revision)
            if current.is_retracted:
                raise ValidationError("A retracted update can no longer be edited.")
            changed = [n for n, v in fields.items() if getattr(current, n) != v]
            if body == current.body and not changed and not is_correction:
                self.refresh_from_db()
                return
            moment = now()
            Revision.objects.create(
                update=current,
                revision=current.revision,
                body=current.body,
                edited_by=by if by and by.is_authenticated else None,
                edited_at=moment,
                correction_note=correction_note.strip() if is_correction else "",
                is_correction=is_correction,
            )
            current.body = body
            for name in changed:
                setattr(current, name, fields[name])
            current.revision += 1
            current.edited_at = moment
            current.save(update_fields=["body", "revision", "edited_at", *changed])
            if not current.is_draft:
                story._record_change(Change.Kind.EDITED, current, at=moment)
        self.refresh_from_db()

    def retract(self, reason: str, *, by=None) -> None:
        """Withdraw a published update. Readers see a notice with the reason in its place."""
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError({"reason": "Say why the update is retracted; readers see it."})
        with transaction.atomic():
            story = self.story._lock()
            current = Update.objects.get(pk=self.pk)
            if not current.is_published:
                raise ValidationError("Only a published update can be retracted.")
            moment = now()
            current.state = self.State.RETRACTED
            current.retraction_reason = reason
            current.retracted_at = moment
            current.retracted_by = by if by and by.is_authenticated else None
            current.pinned = False
            current.save(
                update_fields=[
                    "state", "retraction_reason", "retracted_at", "retracted_by", "pinned"
                ]
            )  # fmt: skip
            story._record_change(Change.Kind.RETRACTED, current, at=moment)
        self.refresh_from_db()

    def set_pinned(self, pinned: bool, *, by=None) -> None:
        """Pin an update to the top of the story; at most one update is pinned at a time."""
        with transaction.atomic():
            story = self.story._lock()
            current = Update.objects.get(pk=self.pk)
            if current.pinned == pinned:
                return
            if pinned and current.is_retracted:
                raise ValidationError("A retracted update cannot be pinned.")
            if pinned:
                for other in story.updates.filter(pinned=True).exclude(pk=current.pk):
                    other.pinned = False
                    other.save(update_fields=["pinned"])
                    if not other.is_draft:
                        story._record_change(Change.Kind.PINNED, other)
            current.pinned = pinned
            current.save(update_fields=["pinned"])
            if not current.is_draft:
                story._record_change(Change.Kind.PINNED, current)
        self.refresh_from_db()


class Revision(models.Model):
    """The text an update had before an edit, who replaced it and when."""

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField(help_text="The revision number this text had.")
    body = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(default=now)
    is_correction = models.BooleanField(default=False)
    correction_note = models.TextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["update", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["update", "revision"], name="one_row_per_revision")
        ]

    def __str__(self):
        return f"{self.update} r{self.revision}"


class Change(models.Model):
    """One entry in a story's log. `sequence` only grows; it is the id of the live event."""

    class Kind(models.TextChoices):
        PUBLISHED = "published", "Update published"
        EDITED = "edited", "Update edited"
        RETRACTED = "retracted", "Update retracted"
        PINNED = "pinned", "Pin changed"
        STORY = "story", "Story changed"
        ENDED = "ended", "Coverage ended"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="changes")
    sequence = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    update = models.ForeignKey(
        Update, null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["story", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["story", "sequence"], name="one_change_per_sequence")
        ]

    def __str__(self):
        return f"{self.story.slug}#{self.sequence} {self.kind}"


class CorrectionSuggestionQuerySet(models.QuerySet):
    def unresolved(self):
        return self.filter(resolved_at__isnull=True)

    def resolved(self):
        return self.filter(resolved_at__isnull=False)


class CorrectionSuggestion(models.Model):
    """A reader's note that something in the story is wrong, queued on the story desk."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="suggestions")
    message = models.TextField(max_length=2000)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=now)
    sender_key = models.CharField(max_length=64, blank=True, help_text="Hash of the sender address")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CorrectionSuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["resolved_at", "-created_at"]

    def __str__(self):
        return f"Suggestion on {self.story.slug} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    def resolve(self, *, by=None) -> bool:
        """Mark the suggestion handled. False when someone else already had (theirs stands)."""
        marked = CorrectionSuggestion.objects.filter(pk=self.pk, resolved_at__isnull=True).update(
            resolved_at=now(), resolved_by=by if by and by.is_authenticated else None
        )
        self.refresh_from_db()
        return bool(marked)


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only a hash is stored; the token is shown once."""

    PREFIX = "lb_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=12, editable=False, help_text="The token's first letters")
    created_at = models.DateTimeField(default=now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.hint}… for {self.user}"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str = "") -> tuple["ApiToken", str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=cls.hash(raw), hint=raw[:10])
        return token, raw

    @classmethod
    def authenticate(cls, raw: str):
        if not raw or not raw.startswith(cls.PREFIX):
            return None
        token = cls.objects.active().select_related("user").filter(key_hash=cls.hash(raw)).first()
        if token:
            cls.objects.filter(pk=token.pk).update(last_used_at=now())
        return token

    def revoke(self) -> None:
        if not self.revoked_at:
            self.revoked_at = now()
            self.save(update_fields=["revoked_at"])
