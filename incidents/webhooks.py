"""Sending webhooks, on Django's Tasks framework (`django.tasks`; the embedded default keeps the
queue in the database, `django-tasks-db`, run by `manage.py db_worker`).

A change is never held up by its webhooks: one `fan_out` task is queued with it (and only when
some webhook is active; incidents/queueing.py). The task writes one delivery row per webhook
that asked for that kind of change and queues a `deliver` task for each. `deliver` sends the message
(signed as Standard Webhooks says: `webhook-id`, `webhook-timestamp`, `webhook-signature`), or
Slack's incoming-webhook shape, and records the answer; a failure queues the next attempt after
the wait its delivery row names, for about a day. A delivery already delivered or abandoned is
never sent again, whichever task comes back to it.
"""

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.tasks import task
from django.utils.timezone import now

from incidents import queueing
from incidents.api.representation import story_data, update_data, utc_time
from incidents.json_ld import plain_text
from incidents.models import Change, Story, Webhook, WebhookDelivery, story_changed
from incidents.models.webhook import ACTIVE_KEY, check_target
from incidents.outbound import opener

logger = logging.getLogger(__name__)
QUEUE = "webhooks"
SWEEP_KEY = "webhooks:sweep-queued"


# --- queueing ---------------------------------------------------------------------------------


@receiver(story_changed)
def queue_with_change(sender, pk: int, sequence: int, **kwargs) -> None:
    """One fan-out task per change while any webhook listens (incidents/queueing.py)."""
    if any_active_webhook():
        queueing.queue_with_change(fan_out, pk, sequence)


def any_active_webhook() -> bool:
    """Whether any webhook listens; setting one up or removing one forgets it."""
    return queueing.anyone_listening(ACTIVE_KEY, Webhook.objects.filter(active=True))


@task(queue_name=QUEUE)
def fan_out(story_pk: int, sequence: int) -> int:
    """One delivery per webhook that asked for this change; returns how many were queued."""
    change = Change.objects.select_related("story").filter(story=story_pk, sequence=sequence)
    change = change.first()
    if change is None:
        return 0
    queued = 0
    for webhook in Webhook.objects.for_change(change):
        delivery, created = WebhookDelivery.objects.get_or_create(webhook=webhook, change=change)
        if created:
            deliver.enqueue(delivery.pk)
            queued += 1
    requeue_overdue()
    queueing.sweep_later(sweep, SWEEP_KEY)
    return queued


@task(queue_name=QUEUE)
def sweep() -> int:
    """Deliveries whose task was lost are queued again; while any delivery waits, look again
    later (incidents/queueing.py). Returns how many were queued again."""
    waiting = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
    return queueing.sweep_now(sweep, SWEEP_KEY, requeue_overdue, waiting)


def requeue_overdue() -> int:
    """Deliveries whose task was lost (a worker killed mid-task) are queued again."""
    overdue = list(WebhookDelivery.objects.overdue().values_list("pk", flat=True)[:100])
    for pk in overdue:
        deliver.enqueue(pk)
    return len(overdue)


# --- sending ----------------------------------------------------------------------------------


@task(queue_name=QUEUE)
def deliver(delivery_pk: int) -> str:
    """One attempt at one delivery. Returns its status afterwards."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("webhook", "change__story", "change__update")
            .filter(pk=delivery_pk)
            .first()
        )
        if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
            return delivery.status if delivery else "gone"
        if delivery.due_at > now():  # another task holds it, or its next attempt is later
            return delivery.status
        # Claimed: not due again until well after the longest a send may take, so a second task
        # for the same delivery leaves it alone, and a lost one is found overdue and queued again.
        delivery.due_at = now() + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + 60)
        delivery.save(update_fields=["due_at"])
    status, error = _send(delivery)
    if error:
        wait = delivery.failed(status=status, error=error)
        if wait is not None:
            deliver.using(run_after=delivery.due_at).enqueue(delivery.pk)
        else:
            logger.warning("webhook %s: abandoned %s: %s", delivery.webhook_id, delivery.pk, error)
    else:
        delivery.succeeded(status)
    return delivery.status


def _send(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the message once: (HTTP status, "") on a 2xx, else (status or None, why)."""
    webhook = delivery.webhook
    try:
        check_target(webhook.url)
    except ValidationError as error:
        return None, error.message_dict["url"][0]
    body = json.dumps(_message(delivery), separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "User-Agent": f"{settings.SITE_NAME} webhooks"}
    if webhook.format == Webhook.Format.STANDARD:
        headers.update(signed_headers(webhook.secret, delivery.message_id, body))
    # check_target allows http(s) only
    request = urllib.request.Request(webhook.url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(1024)
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code} {error.reason}"
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, "timed out" if "timed out" in str(reason) else str(reason)[:200]


def signed_headers(secret: str, message_id: str, body: bytes, at: int | None = None) -> dict:
    """Standard Webhooks' headers: the signature is HMAC-SHA256, keyed with the secret's bytes,
    of "{id}.{timestamp}.{body}", in base64 after "v1,"."""
    timestamp = str(int(at if at is not None else time.time()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": f"v1,{signature}",
    }


def _address(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}" if settings.SITE_URL else path


def _message(delivery: WebhookDelivery) -> dict:
    """The payload: the API's story object and, for an update's change, its update object (as
    readers see it: a retracted update's text is not sent)."""
    change, webhook = delivery.change, delivery.webhook
    story: Story = change.story
    update = change.update
    if webhook.format == Webhook.Format.SLACK:
        return {"text": _slack_text(story, change)}
    data = {"story": story_data(story, time=utc_time, url=_address(story.get_absolute_url()))}
    if update is not None:
        update.story = story
        data["update"] = update_data(
            update, time=utc_time, url=_address(update.get_absolute_url()), readers=True
        )
    return {
        "type": Webhook.EVENTS.get(change.kind, change.kind),
        "timestamp": utc_time(change.created_at),
        "data": data,
    }


def _slack_text(story: Story, change: Change) -> str:
    """Slack's mrkdwn: the headline linked, the update's number and its text."""
    link = f"<{_address(story.get_absolute_url())}|{_slack_escape(story.full_headline)}>"
    update = change.update
    if change.kind == Change.Kind.ENDED:
        return f"{link}: live coverage has ended."
    if update is None:
        return link
    label = f"UPDATE {update.number}"
    if update.is_retracted:
        return f"{link} · {label} was retracted: {_slack_escape(update.retraction_reason)}"
    text = plain_text(update.body_html)
    if len(text) > 1500:
        text = text[:1500].rsplit(" ", 1)[0] + " …"
    verb = {Change.Kind.EDITED: " (edited)", Change.Kind.PINNED: " (pinned)"}.get(change.kind, "")
    permalink = _address(update.get_absolute_url())
    return f"{link} · <{permalink}|{label}>{verb}\n{_slack_escape(text)}"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
