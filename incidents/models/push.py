"""Browser push subscriptions: a reader's standing wish to be notified of a story's key events
(or every update), and one delivery row per subscription and update. The delivery row, not the
task queue, says whether an update was sent: a retried or repeated task finds it sent and sends
nothing. Sending itself is in incidents/push.py.

A subscription is what the reader's browser hands over (`PushSubscription.toJSON()`): the push
service's endpoint, an address the reader chose, so it is held to the same rule as a webhook's
receiver (https, public addresses only), and the keys the message is encrypted to.
"""

import base64
import binascii
import re
import urllib.parse
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count
from django.utils.timezone import now

from incidents.models.attempts import Attempts, AttemptsQuerySet
from incidents.models.story import Story
from incidents.outbound import non_public_address

# Where incidents/push.py remembers whether a story has any push subscription; forgotten when
# one is added or removed.
ANY_KEY = "push:any:{pk}"
# After the first attempt, the waits before each retry: a notification is news, so after about
# an hour and a half it is abandoned rather than sent late.
RETRY_DELAYS = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=10),
    timedelta(hours=1),
)
ENDPOINT_MAX_CHARS = 1000
BASE64URL = re.compile(r"[A-Za-z0-9_-]{1,200}={0,2}")
NOT_LIVE = "This story is not live: there will be no updates to notify you of."


def any_key(story_pk: int) -> str:
    return ANY_KEY.format(pk=story_pk)


def check_endpoint(url: str) -> None:
    """Refuses a push endpoint this server may not call: anything but https, and any host on a
    private, loopback, link-local or otherwise non-public address (server-side request forgery),
    except http and loopback when PUSH_ALLOW_LOOPBACK is on (tests). Checked when a reader
    subscribes and again before every attempt, since a name can come to point elsewhere."""
    allow_loopback = settings.PUSH_ALLOW_LOOPBACK
    parts = urllib.parse.urlsplit(url)
    schemes = ("https", "http") if allow_loopback else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValidationError({"endpoint": "A push endpoint must be an https:// address."})
    try:
        bad = non_public_address(parts.hostname, parts.port or 443, allow_loopback=allow_loopback)
    except (LookupError, ValueError):  # a name that does not resolve, or a port out of range
        raise ValidationError(
            {"endpoint": f"The push service {parts.hostname} could not be found."}
        ) from None
    if bad is not None:
        raise ValidationError(
            {
                "endpoint": f"{parts.hostname} is on a private, loopback or link-local address "
                f"({bad}); push endpoints must be public."
            }
        )
    if parts.scheme == "http":  # only with PUSH_ALLOW_LOOPBACK, and only to this machine
        local = non_public_address(parts.hostname, parts.port, allow_loopback=False)
        if local is None or not local.is_loopback:
            raise ValidationError({"endpoint": "A push endpoint must be an https:// address."})


def _key_bytes(value, name: str, length: int) -> bytes:
    if not isinstance(value, str) or not BASE64URL.fullmatch(value):
        raise ValidationError({name: f"keys.{name} must be a base64url string."})
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ValidationError({name: f"keys.{name} must be a base64url string."}) from None
    if len(raw) != length:
        raise ValidationError({name: f"keys.{name} must be {length} bytes, not {len(raw)}."})
    return raw


def _checked(subscription) -> tuple[str, dict]:
    """The endpoint and keys of a browser's subscription (`{"endpoint": ..., "keys": {"p256dh":
    ..., "auth": ...}}`) once each is what a browser gives and the endpoint is one this server
    may call; else ValidationError says what is wrong."""
    if not isinstance(subscription, dict):
        raise ValidationError(
            {"subscription": "subscription must be the browser's PushSubscription as JSON."}
        )
    endpoint, keys = subscription.get("endpoint"), subscription.get("keys")
    if not isinstance(endpoint, str) or not endpoint:
        raise ValidationError({"endpoint": "subscription.endpoint is missing."})
    if len(endpoint) > ENDPOINT_MAX_CHARS:
        too_long = f"subscription.endpoint is longer than {ENDPOINT_MAX_CHARS} characters."
        raise ValidationError({"endpoint": too_long})
    if not isinstance(keys, dict):
        raise ValidationError({"keys": "subscription.keys (p256dh and auth) is missing."})
    point = _key_bytes(keys.get("p256dh"), "p256dh", 65)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise ValidationError({"p256dh": "keys.p256dh is not a P-256 public key."}) from None
    _key_bytes(keys.get("auth"), "auth", 16)
    check_endpoint(endpoint)
    return endpoint, {"p256dh": keys["p256dh"], "auth": keys["auth"]}


class PushSubscriptionQuerySet(models.QuerySet):
    def for_update(self, update) -> "PushSubscriptionQuerySet":
        """The subscriptions of the update's story that asked for it: every one for a key event,
        only those for every update otherwise."""
        found = self.filter(story=update.story_id)
        if not update.key_event:
            found = found.filter(events=PushSubscription.Events.ALL)
        return found


