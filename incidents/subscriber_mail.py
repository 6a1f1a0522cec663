"""Emails to a story's subscribers, on Django's Tasks framework (like incidents/webhooks.py).

A change never waits for email: one `send_due` task is queued for the story with it (and only
when the story has subscribers, which each process remembers for a while). The task
takes on what is due in chunks (incidents/models/subscriber.py: each subscriber's cursor moves in
the same transaction as the batch is made) and sends each batch: the updates it carries as they
read now, numbered, with their times and permalinks, in HTML and plain text, with RFC 8058's
one-click unsubscribe. A failed send is tried again later; a batch whose worker died is taken
over once its hold runs out. The task then queues itself for when the next batch falls due.

Confirmation emails (double opt-in) are sent by `send_confirmation`.
"""

import logging
import secrets
import smtplib
import urllib.parse
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.utils import DNS_NAME
from django.db.models import Min
from django.db.models.functions import Coalesce, Greatest
from django.dispatch import receiver
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.timezone import now

from incidents import queueing, timefmt
from incidents.json_ld import plain_text
from incidents.models import Change, EmailBatch, EmailSubscriber, Story, Update, story_changed
from incidents.models.email_batch import changes_after
from incidents.models.subscriber import ANY_SUBSCRIBER_KEY

logger = logging.getLogger(__name__)
QUEUE = "email"
CHUNK = 100
CONFIRMATION_ATTEMPTS = 5


# --- queueing ---------------------------------------------------------------------------------


@receiver(story_changed)
def queue_with_change(sender, pk: int, sequence: int, **kwargs) -> None:
    """One task per change of a story that has subscribers (incidents/queueing.py)."""
    if any_subscriber(pk):
        queueing.queue_with_change(send_due, pk)


def any_subscriber(story_pk: int) -> bool:
    """Whether the story has subscribers; subscribing and leaving forget it."""
    return queueing.anyone_listening(
        ANY_SUBSCRIBER_KEY.format(story_pk), EmailSubscriber.objects.filter(story=story_pk)
    )


@task(queue_name=QUEUE)
def send_due(story_pk: int) -> int:
    """Send every email of the story that is due; returns how many went out."""
    story = Story.objects.filter(pk=story_pk).first()
    if story is None:
        return 0
    worker = secrets.token_hex(8)
    sent, watched = 0, False
    while True:
        batches = EmailBatch.take_over(worker, story, CHUNK) or EmailBatch.take_on(
            story, worker, CHUNK
        )
        if not batches:
            break
        if not watched:
            # Should this worker die holding them, a run after its hold takes them over.
            send_due.using(run_after=EmailBatch.hold_until() + timedelta(seconds=1)).enqueue(
                story_pk
            )
            watched = True
        sent += send_batches(story, batches, worker)
    queue_next(story)
    return sent


def queue_next(story: Story) -> None:
    """Queue a run for when this story's next email falls due: a retry, or the end of a
    subscriber's EMAIL_BATCH_MINUTES with something still unsent."""
    moment = now()
    # A waiting batch is due at its next attempt, or when its worker's hold runs out.
    retry = EmailBatch.objects.filter(
        subscriber__story=story, status=EmailBatch.Status.PENDING
    ).aggregate(at=Min(Greatest("due_at", Coalesce("claimed_until", "due_at"))))["at"]
    waiting = EmailSubscriber.objects.filter(
        story=story, sent_through__lt=story.sequence, last_sent_at__isnull=False
    ).aggregate(at=Min("last_sent_at"))["at"]
    window = timedelta(minutes=settings.EMAIL_BATCH_MINUTES)
    times = [at for at in (retry, waiting and waiting + window) if at is not None and at > moment]
    if not times:
        return
    at = min(times) + timedelta(seconds=1)
    # One run per story and moment, however many changes asked for it.
    if cache.add(f"email:next:{story.pk}:{int(at.timestamp())}", True, 3600):
        send_due.using(run_after=at).enqueue(story.pk)


# --- sending ----------------------------------------------------------------------------------


@dataclass
class Contents:
    """What one email says: the updates in order, and whether coverage ended."""

    updates: list[Update]
    ended: bool

    @property
    def update_ids(self) -> list[int]:
        return [update.pk for update in self.updates]


def send_batches(story: Story, batches: list[EmailBatch], worker: str) -> int:
    """Send each batch this worker holds, over one connection; returns how many went out."""
    contents: dict[tuple, Contents] = {}
    sent, opened = 0, False
    connection = mailers.default
    try:
        for batch in batches:
            subscriber = batch.subscriber
            if not batch.renew(worker):
                continue  # taken over by another worker after this one's hold ran out
            key = (batch.after_sequence, batch.through_sequence, subscriber.scope)
            if key not in contents:
                contents[key] = batch_contents(story, subscriber, batch)
            content = contents[key]
            if not content.updates and not content.ended:
                batch.empty(worker)
                continue
            message = updates_message(story, subscriber, content, batch)
            try:
                if not opened:  # kept open for the next batches (send_messages would close it)
                    connection.open()
                    opened = True
                connection.send_messages([message])
            except (smtplib.SMTPException, OSError) as error:
                connection.close()  # a broken connection is opened afresh for the next
                opened = False
                wait = batch.failed(worker, describe(error))
                if wait is None:
                    logger.warning(
                        "email %s to subscriber %s abandoned after %s attempts: %s",
                        batch.pk, subscriber.pk, batch.attempts, batch.last_error,
                    )  # fmt: skip
                continue
            batch.sent(worker, content.update_ids)
            sent += 1
    finally:
        connection.close()
    return sent


def describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reason = next(iter(error.recipients.values()))
        return f"SMTP {code} {reason.decode(errors='replace')}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"SMTP {error.smtp_code} {error.smtp_error.decode(errors='replace')}"
    return str(error) or error.__class__.__name__


def batch_contents(story: Story, subscriber: EmailSubscriber, batch: EmailBatch) -> Contents:
    """The updates a batch carries as readers see them now (edited text; retracted ones left
    out), in order of their numbers, and whether coverage ended in its range."""
    changes = changes_after(story.pk, batch.after_sequence, batch.through_sequence)
    wanted = [change for change in changes if subscriber.wants(change)]
    ids = [change.update_id for change in wanted if change.kind == Change.Kind.PUBLISHED]
    updates = list(Update.objects.published().filter(pk__in=ids).order_by("number"))
    if subscriber.scope == EmailSubscriber.Scope.KEY:
        updates = [update for update in updates if update.key_event]
    for update in updates:
        update.story = story
    return Contents(updates, any(change.kind == Change.Kind.ENDED for change in wanted))


def address(path: str) -> str:
    """An absolute address on the site (SITE_URL), for links that leave it."""
    return f"{settings.SITE_URL.rstrip('/')}{path}" if settings.SITE_URL else path


def unsubscribe_headers(subscriber: EmailSubscriber) -> dict:
    """RFC 8058: a mail client's "Unsubscribe" button POSTs to the link, no page, no sign-in."""
    link = address(reverse("subscriptions:unsubscribe", args=[subscriber.token]))
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def message_id(batch: EmailBatch) -> str:
    """The same for every attempt at one batch. A worker killed after the SMTP server took the
    message, before the batch was marked sent, leaves it to be sent again (SMTP cannot close that
    window); the copy then carries the same Message-ID, which mail services and clients that
    drop duplicates (Gmail, say) show once."""
    host = urllib.parse.urlsplit(settings.SITE_URL).hostname or DNS_NAME.get_fqdn()
    return f"<update-email.{batch.pk}@{host}>"


def updates_message(
    story: Story, subscriber: EmailSubscriber, content: Contents, batch: EmailBatch
) -> EmailMultiAlternatives:
    story_url = address(story.get_absolute_url())
    context = {
        "story": story,
        "story_url": story_url,
        "updates": [
            {
                "number": update.number,
                "time": timefmt.ap_datetime(update.timestamp, story.timezone),
                "iso_time": timefmt.iso_time(update.timestamp),
                "url": address(update.get_absolute_url()),
                "html": update.body_html,
                "text": plain_text(update.body_html),
                "key_event": update.key_event,
            }
            for update in content.updates
        ],
        "ended": content.ended,
        "ended_at": story.ended_at and timefmt.ap_datetime(story.ended_at, story.timezone),
        "scope": subscriber.get_scope_display(),
        "unsubscribe_url": address(reverse("subscriptions:unsubscribe", args=[subscriber.token])),
    }
    numbers = [update.number for update in content.updates]
    if numbers:
        label = "UPDATE " + ", ".join(str(number) for number in numbers)
        subject = f"{label}: {story.full_headline}"
    else:
        subject = f"Coverage ended: {story.full_headline}"
    message = _message(subject, subscriber.email, "email/updates", context, subscriber)
    message.extra_headers["Message-ID"] = message_id(batch)
    return message


def _message(subject, to, template, context, subscriber) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " ")[:200],
        body=render_to_string(f"{template}.txt", context),
        to=[to],
        headers=unsubscribe_headers(subscriber) if subscriber is not None else {},
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


# --- confirming an address --------------------------------------------------------------------


@task(queue_name=QUEUE)
def send_confirmation(story_pk: int, email: str, scope: str, attempt: int = 1) -> str:
    """The double opt-in message: a signed link that subscribes `email` when followed. To an
    address already subscribed, it says so and how to leave, and the link changes its choice."""
    story = Story.objects.public().filter(pk=story_pk).first()
    if story is None:
        return "gone"
    existing = EmailSubscriber.objects.filter(story=story, email=email).first()
    token = EmailSubscriber.confirmation_token(story, email, scope)
    context = {
        "story": story,
        "story_url": address(story.get_absolute_url()),
        "confirm_url": address(reverse("subscriptions:confirm", args=[token])),
        "scope": EmailSubscriber.Scope(scope).label,
        "days": settings.EMAIL_CONFIRM_DAYS,
        "existing": existing,
        "current_scope": existing.get_scope_display() if existing else "",
        "unsubscribe_url": existing
        and address(reverse("subscriptions:unsubscribe", args=[existing.token])),
    }
    subject = (
        f"You already follow “{story.full_headline}”"
        if existing
        else f"Confirm: follow “{story.full_headline}” by email"
    )
    connection = mailers.default
    try:
        connection.send_messages([_message(subject, email, "email/confirm", context, existing)])
    except (smtplib.SMTPException, OSError) as error:
        if attempt >= CONFIRMATION_ATTEMPTS:
            logger.warning("confirmation email abandoned after %s attempts: %s", attempt, error)
            return "abandoned"
        wait = timedelta(minutes=2**attempt)
        send_confirmation.using(run_after=now() + wait).enqueue(story_pk, email, scope, attempt + 1)
        return "retrying"
    finally:
        connection.close()
    return "sent"
