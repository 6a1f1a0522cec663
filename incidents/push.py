"""Sending Web Push notifications, on Django's Tasks framework (like incidents/webhooks.py).

A publish is never held up by its notifications: one `fan_out` task is queued with it
(incidents/queueing.py), and only when the story has a push subscription (remembered in the
cache, so a publish costs no query for it). The task writes one delivery row per subscription
that asked for the update (every update, or key events only) and queues `deliver` tasks for them
in batches.
`deliver` encrypts the notification to the reader's browser (aes128gcm, RFC 8291: pywebpush),
signs a VAPID token for the push service (RFC 8292: py-vapid, which pywebpush uses) and POSTs it
through the opener every request to an address people give goes through (incidents/outbound.py:
no redirect followed, the address checked first). A 5xx, 429 or timeout is tried again later; a
404 or 410 means the reader's browser dropped the subscription, which is then forgotten. A
delivery already sent or abandoned is never sent again, whichever task comes back to it.
"""

import functools
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.tasks import task
from django.utils.timezone import now
from py_vapid import Vapid
from pywebpush import WebPusher

from incidents import queueing
from incidents.models import Change, PushDelivery, PushSubscription, Update, story_changed
from incidents.models.push import any_key, check_endpoint
from incidents.outbound import opener
from incidents.rendering import first_sentence

BATCH = 50  # deliveries per `deliver` task
BODY_CHARS = 150  # of the update's first sentence in the notification
logger = logging.getLogger(__name__)
QUEUE = "push"
SWEEP_KEY = "push:sweep-queued"


def enabled() -> bool:
    """Whether this site sends push notifications: it has its VAPID keys."""
    return bool(settings.VAPID_PRIVATE_KEY and settings.VAPID_PUBLIC_KEY)


def public_key() -> str | None:
    """The key a reader's browser subscribes with (the article's button), or None: push is off."""
    return settings.VAPID_PUBLIC_KEY if enabled() else None