class PushSubscription(models.Model):
    class Events(models.TextChoices):
        KEY = "key", "Key events"
        ALL = "all", "Every update"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=ENDPOINT_MAX_CHARS)
    # The browser's public key (P-256, uncompressed) and its auth secret, base64url.
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=30)
    events = models.CharField(max_length=3, choices=Events.choices, default=Events.KEY)
    created_at = models.DateTimeField(default=now, editable=False)

    objects = PushSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["story", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["story", "endpoint"], name="one_push_per_browser")
        ]

    def __str__(self):
        host = urllib.parse.urlsplit(self.endpoint).hostname
        return f"{self.story.slug}: {self.get_events_display()} ({host})"

    @property
    def subscription_info(self) -> dict:
        """As pywebpush takes it (the shape the browser gave)."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    @classmethod
    def subscribe(cls, story: Story, subscription, events: str) -> tuple["PushSubscription", bool]:
        """Keep the browser's subscription (`{"endpoint": ..., "keys": {"p256dh": ...,
        "auth": ...}}`) for `story`; a browser subscribing again changes what it asked for.
        Returns it and whether it is new. ValidationError says what is wrong; nothing is kept."""
        if not story.is_live:
            raise ValidationError(NOT_LIVE)
        if events not in cls.Events.values:
            raise ValidationError({"events": 'events must be "key" or "all".'})
        endpoint, keys = _checked(subscription)
        with transaction.atomic():
            found, created = cls.objects.update_or_create(
                story=story,
                endpoint=endpoint,
                defaults={**keys, "events": events},
            )
        cache.delete(any_key(story.pk))
        return found, created

    @classmethod
    def unsubscribe(cls, story: Story, endpoint) -> bool:
        """Forget this browser for `story`. Whether there was anything to forget."""
        if not isinstance(endpoint, str) or not endpoint:
            raise ValidationError({"endpoint": "subscription.endpoint is missing."})
        removed, _ = cls.objects.filter(story=story, endpoint=endpoint).delete()
        cache.delete(any_key(story.pk))
        return bool(removed)

    @classmethod
    def renew(cls, old_endpoint, subscription) -> int:
        """The browser replaced its push subscription (`pushsubscriptionchange`, when the push
        service renews or expires one): every story it followed under `old_endpoint` sends to the
        new one from now on, each with the reader's choice kept, and deliveries still waiting go
        there too. How many stories; ValidationError says what is wrong, and nothing changes.
        Knowing the old endpoint is the proof: it is a secret between the browser, its push
        service and this site."""
        if not isinstance(old_endpoint, str) or not old_endpoint:
            raise ValidationError({"old_endpoint": "old_endpoint is missing."})
        endpoint, keys = _checked(subscription)
        with transaction.atomic():
            renewed = list(cls.objects.select_for_update().filter(endpoint=old_endpoint))
            stories = [found.story_id for found in renewed]
            if endpoint != old_endpoint:  # a story the browser also followed anew keeps one
                cls.objects.filter(story__in=stories, endpoint=endpoint).delete()
            cls.objects.filter(pk__in=[found.pk for found in renewed]).update(
                endpoint=endpoint, **keys
            )
        return len(renewed)

    def expire(self) -> None:
        """The push service says this subscription is gone (404 or 410): forget it."""
        PushSubscription.objects.filter(pk=self.pk).delete()
        cache.delete(any_key(self.story_id))


class PushDeliveryQuerySet(AttemptsQuerySet):
    def sent_counts(self, updates) -> dict[int, int]:
        """How many push notifications went out for each of these updates, by update pk; one
        query (the desk's per-update count)."""
        rows = (
            self.filter(update__in=updates, status=PushDelivery.Status.SENT)
            .values("update")
            .annotate(n=Count("pk"))
            .values_list("update", "n")
        )
        return dict(rows)


class PushDelivery(Attempts, models.Model):
    """One update for one subscription. Kept when the subscription goes (its link set empty), so
    the count of what went out stays true; a pending one without a subscription is dropped."""

    RETRY_DELAYS = RETRY_DELAYS

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENT = "sent", "Sent"
        DROPPED = "dropped", "Not sent"  # the subscription or the update went away first
        ABANDONED = "abandoned", "Abandoned"

    subscription = models.ForeignKey(
        PushSubscription, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    update = models.ForeignKey(
        "incidents.Update", on_delete=models.CASCADE, related_name="push_deliveries"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField(default=now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = PushDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "update"], name="one_push_per_update")
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="push_delivery_due"),
            models.Index(fields=["update", "status"], name="push_delivery_update"),
        ]

    def __str__(self):
        return f"push {self.pk} of update {self.update_id}: {self.status}"

    def refused(self, *, status: int | None, error: str) -> None:
        """An answer that no retry would change (a 4xx): abandoned at once."""
        self._attempted(status, error)
        self.status = self.Status.ABANDONED
        self.save()

    def dropped(self, why: str) -> None:
        self.status = self.Status.DROPPED
        self.last_error = why[:300]
        self.save(update_fields=["status", "last_error"])

    def succeeded(self, status: int) -> None:
        self._attempted(status, "")
        self.sent_at = self.last_attempt_at
        self.status = self.Status.SENT
        self.save()
