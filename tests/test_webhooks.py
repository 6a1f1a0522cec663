"""Signed outgoing webhooks (issue 14, item 4) on Django's Tasks framework (item 1): what an editor
sets up on the desk, what a receiver gets and how it checks it, retries, and what is refused.
A local receiver on 127.0.0.1 verifies every signature the Standard Webhooks way."""

import base64
import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.timezone import now

from incidents import webhooks
from incidents.models import Change, Webhook, WebhookDelivery
from incidents.models.webhook import RETRY_DELAYS
from tests.task_worker import lose_queued_tasks, queued_tasks, run_worker

pytestmark = pytest.mark.tasks

# --- a receiver ---------------------------------------------------------------------------------


class Receiver(BaseHTTPRequestHandler):
    """Answers each POST with the next of `answers` (a status, or "hang"), 200 when none is
    left, and keeps what it got."""

    got: list = []
    answers: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.got.append(
            {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        )
        answer = Receiver.answers.pop(0) if Receiver.answers else 200
        if answer == "hang":
            time.sleep(2)
            answer = 200
        self.send_response(answer)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def receiver_address():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


@pytest.fixture
def receiver(receiver_address, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    settings.SITE_URL = "https://live.example.com"
    Receiver.got.clear()
    Receiver.answers.clear()
    return receiver_address


def verified(message: dict, secret: str) -> dict:
    """The JSON a receiver may trust, after checking the signature as Standard Webhooks says."""
    headers = message["headers"]
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + message["body"]
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert f"v1,{expected}" in headers["webhook-signature"].split(" ")
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 300
    return json.loads(message["body"])


# --- delivery -----------------------------------------------------------------------------------


def test_a_published_update_reaches_the_receiver_signed_with_the_api_objects(
    receiver, editor, story, on_commit
):
    webhook = Webhook.create(url=receiver, events=["published"], by=editor)

    update = on_commit(story, "Engineers found the **cause**.", by=editor)
    run_worker()

    [message] = Receiver.got
    data = verified(message, webhook.secret)
    assert data["type"] == "update.published"
    assert data["data"]["story"]["slug"] == story.slug
    assert data["data"]["story"]["url"] == f"https://live.example.com/stories/{story.slug}/"
    assert data["data"]["update"]["number"] == update.number
    assert data["data"]["update"]["html"] == "<p>Engineers found the <strong>cause</strong>.</p>"
    change = Change.objects.get(update=update)
    assert message["headers"]["webhook-id"] == f"msg_{story.pk}_{change.sequence}_{webhook.pk}"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)


def test_only_the_changes_and_stories_asked_for_are_sent(
    receiver, editor, story, other_story, on_commit
):
    Webhook.create(url=receiver, events=["retracted"], story=story, by=editor)

    first = on_commit(story, "One.", by=editor)
    on_commit(other_story, "Elsewhere.", by=editor)
    run_worker()
    assert Receiver.got == []

    first.retract("Wrong figure", by=editor)
    change = Change.objects.get(story=story, kind=Change.Kind.RETRACTED)
    webhooks.fan_out.call(story.pk, change.sequence)
    run_worker()

    [message] = Receiver.got
    data = json.loads(message["body"])
    assert data["type"] == "update.retracted"
    assert data["data"]["update"]["body"] is None  # a retracted update's text is not sent
    assert data["data"]["update"]["retraction_reason"] == "Wrong figure"


def test_a_site_wide_webhook_hears_every_story(receiver, editor, story, other_story, on_commit):
    Webhook.create(url=receiver, events=["published"], by=editor)

    on_commit(story, "One.", by=editor)
    on_commit(other_story, "Two.", by=editor)
    run_worker()

    slugs = sorted(json.loads(m["body"])["data"]["story"]["slug"] for m in Receiver.got)
    assert slugs == sorted([story.slug, other_story.slug])


def test_a_failing_receiver_is_tried_again_later_and_a_delivered_message_never_twice(
    receiver, editor, story, on_commit
):
    webhook = Webhook.create(url=receiver, events=["published"], by=editor)
    Receiver.answers[:] = [500]

    on_commit(story, "One.", by=editor)
    run_worker()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    assert delivery.last_error == "HTTP 500 Internal Server Error"
    assert delivery.due_at > now() + RETRY_DELAYS[0] - timedelta(seconds=2)
    run_worker()  # not due yet: nothing sent
    assert len(Receiver.got) == 1

    with time_machine.travel(now() + RETRY_DELAYS[0] + timedelta(seconds=1)):
        run_worker()
        webhooks.deliver.call(delivery.pk)  # a stray second task for it
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert len(Receiver.got) == 2
    ids = {m["headers"]["webhook-id"] for m in Receiver.got}
    assert len(ids) == 1  # the retry carries the same id, so a receiver can tell
    verified(Receiver.got[1], webhook.secret)


def test_a_retry_runs_once_due_and_not_a_moment_before(receiver, editor, story, on_commit):
    # RQ keeps a later task's time in whole seconds (liveblog/rq_backend.py): one that started
    # early would find its delivery not yet due and end without sending, and nothing would try
    # it again.
    Webhook.create(url=receiver, events=["published"], by=editor)
    Receiver.answers[:] = [500]
    failed_at = now().replace(microsecond=600_000) + timedelta(minutes=1)
    with time_machine.travel(failed_at, tick=False):
        on_commit(story, "One.", by=editor)
        run_worker()
    delivery = WebhookDelivery.objects.get()
    assert delivery.due_at == failed_at + RETRY_DELAYS[0]

    with time_machine.travel(delivery.due_at - timedelta(seconds=0.5), tick=False):
        run_worker()  # the second it is due in has begun, but not its moment
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(Receiver.got)) == ("pending", 1, 1)

    with time_machine.travel(delivery.due_at + timedelta(seconds=1), tick=False):
        run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(Receiver.got)) == ("delivered", 2, 2)


