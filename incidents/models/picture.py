"""Pictures in updates (issue 13): uploaded to a story, attached to an update in order, purged on
a legal takedown.

A picture's files are its renditions (incidents/images.py), written through Django's storage API
under `pictures/<random key>/<width>.<ext>`: names are never reused, so they may be cached
forever. An upload either stores every rendition and its row, or leaves nothing behind.

What readers see of an update's pictures is also kept on the update itself (`Update.figures`),
so that rendering a timeline reads no more rows than before.
"""

import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils.timezone import now

from incidents.images import ImageRefused, prepare_image
from incidents.models.change import Change
from incidents.models.json_data import JSONData
from incidents.models.people import actor, require, user_is_editor, who_acted
from incidents.models.revision import Revision

ALT_MAX_CHARS = 300
CAPTION_MAX_CHARS = 500
CREDIT_MAX_CHARS = 200
MAX_PICTURES_PER_UPDATE = 20
STORAGE_FOLDER = "pictures"
NOT_YOURS = "Only an editor can use a picture someone else uploaded."


class PictureUnavailable(ValidationError):
    """An update named a picture that is not there to use: another story's, purged, or already
    shown by another update. The API answers it 409, like any conflict with what exists."""


class PictureQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(purged_at__isnull=True)

    def abandoned(self, uploaded_before):
        """Uploaded before then and never shown: on no update, and in no update's history (a
        picture an edit removed stays, as its revisions name it)."""
        candidates = self.usable().filter(update__isnull=True, uploaded_at__lt=uploaded_before)
        named = {
            entry.get("id")
            for pictures in Revision.objects.exclude(pictures=[]).values_list("pictures", flat=True)
            for entry in pictures
        }
        return candidates.exclude(pk__in=named)


