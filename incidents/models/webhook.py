"""Outgoing webhooks: an editor's standing order to tell another system of a story's changes,
and one delivery row per change and webhook. The delivery row, not the task queue, is what says
whether a change was sent: a retried or repeated task finds it delivered and sends nothing.
Sending itself is in incidents/webhooks.py."""

import base64
import secrets
import urllib.parse
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.timezone import now

from incidents.models.attempts import Attempts, AttemptsQuerySet
from incidents.models.change import Change
from incidents.models.people import require, user_is_editor, who_acted
from incidents.outbound import non_public_address

EDITORS_ONLY = "Only editors can set up webhooks."
# Where incidents/webhooks.py remembers whether any webhook listens; forgotten on every change.
ACTIVE_KEY = "webhooks:any-active"
# After the first attempt, the waits before each retry (the Standard Webhooks schedule): about a
# day in all, then the delivery is abandoned.
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)


def check_target(url: str) -> None:
    """Refuses an address a webhook may not call: anything but http(s), and any host on a
    private, loopback, link-local or otherwise non-public address (server-side request forgery),
    except loopback when WEBHOOK_ALLOW_LOOPBACK is on (tests). Checked when a webhook is saved
    and again before every attempt, since a name can come to point elsewhere."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            {"url": "Give the full address of the receiver, starting with https://."}
        )
    try:
        bad = non_public_address(
            parts.hostname, parts.port or 443, allow_loopback=settings.WEBHOOK_ALLOW_LOOPBACK
        )
    except (LookupError, ValueError):  # a name that does not resolve, or a port out of range
        raise ValidationError({"url": f"The host {parts.hostname} could not be found."}) from None
    if bad is not None:
        raise ValidationError(
            {
                "url": f"{parts.hostname} is on a private, loopback or link-local address "
                f"({bad}); webhooks only call public addresses."
            }
        )


def new_secret() -> str:
    """A Standard Webhooks secret: "whsec_" and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class WebhookQuerySet(models.QuerySet):
    def for_change(self, change: Change) -> list["Webhook"]:
        """The active webhooks that asked for this kind of change of this story."""
        candidates = self.filter(
            models.Q(story=change.story_id) | models.Q(story__isnull=True), active=True
        )
        return [webhook for webhook in candidates if change.kind in webhook.event_kinds]


class Webhook(models.Model):
    class Format(models.TextChoices):
        STANDARD = "standard", "Standard Webhooks (signed JSON)"
        SLACK = "slack", "Slack incoming webhook"

    # The changes a webhook may ask for, by the change log's own names.
    EVENTS = {
        Change.Kind.PUBLISHED: "update.published",
        Change.Kind.EDITED: "update.edited",
        Change.Kind.RETRACTED: "update.retracted",
        Change.Kind.PINNED: "update.pinned",
        Change.Kind.ENDED: "story.ended",
    }

    story = models.ForeignKey(
        "incidents.Story",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhooks",
        help_text="Empty: every story on the site.",
    )
    url = models.URLField("receiver address", max_length=500)
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    # The Change kinds sent, comma-separated ("published,ended").
    events = models.CharField(max_length=100)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.STANDARD)
    active = models.BooleanField(default=True)
    created_by = who_acted()
    created_at = models.DateTimeField(default=now, editable=False)

    objects = WebhookQuerySet.as_manager()

    class Meta:
        ordering = ["story_id", "created_at"]

    def __str__(self):
        return f"{self.url} ({self.story.slug if self.story_id else 'every story'})"

    @property
    def event_kinds(self) -> list[str]:
        return [kind for kind in self.events.split(",") if kind]

    @classmethod
    def create(cls, *, url: str, events, story=None, format: str = Format.STANDARD, by=None):
        """A new webhook, set up by an editor."""
        require(by, user_is_editor(by), EDITORS_ONLY)
        events = [kind for kind in cls.EVENTS if kind in set(events or ())]
        if not events:
            raise ValidationError({"events": "Choose at least one kind of change to send."})
        if format not in cls.Format.values:
            raise ValidationError({"format": "Choose one of the listed formats."})
        webhook = cls(story=story, url=(url or "").strip(), events=",".join(events), format=format)
        webhook.created_by = by if by is not None and by.is_authenticated else None
        check_target(webhook.url)
        webhook.full_clean(exclude=["created_by"])
        webhook.save()
        cache.delete(ACTIVE_KEY)
        return webhook

    def remove(self, *, by=None) -> None:
        require(by, user_is_editor(by), EDITORS_ONLY)
        self.delete()
        cache.delete(ACTIVE_KEY)


class DeliveryQuerySet(AttemptsQuerySet):
    def counts_by_update(self, updates) -> dict[int, tuple[int, int]]:
        """For each of these updates (by pk) that any webhook heard of: how many calls were
        delivered, and how many are failing or were abandoned (their last attempt failed). One
        query (the desk's per-update count)."""
        rows = (
            self.filter(change__update__in=updates)
            .values("change__update")
            .annotate(
                delivered=models.Count(
                    "pk", filter=models.Q(status=WebhookDelivery.Status.DELIVERED)
                ),
                failed=models.Count("pk", filter=~models.Q(last_error="")),
            )
            .values_list("change__update", "delivered", "failed")
        )
        return {update: (delivered, failed) for update, delivered, failed in rows}


class WebhookDelivery(Attempts, models.Model):
    RETRY_DELAYS = RETRY_DELAYS

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        DELIVERED = "delivered", "Delivered"
        ABANDONED = "abandoned", "Abandoned"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField(default=now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-change__created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "change"], name="one_delivery_per_change")
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.message_id}: {self.status}"

    @property
    def message_id(self) -> str:
        """The same on every attempt, so a receiver can tell a retry from a new message."""
        return f"msg_{self.change.story_id}_{self.change.sequence}_{self.webhook_id}"

    def succeeded(self, status: int) -> None:
        self._attempted(status, "")
        self.delivered_at = self.last_attempt_at
        self.status = self.Status.DELIVERED
        self.save()