@checks.register(deploy=True)
def check_push_keys(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Without VAPID keys push is off, which a site may choose: `manage.py check --deploy` says
    so, at a level that does not stop `make serve` (its check fails on warnings). Keys that are
    wrong stop start-up in the settings, naming the variable."""
    if enabled():
        return []
    return [
        checks.Info(
            "Push notifications are off: VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY and VAPID_SUBJECT "
            "are not set, so readers are not offered them.",
            hint="Run `manage.py vapid_keys` and put its three lines in the environment.",
            id="incidents.I001",
        )
    ]


# --- queueing ---------------------------------------------------------------------------------


@receiver(story_changed)
def queue_with_change(sender, pk: int, sequence: int, kind: str = "", **kwargs) -> None:
    """One fan-out task per publish of a story with push subscriptions (incidents/queueing.py)."""
    if kind == Change.Kind.PUBLISHED and enabled() and any_subscription(pk):
        queueing.queue_with_change(fan_out, pk, sequence)


def any_subscription(story_pk: int) -> bool:
    """Whether the story has any push subscription; one added or removed forgets it."""
    return queueing.anyone_listening(
        any_key(story_pk), PushSubscription.objects.filter(story=story_pk)
    )


@task(queue_name=QUEUE)
def fan_out(story_pk: int, sequence: int) -> int:
    """One delivery per subscription that asked for the update this change published; returns
    how many deliveries are waiting for it."""
    change = (
        Change.objects.select_related("update")
        .filter(story=story_pk, sequence=sequence, kind=Change.Kind.PUBLISHED)
        .first()
    )
    if change is None or change.update is None:
        return 0
    update = change.update
    wanted = PushSubscription.objects.for_update(update).values_list("pk", flat=True)
    PushDelivery.objects.bulk_create(
        (PushDelivery(subscription_id=pk, update=update) for pk in wanted.iterator()),
        batch_size=500,
        ignore_conflicts=True,  # a repeated fan-out adds nothing
    )
    waiting = list(
        PushDelivery.objects.filter(update=update, status=PushDelivery.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(waiting), BATCH):
        deliver.enqueue(waiting[start : start + BATCH])
    requeue_overdue()
    queueing.sweep_later(sweep, SWEEP_KEY)
    return len(waiting)


@task(queue_name=QUEUE)
def sweep() -> int:
    """Deliveries whose task was lost are queued again; while any delivery waits, look again
    later (incidents/queueing.py). Returns how many were queued again."""
    waiting = PushDelivery.objects.filter(status=PushDelivery.Status.PENDING)
    return queueing.sweep_now(sweep, SWEEP_KEY, requeue_overdue, waiting)


def requeue_overdue() -> int:
    """Deliveries whose task was lost (a worker killed mid-task) are queued again."""
    overdue = list(PushDelivery.objects.overdue().values_list("pk", flat=True)[:500])
    for start in range(0, len(overdue), BATCH):
        deliver.enqueue(overdue[start : start + BATCH])
    return len(overdue)


# --- sending ----------------------------------------------------------------------------------


@task(queue_name=QUEUE)
def deliver(delivery_pks: list[int]) -> dict[str, int]:
    """One attempt at each of these deliveries. Returns how many ended in each status."""
    outcome: dict[str, int] = {}
    for pk in delivery_pks:
        status = _deliver_one(pk)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


def _claim(delivery_pk: int) -> PushDelivery | None:
    """The delivery, if it is waiting and due; then no other task takes it until well after the
    longest an attempt may take (a lost one is found overdue and queued again)."""
    with transaction.atomic():
        delivery = (
            PushDelivery.objects.select_for_update(of=("self",))
            .select_related("subscription__story", "update")
            .filter(pk=delivery_pk)
            .first()
        )
        if delivery is None or delivery.status != PushDelivery.Status.PENDING:
            return None
        if delivery.due_at > now():  # another task holds it, or its next attempt is later
            return None
        delivery.due_at = now() + timedelta(seconds=settings.PUSH_TIMEOUT_SECONDS + 60)
        delivery.save(update_fields=["due_at"])
        return delivery


def _deliver_one(delivery_pk: int) -> str:
    delivery = _claim(delivery_pk)
    if delivery is None:
        found = PushDelivery.objects.filter(pk=delivery_pk).values_list("status", flat=True)
        return found.first() or "gone"
    subscription, update = delivery.subscription, delivery.update
    if subscription is None:
        delivery.dropped("The reader unsubscribed first.")
        return delivery.status
    if not update.is_published:  # retracted since: its text is not sent
        delivery.dropped("The update was retracted first.")
        return delivery.status
    update.story = subscription.story
    status, error = _send(subscription, update)
    if not error:
        delivery.succeeded(status)
    elif status in (404, 410):
        delivery.refused(status=status, error=error)
        subscription.expire()
        logger.info("push %s: subscription %s expired (%s)", delivery.pk, subscription.pk, status)
    elif status is None or status == 429 or status >= 500:
        if delivery.failed(status=status, error=error) is not None:
            deliver.using(run_after=delivery.due_at).enqueue([delivery.pk])
        else:
            logger.warning("push %s: abandoned after %s", delivery.pk, error)
    else:
        delivery.refused(status=status, error=error)
        logger.warning("push %s: refused by the push service: %s", delivery.pk, error)
    return delivery.status


def notification(update: Update) -> dict:
    """What the service worker shows (static/js/push-worker.js): the headline, "UPDATE n: " and
    the update's first sentence, and where a click leads (the update's permalink)."""
    story = update.story
    return {
        "title": story.full_headline,
        "body": f"UPDATE {update.number}: {first_sentence(update.body_html, BODY_CHARS)}",
        "url": _address(update.get_absolute_url()),
        "tag": f"{story.slug}-{update.number}",
    }


def _address(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}" if settings.SITE_URL else path


def vapid_headers(endpoint: str) -> dict[str, str]:
    """The VAPID `Authorization` header for this push service: a JWT signed with our private key
    (ES256) for the endpoint's origin, valid for twelve hours, naming our contact."""
    parts = urllib.parse.urlsplit(endpoint)
    claims = {
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(time.time()) + 12 * 3600,
        "sub": settings.VAPID_SUBJECT,
    }
    return _signer(settings.VAPID_PRIVATE_KEY).sign(claims)


@functools.lru_cache(maxsize=2)
def _signer(private_key: str) -> Vapid:
    return Vapid.from_raw(private_key.encode())


def _send(subscription: PushSubscription, update: Update) -> tuple[int | None, str]:
    """POST the encrypted notification once: (HTTP status, "") on a 2xx, else (status or None,
    why)."""
    try:
        check_endpoint(subscription.endpoint)
    except ValidationError as error:
        return None, error.message_dict["endpoint"][0]
    payload = json.dumps(notification(update), separators=(",", ":")).encode()
    body = WebPusher(subscription.subscription_info).encode(payload, "aes128gcm")["body"]
    headers = {
        **vapid_headers(subscription.endpoint),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(settings.PUSH_TTL_SECONDS),
        "Urgency": "high" if update.key_event else "normal",
    }
    # check_endpoint allows https only (http to loopback in tests)
    request = urllib.request.Request(  # noqa: S310
        subscription.endpoint, data=body, headers=headers, method="POST"
    )
    try:
        with opener.open(request, timeout=settings.PUSH_TIMEOUT_SECONDS) as response:
            response.read(1024)
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code} {error.reason}"
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, "timed out" if "timed out" in str(reason) else str(reason)[:200]
