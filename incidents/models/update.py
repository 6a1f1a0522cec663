"""A story's numbered updates and the revisions an edit keeps.

Each action is one method that checks who acts (`by=`), renders Markdown before it takes the
story's row lock, and appends exactly one `Change` to the story's log in the same transaction.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils.timezone import now

from incidents.models.change import Change
from incidents.models.idempotency import IdempotencyConflict, request_digest
from incidents.models.json_data import JSONData
from incidents.models.people import EDITORS_ONLY, actor, require, user_is_editor, who_acted
from incidents.models.picture import Figure, attach, chosen_pictures
from incidents.models.rendered import RendersMarkdown
from incidents.models.revision import Revision, StaleRevision
from incidents.models.story import STORY_ENDED, Story
from incidents.models.update_queries import UpdateQuerySet
from incidents.models.validators import (
    check_update_fields,
    validate_timestamp,
    validate_update_body,
)
from incidents.rendering import first_sentence, render_markdown


class Update(RendersMarkdown):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETRACTED = "retracted", "Retracted"

    class Status(models.TextChoices):
        INVESTIGATING = "investigating", "Investigating"
        IDENTIFIED = "identified", "Identified"
        MONITORING = "monitoring", "Monitoring"
        RESOLVED = "resolved", "Resolved"

    markdown_fields = {"body": "body_html"}
    KEY_TITLE_CHARS = 90  # the most of its first sentence that the "Key events" list shows

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="updates")
    number = models.PositiveIntegerField(null=True, blank=True, editable=False)
    timestamp = models.DateTimeField(default=now, validators=[validate_timestamp])
    body = models.TextField()
    body_html = models.TextField(editable=False)
    author = who_acted("updates")
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
    retracted_by = who_acted()
    # A client's key for "this request", scoped to its author on this story, and a digest of the
    # request it came with: a retry gets the same update, a different request with it a refusal.
    idempotency_key = models.CharField(max_length=64, blank=True, editable=False)
    idempotency_digest = models.CharField(max_length=64, blank=True, editable=False)
    # The pictures as readers see them, in order (`Picture.figure()`): no query per update.
    picture_data = JSONData(default=list, blank=True, editable=False)

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
                fields=["story", "author", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="update_idempotency_key_unique_per_author",
            ),
        ]
        indexes = [
            models.Index(fields=["story", "state", "timestamp"]),
            # Readers' updates in time order (article pages, permalinks, JSON-LD), the key
            # events and the pinned one: partial indexes on those querysets' own filters, so
            # both databases use them.
            models.Index(
                fields=["story", "timestamp", "number"],
                condition=~Q(state="draft"),
                name="update_timeline",
            ),
            models.Index(  # the "Key events" list: a few rows out of thousands
                fields=["story", "-timestamp", "-number"],
                condition=Q(key_event=True, state="published"),
                name="update_key_events",
            ),
            models.Index(fields=["story"], condition=Q(pinned=True), name="update_pinned"),
        ]

    def __str__(self):
        label = f"UPDATE {self.number}" if self.number else "draft"
        return f"{self.story.slug}: {label}"

    def get_absolute_url(self):
        """The permalink (redirects to the article's page that holds it); a draft has none."""
        if self.number is None:
            return f"{self.story.get_absolute_url()}#{self.anchor}"
        return reverse("reader:update", kwargs={"slug": self.story.slug, "number": self.number})

    @property
    def anchor(self) -> str:
        return f"update-{self.number}" if self.number else f"draft-{self.pk}"

    @property
    def short_title(self) -> str:
        """Its first sentence as plain text, for the "Key events" list: read from the stored
        HTML, so it costs no Markdown rendering (incidents/rendering.py)."""
        return first_sentence(self.body_html, self.KEY_TITLE_CHARS)

    @property
    def figures(self) -> list[Figure]:
        """The pictures as templates show them; an export may have set its own (embedded)."""
        shown = self.__dict__.get("shown_figures")
        return shown if shown is not None else [Figure(data) for data in self.picture_data]

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

    # --- who may do what ------------------------------------------------------------------

    def is_own_draft(self, user) -> bool:
        return self.is_draft and user is not None and self.author_id == user.pk

    def can_edit(self, user) -> bool:
        """Editors change anything; a reporter only their own drafts on a story they are on."""
        if user_is_editor(user):
            return True
        return self.is_own_draft(user) and self.story.can_contribute(user)

    def can_publish(self, user) -> bool:
        """Editors publish anyone's draft; a reporter allowed to publish, only their own."""
        if user_is_editor(user):
            return True
        return self.is_own_draft(user) and self.story.can_publish(user)

    def require_editable(self, by) -> None:
        self.story.require_contributor(by)
        if self.is_draft:
            require(by, self.can_edit(by), "Reporters can change only their own drafts.")
        else:
            require(
                by, self.can_edit(by), "This update has been published; only editors can change it."
            )

    # --- writing --------------------------------------------------------------------------

    @classmethod
    def compose(
        cls,
        story: Story,
        body: str,
        *,
        by=None,
        publish: bool,
        timestamp: datetime | None = None,
        status_label: str = "",
        key_event: bool = False,
        pinned: bool = False,
        idempotency_key: str = "",
        pictures=(),
    ) -> "Update":
        """A new update on `story`, published with the next number or kept as a draft, showing
        `pictures` (see `edit`)."""
        if publish:
            story.require_publisher(by)
        else:
            story.require_contributor(by)
        if pinned:
            require(by, user_is_editor(by), "Only editors can pin an update.")
        validate_update_body(body)
        check_update_fields(timestamp=timestamp, status_label=status_label)
        update = cls(
            story=story,
            body=body,
            author=actor(by),
            timestamp=timestamp or now(),
            status_label=status_label or "",
            key_event=key_event,
            pinned=pinned,
            state=cls.State.DRAFT,
            idempotency_key=idempotency_key or "",
        )
        pictures = list(pictures or ())
        request = [publish, body, timestamp and timestamp.isoformat(), status_label, key_event]
        digest = [*request, pinned, pictures] if pictures else [*request, pinned]
        update.idempotency_digest = request_digest(digest) if idempotency_key else ""
        update.render()
        with transaction.atomic():
            story = story._lock()
            if idempotency_key:
                earlier = story.updates.filter(
                    author=update.author, idempotency_key=idempotency_key
                ).first()
                if earlier is not None:
                    if earlier.idempotency_digest != update.idempotency_digest:
                        raise IdempotencyConflict()
                    earlier.story = story
                    return earlier
            if publish and story.state == Story.State.ENDED:
                raise ValidationError(STORY_ENDED)
            update.story = story
            if publish:
                update._assign_number(story)
            if pinned and publish:  # a pinned draft takes the pin only when it is published
                story.updates.filter(pinned=True).update(pinned=False)
            chosen = chosen_pictures(story, None, pictures, by)
            update.picture_data = [picture.figure() for picture in chosen]
            update.save()
            if chosen:
                attach(update, chosen)
            if publish:
                story._record_change(Change.Kind.PUBLISHED, update, by=by, at=update.published_at)
        return update

    def _assign_number(self, story: Story) -> None:
        """Take the story's next UPDATE number. The caller holds the story's row lock."""
        Story.objects.filter(pk=story.pk).update(last_number=F("last_number") + 1)
        story.last_number = Story.objects.values_list("last_number", flat=True).get(pk=story.pk)
        self.number = story.last_number
        self.state = self.State.PUBLISHED
        self.published_at = now()

    def _current(self) -> tuple[Story, "Update"]:
        """Lock the story and read this update as it is now. Call inside a transaction."""
        story = self.story._lock()
        current = Update.objects.get(pk=self.pk)
        current.story = story
        return story, current

    def publish(self, *, by=None) -> None:
        """Publish a draft: it gets the next number and goes out to readers."""
        self.story.require_publisher(by)
        require(by, self.can_publish(by), "Only an editor can publish someone else’s draft.")
        with transaction.atomic():
            story, current = self._current()
            if not current.is_draft:
                self.refresh_from_db()
                return
            if story.state == Story.State.ENDED:
                raise ValidationError(STORY_ENDED)
            current._assign_number(story)
            fields = ["number", "state", "published_at"]
            if current.pinned:
                story.updates.filter(pinned=True).exclude(pk=current.pk).update(pinned=False)
            current.save(update_fields=fields)
            story._record_change(Change.Kind.PUBLISHED, current, by=by, at=current.published_at)
        self.refresh_from_db()

    def discard(self, *, by=None) -> None:
        """Throw away a draft. Published updates are never deleted: they are retracted."""
        self.require_editable(by)
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
        pictures=None,
        **fields,
    ) -> None:
        """Replace the text (and any of timestamp, status_label, key_event), keeping the old text
        as a revision. Raises StaleRevision when someone else saved since `expected_revision`.
        `pictures`, when given, is the update's new list of pictures in order: ids, or dicts
        with "id" and any of "alt", "caption", "credit" to change them."""
        allowed = {"timestamp", "status_label", "key_event"}
        if set(fields) - allowed:
            raise ValueError(f"not editable here: {', '.join(sorted(set(fields) - allowed))}")
        self.require_editable(by)
        validate_update_body(body)
        check_update_fields(
            timestamp=fields.get("timestamp"), status_label=fields.get("status_label", "")
        )
        if is_correction and not correction_note.strip():
            raise ValidationError({"correction_note": "A correction needs a note for readers."})
        limit = Revision._meta.get_field("correction_note").max_length
        if len(correction_note.strip()) > limit:
            raise ValidationError({"correction_note": f"A note has at most {limit} characters."})
        html = render_markdown(body)
        with transaction.atomic():
            story, current = self._current()
            if current.revision != expected_revision:
                raise StaleRevision(current, expected_revision)
            if current.is_retracted:
                raise ValidationError("A retracted update can no longer be edited.")
            if pictures is not None:
                chosen = chosen_pictures(story, current.pk, pictures, by)
                fields["picture_data"] = [p.figure() for p in chosen]
            changed = [n for n, v in fields.items() if getattr(current, n) != v]
            if body == current.body and not changed and not is_correction:
                self.refresh_from_db()
                return
            moment = now()
            Revision.keep(
                current,
                by=by,
                at=moment,
                correction_note=correction_note.strip() if is_correction else "",
                is_correction=is_correction,
            )
            current.set_rendered("body", body, html)
            for name in changed:
                setattr(current, name, fields[name])
            if "picture_data" in changed:
                attach(current, chosen)
            current.revision += 1
            current.edited_at = moment
            current.save(update_fields=["body", "revision", "edited_at", *changed])
            if not current.is_draft:
                story._record_change(Change.Kind.EDITED, current, by=by, at=moment)
        self.refresh_from_db()

    def retract(self, reason: str, *, by=None) -> None:
        """Withdraw a published update. Readers see a notice with the reason in its place."""
        self.story.require_editor(by)
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError({"reason": "Say why the update is retracted; readers see it."})
        limit = Update._meta.get_field("retraction_reason").max_length
        if len(reason) > limit:
            raise ValidationError({"reason": f"A reason has at most {limit} characters."})
        with transaction.atomic():
            story, current = self._current()
            if not current.is_published:
                raise ValidationError("Only a published update can be retracted.")
            moment = now()
            current.state = self.State.RETRACTED
            current.retraction_reason = reason
            current.retracted_at = moment
            current.retracted_by = actor(by)
            current.pinned = False
            current.save(
                update_fields=[
                    "state", "retraction_reason", "retracted_at", "retracted_by", "pinned"
                ]
            )  # fmt: skip
            story._record_change(Change.Kind.RETRACTED, current, by=by, at=moment)
        self.refresh_from_db()

    def set_pinned(self, pinned: bool, *, by=None) -> None:
        """Pin an update to the top of the story; at most one update is pinned at a time, so
        pinning one unpins the other in the same change."""
        self.story.require_contributor(by)
        require(by, user_is_editor(by), EDITORS_ONLY)
        with transaction.atomic():
            story, current = self._current()
            if current.pinned == pinned:
                return
            if pinned and current.is_retracted:
                raise ValidationError("A retracted update cannot be pinned.")
            if pinned and not current.is_draft:  # a draft takes the pin when it is published
                story.updates.filter(pinned=True).exclude(pk=current.pk).update(pinned=False)
            current.pinned = pinned
            current.save(update_fields=["pinned"])
            if not current.is_draft:
                story._record_change(Change.Kind.PINNED, current, by=by)
        self.refresh_from_db()