def test_a_receiver_that_hangs_times_out_and_is_retried(receiver, editor, story, on_commit):
    Webhook.create(url=receiver, events=["published"], by=editor)
    Receiver.answers[:] = ["hang"]

    on_commit(story, "One.", by=editor)
    run_worker()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_error) == ("pending", "timed out")


def test_a_delivery_is_abandoned_after_a_day_of_failures(receiver, editor, story, on_commit):
    Webhook.create(url=receiver, events=["published"], by=editor)
    Receiver.answers[:] = [503] * (len(RETRY_DELAYS) + 1)

    on_commit(story, "One.", by=editor)
    run_worker()
    for _ in RETRY_DELAYS:
        # A second after each attempt is due (RQ keeps times to the second: within it, it runs).
        due_at = WebhookDelivery.objects.get().due_at
        with time_machine.travel(due_at + timedelta(seconds=1)):
            run_worker()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("abandoned", len(RETRY_DELAYS) + 1)
    assert sum(RETRY_DELAYS, timedelta()) > timedelta(hours=23)


def test_a_lost_task_is_found_overdue_and_queued_again(receiver, editor, story, on_commit):
    webhook = Webhook.create(url=receiver, events=["published"], by=editor)
    update = on_commit(story, "One.", by=editor)
    change = Change.objects.get(update=update)
    webhooks.fan_out.call(story.pk, change.sequence)
    # A worker was killed while holding this delivery: claimed, never finished, its task gone.
    lose_queued_tasks()
    WebhookDelivery.objects.filter(webhook=webhook, change=change).update(
        due_at=now() - timedelta(minutes=5)
    )

    queued = webhooks.requeue_overdue()
    run_worker()

    assert queued == 1
    assert len(Receiver.got) == 1
    assert WebhookDelivery.objects.get().status == "delivered"


def test_a_lost_task_is_found_by_the_sweep_without_another_change(
    receiver, editor, story, on_commit
):
    cache.clear()  # no sweep remembered as queued by an earlier test
    webhook = Webhook.create(url=receiver, events=["published"], by=editor)
    update = on_commit(story, "One.", by=editor)
    change = Change.objects.get(update=update)
    webhooks.fan_out.call(story.pk, change.sequence)  # queues the delivery, and a sweep
    # A worker was killed while holding this delivery: claimed, never finished, its task gone.
    lose_queued_tasks(named="incidents.webhooks.deliver")
    claimed = now() + timedelta(seconds=70)
    WebhookDelivery.objects.filter(webhook=webhook, change=change).update(due_at=claimed)
    run_worker()
    assert Receiver.got == []

    with time_machine.travel(now() + timedelta(minutes=6)):
        run_worker()

    assert len(Receiver.got) == 1
    assert WebhookDelivery.objects.get().status == "delivered"
    assert story.changes.count() == 2  # live, then the one update: nothing else happened


def test_slack_format_posts_the_text_its_number_and_a_link(receiver, editor, story, on_commit):
    Webhook.create(url=receiver, events=["published"], format="slack", by=editor)

    on_commit(story, "Costs rose 3 < 4 & more.", by=editor)
    run_worker()

    [message] = Receiver.got
    assert "webhook-signature" not in message["headers"]
    text = json.loads(message["body"])["text"]
    assert text.startswith(
        f"<https://live.example.com/stories/{story.slug}/|{story.full_headline}>"
    )
    assert "|UPDATE 1>" in text
    assert "Costs rose 3 &lt; 4 &amp; more." in text