class Picture(models.Model):
    story = models.ForeignKey("incidents.Story", on_delete=models.CASCADE, related_name="pictures")
    update = models.ForeignKey(
        "incidents.Update",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pictures",
    )
    position = models.PositiveSmallIntegerField(default=0)
    alt = models.CharField(
        max_length=ALT_MAX_CHARS,
        help_text="What the picture shows, for readers who cannot see it. Required.",
    )
    caption = models.CharField(max_length=CAPTION_MAX_CHARS, blank=True)
    credit = models.CharField(max_length=CREDIT_MAX_CHARS, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # [{"name": storage name, "width", "height", "format": "webp"|"jpeg"|"png", "size": bytes}]
    renditions = JSONData(default=list, editable=False)
    uploaded_by = who_acted()
    uploaded_at = models.DateTimeField(default=now, editable=False)
    purged_at = models.DateTimeField(null=True, blank=True, editable=False)
    purged_by = who_acted()

    objects = PictureQuerySet.as_manager()

    class Meta:
        ordering = ["update_id", "position", "pk"]  # by id: no join, so rows can be locked

    def __str__(self):
        return f"picture {self.pk} ({self.alt[:40]})"

    # --- uploading ------------------------------------------------------------------------

    @classmethod
    def upload(cls, story, file, *, alt, caption="", credit="", by=None) -> "Picture":
        """Check, render and store an uploaded picture for `story`, not yet attached to an
        update. Raises ValidationError naming the field ("file", "alt", ...) for the
        journalist; nothing is left in storage when anything fails."""
        story.require_contributor(by)
        picture = cls(story=story, uploaded_by=actor(by))
        picture.set_text(alt=alt, caption=caption, credit=credit)
        try:
            prepared = prepare_image(file)
        except ImageRefused as error:
            raise ValidationError({"file": error.messages}) from None
        picture.width, picture.height = prepared.width, prepared.height
        key = secrets.token_urlsafe(12)
        written = []
        try:
            for rendition in prepared.renditions:
                wanted = f"{STORAGE_FOLDER}/{key}/{rendition.width}.{rendition.extension}"
                name = default_storage.save(wanted, ContentFile(rendition.content))
                written.append(name)
                picture.renditions.append(
                    {
                        "name": name,
                        "width": rendition.width,
                        "height": rendition.height,
                        "format": rendition.format,
                        "size": len(rendition.content),
                    }
                )
            picture.save()
        except BaseException:
            _delete_files(written)
            raise
        return picture

    def set_text(self, *, alt, caption="", credit="") -> None:
        """Take alt text, caption and credit, checked against the field limits."""
        self.alt = " ".join((alt or "").split())
        self.caption = (caption or "").strip()
        self.credit = (credit or "").strip()
        errors = {}
        if not self.alt:
            errors["alt"] = ["Describe the picture for readers who cannot see it (alt text)."]
        for name in ("alt", "caption", "credit"):
            limit = self._meta.get_field(name).max_length
            if len(getattr(self, name)) > limit and name not in errors:
                errors[name] = [f"At most {limit} characters."]
        if errors:
            raise ValidationError(errors)

    # --- who may use it -------------------------------------------------------------------

    def may_use(self, user) -> bool:
        return user is None or user_is_editor(user) or self.uploaded_by_id == user.pk

    # --- what readers see -----------------------------------------------------------------

    def figure(self) -> dict:
        """The picture as the update keeps it for readers (see `Figure`)."""
        return {
            "id": self.pk,
            "alt": self.alt,
            "caption": self.caption,
            "credit": self.credit,
            "width": self.width,
            "height": self.height,
            "renditions": self.renditions,
        }

    @property
    def thumbnail_url(self) -> str:
        """The smallest rendition, for the desk's list of pictures."""
        smallest = min(self.renditions, key=lambda r: (r["width"], r["format"] != "webp"))
        return default_storage.url(smallest["name"])

    def discard(self) -> None:
        """Delete an abandoned picture and its files (`manage.py prune_pictures`)."""
        names = [r["name"] for r in self.renditions]
        with transaction.atomic():
            self.delete()
            transaction.on_commit(lambda: _delete_files(names))

    # --- takedown -------------------------------------------------------------------------

    def purge(self, *, by=None) -> None:
        """A legal takedown: every rendition is deleted from storage, the picture leaves its
        update (a new revision, logged, so pages, streams and caches follow) and every revision
        keeps only the fact that a picture was removed. Editors only."""
        self.story.require_editor(by)
        with transaction.atomic():
            story = self.story._lock()
            current = Picture.objects.select_for_update().get(pk=self.pk)
            if current.purged_at is not None:
                return
            names = [r["name"] for r in current.renditions]
            current.purged_at = now()
            current.purged_by = actor(by)
            current.renditions = []
            current.alt = current.caption = current.credit = ""
            current.save()
            if current.update_id is not None:
                _leave_update(current.update, story, current.pk, by=by)
            transaction.on_commit(lambda: _delete_files(names))
        self.refresh_from_db()


class Figure:
    """One picture of an update, as a template shows it: URLs from the storage's names."""

    SIZES = "(min-width: 48rem) 44rem, 100vw"

    def __init__(self, data: dict):
        self.id = data["id"]
        self.alt = data["alt"]
        self.caption = data["caption"]
        self.credit = data["credit"]
        self.width = data["width"]
        self.height = data["height"]
        self.renditions = [
            {**r, "url": default_storage.url(r["name"])} for r in data.get("renditions", ())
        ]
        self.sizes = self.SIZES
        self.embedded = ""  # a data: URI, when an export carries the picture inside itself

    def _srcset(self, webp: bool) -> str:
        return ", ".join(
            f"{r['url']} {r['width']}w" for r in self.renditions if (r["format"] == "webp") == webp
        )

    @property
    def webp_srcset(self) -> str:
        return self._srcset(True)

    @property
    def fallback_srcset(self) -> str:
        return self._srcset(False)

    @property
    def fallback(self) -> dict:
        """The bounded fallback: the widest non-WebP rendition up to 960 pixels."""
        fallbacks = [r for r in self.renditions if r["format"] != "webp"]
        bounded = [r for r in fallbacks if r["width"] <= 960] or fallbacks[:1]
        return max(bounded, key=lambda r: r["width"])

    @property
    def fallback_url(self) -> str:
        return self.fallback["url"]

    def fallback_height(self) -> int:
        return self.fallback["height"]


def _delete_files(names) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # already gone: what we wanted
            pass


def require_usable(story, ids, *, by, attached_to=None) -> list[Picture]:
    """The pictures `ids` name, in that order: the story's own, not purged, unattached (or
    attached to `attached_to`), and usable by `by`. Raises ValidationError on "pictures"."""
    ids = [int(i) for i in ids]
    if len(ids) > MAX_PICTURES_PER_UPDATE:
        raise ValidationError(
            {"pictures": [f"An update has at most {MAX_PICTURES_PER_UPDATE} pictures."]}
        )
    # An id past the largest the column holds names no picture (and would fail the query).
    _, largest = connection.ops.integer_field_range("BigAutoField")
    found = Picture.objects.usable().filter(story=story, pk__in=[i for i in ids if i <= largest])
    found = {p.pk: p for p in found.select_for_update()}
    for pk in ids:
        picture = found.get(pk)
        if picture is None or picture.update_id not in (None, attached_to):
            raise PictureUnavailable(
                {"pictures": [f"Picture {pk} is not one of this story’s pictures to use."]}
            )
        require(by, picture.may_use(by), NOT_YOURS)
    if len(set(ids)) != len(ids):
        raise ValidationError({"pictures": ["The same picture is listed twice."]})
    return [found[pk] for pk in ids]


def chosen_pictures(story, attached_to: int | None, pictures, by) -> list[Picture]:
    """The pictures an update is to show, in order (ids, or dicts with "id" and any new "alt",
    "caption" or "credit"), with those texts set: unattached ones, or `attached_to`'s own."""
    items = [p if isinstance(p, dict) else {"id": p} for p in pictures]
    try:
        ids = [int(item["id"]) for item in items]
    except (KeyError, TypeError, ValueError):
        raise ValidationError({"pictures": ["Name each picture by its id."]}) from None
    chosen = require_usable(story, ids, by=by, attached_to=attached_to)
    for picture, item in zip(chosen, items, strict=True):
        texts = {n: item.get(n, getattr(picture, n)) for n in ("alt", "caption", "credit")}
        picture.set_text(**texts)
    return chosen


def attach(update, pictures: list[Picture]) -> None:
    """Make `pictures` the update's, in that order, with their texts; any other it had leaves
    it (and may be used again). The caller holds the story's lock."""
    update.pictures.exclude(pk__in=[p.pk for p in pictures]).update(update=None, position=0)
    for position, picture in enumerate(pictures):
        picture.update, picture.position = update, position
        picture.save(update_fields=["update", "position", "alt", "caption", "credit"])


def _leave_update(update, story, picture_id: int, *, by=None) -> None:
    """A purged picture leaves its update: a new revision without it, logged. Every earlier
    revision keeps only the fact that a picture was removed. The caller holds the story lock."""
    current = type(update).objects.get(pk=update.pk)
    removed = {"id": picture_id, "removed": True}
    for revision in current.revisions.all():
        kept = [removed if d.get("id") == picture_id else d for d in revision.pictures]
        if kept != revision.pictures:
            revision.pictures = kept
            revision.save(update_fields=["pictures"])
    moment = now()
    shown = [removed if d["id"] == picture_id else d for d in current.picture_data]
    Revision.keep(current, by=by, at=moment, pictures=shown)
    current.picture_data = [d for d in current.picture_data if d["id"] != picture_id]
    current.revision += 1
    current.save(update_fields=["picture_data", "revision"])
    if not current.is_draft:
        story._record_change(Change.Kind.EDITED, current, by=by, at=moment)
