"""Email subscriptions: readers who confirmed an address follow a story by email (issue 14).

An address is stored only once its owner confirmed it: the confirmation link carries the story,
the address and the choice, signed and time-limited, and nothing is kept before it is used.

What has gone out to each subscriber is in incidents/models/email_batch.py; sending is in
incidents/subscriber_mail.py.
"""

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.timezone import now

from incidents.models.change import Change
from incidents.models.people import EDITORS_ONLY, require, user_is_editor
from incidents.models.story import Story

if TYPE_CHECKING:
    from incidents.models.email_batch import ChangeSeen

# How often one address, and one network address, may ask to subscribe in an hour.
SUBSCRIBES_PER_ADDRESS_PER_HOUR = 3
SUBSCRIBES_PER_IP_PER_HOUR = 10
TOO_MANY = "Too many requests to subscribe from here or for this address: try again in an hour."
# Where incidents/subscriber_mail.py remembers whether a story has subscribers.
ANY_SUBSCRIBER_KEY = "email:any-subscriber:{}"
CONFIRM_SALT = "incidents.subscribe"


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Subscription:
    """What a confirmation link asks for: this address, on this story, this much."""

    story_pk: int
    email: str
    scope: str


class EmailSubscriber(models.Model):
    class Scope(models.TextChoices):
        ALL = "all", "Every update"
        KEY = "key", "Key events only"
        ENDED = "ended", "Just when coverage ends"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="email_subscribers")
    email = models.EmailField("email address", max_length=254)
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.ALL)
    # In every message's unsubscribe link: who holds it may unsubscribe, nothing more.
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    confirmed_at = models.DateTimeField(default=now, editable=False)
    # The story's change sequence up to which this subscriber has been served, and when the
    # last email was taken on (the next waits EMAIL_BATCH_MINUTES after it).
    sent_through = models.PositiveBigIntegerField(default=0, editable=False)
    last_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["story", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["story", "email"], name="one_subscription_per_address")
        ]
        indexes = [models.Index(fields=["story", "sent_through"], name="subscriber_cursor")]

    def __str__(self):
        return f"subscriber {self.pk} of {self.story_id}"  # never the address: it is personal

    @staticmethod
    def normalise(address: str) -> str:
        """The address as it is stored and looked up: trimmed, in lower case."""
        return (address or "").strip().lower()

    # --- subscribing: double opt-in ---------------------------------------------------------

    @staticmethod
    def confirmation_token(story: Story, email: str, scope: str) -> str:
        """The signed link's token: nothing is stored until it is used."""
        return signing.dumps(
            {"s": story.pk, "e": EmailSubscriber.normalise(email), "k": scope},
            salt=CONFIRM_SALT,
            compress=True,
        )

    @staticmethod
    def read_confirmation(token: str) -> Subscription | None:
        """What a confirmation token asks for, or None when it is forged or too old."""
        try:
            data = signing.loads(
                token, salt=CONFIRM_SALT, max_age=timedelta(days=settings.EMAIL_CONFIRM_DAYS)
            )
            subscription = Subscription(int(data["s"]), str(data["e"]), str(data["k"]))
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            return None
        if subscription.scope not in EmailSubscriber.Scope.values:
            return None
        return subscription

    @classmethod
    def confirm(cls, subscription: Subscription) -> "EmailSubscriber":
        """Subscribe (or change the choice of) a confirmed address. A new subscriber is served
        from the story as it is now: what was published before is not mailed."""
        story = Story.objects.public().get(pk=subscription.story_pk)
        with transaction.atomic():
            subscriber, created = cls.objects.select_for_update().get_or_create(
                story=story,
                email=subscription.email,
                defaults={"scope": subscription.scope, "sent_through": story.sequence},
            )
            if not created and subscriber.scope != subscription.scope:
                subscriber.scope = subscription.scope
                subscriber.save(update_fields=["scope"])
        cache.delete(ANY_SUBSCRIBER_KEY.format(story.pk))
        return subscriber

    @staticmethod
    def check_address(address: str) -> str:
        """The address normalised, or a ValidationError saying what is wrong with it."""
        field = EmailSubscriber._meta.get_field("email")
        email = EmailSubscriber.normalise(address)
        if not email:
            raise ValidationError("Enter your email address.")
        if len(email) > field.max_length:
            raise ValidationError(f"An email address has at most {field.max_length} characters.")
        for validator in field.validators:
            validator(email)
        return email

    @staticmethod
    def over_limit(client: str, email: str) -> str | None:
        """Count one request to subscribe from `client` (a network address) for `email`: None
        while both are within their hourly limits, else what to tell the reader."""
        digest = hashlib.sha256(f"{settings.SECRET_KEY}:{email}".encode()).hexdigest()
        hour = int(time.time() // 3600)
        counted = [
            (f"subscribe:ip:{client}:{hour}", SUBSCRIBES_PER_IP_PER_HOUR),
            (f"subscribe:address:{digest}:{hour}", SUBSCRIBES_PER_ADDRESS_PER_HOUR),
        ]
        over = False
        for key, limit in counted:
            cache.add(key, 0, timeout=3600)
            try:
                over |= cache.incr(key) > limit
            except ValueError:  # expired between add() and incr()
                cache.set(key, 1, timeout=3600)
        if over:
            return TOO_MANY
        return None

    # --- leaving ----------------------------------------------------------------------------

    def unsubscribe(self) -> None:
        """The reader leaves: the address and what was sent to it are deleted."""
        story_pk = self.story_id
        self.delete()
        cache.delete(ANY_SUBSCRIBER_KEY.format(story_pk))

    def remove(self, *, by=None) -> None:
        """An editor deletes a subscriber (a reader asked them to, say)."""
        require(by, user_is_editor(by), EDITORS_ONLY)
        self.unsubscribe()

    @classmethod
    def find(cls, story: Story, address: str, *, by=None) -> "EmailSubscriber | None":
        """The subscriber with exactly this address, for an editor: addresses are never
        listed, only looked up."""
        require(by, user_is_editor(by), EDITORS_ONLY)
        return cls.objects.filter(story=story, email=cls.normalise(address)).first()

    @classmethod
    def counts(cls, story: Story) -> dict[str, int]:
        """How many subscribers the story has for each choice, by its label: all the desk
        shows of them."""
        rows = dict(
            cls.objects.filter(story=story)
            .order_by()
            .values_list("scope")
            .annotate(n=models.Count("pk"))
            .values_list("scope", "n")
        )
        return {label: rows.get(scope, 0) for scope, label in cls.Scope.choices}

    # --- what is due ------------------------------------------------------------------------

    def wants(self, change: "ChangeSeen") -> bool:
        """Whether this subscriber's choice includes that change."""
        if change.kind == Change.Kind.ENDED:
            return True
        if change.kind != Change.Kind.PUBLISHED or change.update_state != "published":
            return False
        return self.scope == self.Scope.ALL or (self.scope == self.Scope.KEY and change.key_event)