def test_publishing_queues_one_task_and_sends_nothing_until_the_worker_runs(
    receiver, editor, story, on_commit
):
    Webhook.create(url=receiver, events=["published"], by=editor)
    Receiver.answers[:] = ["hang"]

    on_commit(story, "One.", by=editor)

    assert queued_tasks() == ["incidents.webhooks.fan_out"]
    assert Receiver.got == []


def test_a_new_webhook_is_heard_at_once_though_none_listened_a_moment_ago(
    receiver, editor, story, on_commit
):
    assert webhooks.any_active_webhook() is False  # remembered
    Webhook.create(url=receiver, events=["published"], by=editor)

    on_commit(story, "One.", by=editor)
    run_worker()

    assert len(Receiver.got) == 1


def test_no_task_is_queued_when_no_webhook_is_active(editor, story, on_commit):
    on_commit(story, "One.", by=editor)

    assert queued_tasks() == []


# --- what is refused ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:9/hook", "is on a private, loopback or link-local address (127.0.0.1)"),
        ("http://169.254.169.254/latest/meta-data/", "(169.254.169.254)"),
        ("http://10.0.0.8/hook", "(10.0.0.8)"),
        ("http://[::1]/hook", "(::1)"),
        ("ftp://example.com/hook", "starting with https://"),
        ("javascript:alert(1)", "starting with https://"),
    ],
)
def test_a_webhook_to_a_private_address_or_another_scheme_is_refused(editor, url, message):
    with pytest.raises(ValidationError) as refused:
        Webhook.create(url=url, events=["published"], by=editor)

    assert message in " ".join(refused.value.message_dict["url"])
    assert not Webhook.objects.exists()


def test_a_target_that_has_come_to_point_at_a_private_address_is_not_called(
    receiver, editor, story, on_commit, settings
):
    Webhook.create(url=receiver, events=["published"], by=editor)
    settings.WEBHOOK_ALLOW_LOOPBACK = False  # as in production

    on_commit(story, "One.", by=editor)
    run_worker()

    assert Receiver.got == []
    delivery = WebhookDelivery.objects.get()
    assert "private, loopback or link-local" in delivery.last_error


def test_a_reporter_cannot_set_up_a_webhook(reporter, receiver):
    with pytest.raises(PermissionDenied):
        Webhook.create(url=receiver, events=["published"], by=reporter)


def test_a_webhook_needs_at_least_one_kind_of_change(editor, receiver):
    with pytest.raises(ValidationError) as refused:
        Webhook.create(url=receiver, events=[], by=editor)

    assert refused.value.message_dict["events"] == ["Choose at least one kind of change to send."]


# --- the desk -----------------------------------------------------------------------------------


def test_an_editor_adds_a_webhook_on_the_desk_and_sees_its_secret_and_deliveries(
    client, editor, story, receiver, on_commit
):
    client.force_login(editor)

    response = client.post(
        reverse("desk:webhooks"),
        {
            "url": receiver,
            "story": story.slug,
            "events": ["published", "ended"],
            "format": "standard",
        },
    )

    webhook = Webhook.objects.get()
    assert response.status_code == 302
    assert (webhook.story, webhook.event_kinds) == (story, ["published", "ended"])
    on_commit(story, "One.", by=editor)
    run_worker()
    page = client.get(reverse("desk:webhooks")).content.decode()
    assert f"Webhook added: {receiver}" in page
    assert webhook.secret in page
    assert "Delivered" in page and "HTTP 200" in page


def test_the_desk_shows_why_a_webhook_is_refused_and_keeps_nothing(client, editor):
    client.force_login(editor)

    response = client.post(
        reverse("desk:webhooks"),
        {"url": "http://169.254.169.254/", "events": ["published"], "format": "standard"},
    )

    assert response.status_code == 400
    assert "webhooks only call public addresses" in response.content.decode()
    assert not Webhook.objects.exists()


def test_the_desk_refuses_a_webhook_without_events(client, editor, receiver):
    client.force_login(editor)

    response = client.post(reverse("desk:webhooks"), {"url": receiver, "format": "standard"})

    assert response.status_code == 400
    assert "Choose at least one kind of change to send." in response.content.decode()


def test_an_editor_removes_a_webhook(client, editor, receiver):
    webhook = Webhook.create(url=receiver, events=["published"], by=editor)
    client.force_login(editor)

    response = client.post(reverse("desk:remove_webhook", args=[webhook.pk]))

    assert response.status_code == 302
    assert not Webhook.objects.exists()


def test_reporters_and_strangers_cannot_open_the_webhooks_page(client, reporter):
    assert client.get(reverse("desk:webhooks")).status_code == 302  # to sign in
    client.force_login(reporter)

    assert client.get(reverse("desk:webhooks")).status_code == 403
    assert client.post(reverse("desk:webhooks"), {"url": "https://example.com"}).status_code == 403
