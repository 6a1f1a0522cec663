"""The desk shows how far each update went beyond the open pages (issue 14, item 7): the push
notifications that went out for it and its webhook calls, failing ones standing out."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Change, PushDelivery, PushSubscription, Webhook, WebhookDelivery


@pytest.fixture
def desk(client, editor, story):
    client.force_login(editor)

    def page() -> str:
        response = client.get(reverse("desk:story", args=[story.slug]))
        assert response.status_code == 200
        return response.content.decode()

    return page


def row(html: str, update) -> str:
    found = re.search(
        rf'<article class="desk-update[^"]*" id="desk-update-{update.pk}".*?desk-update__slot',
        html,
        re.S,
    )
    assert found, f"no row for update {update.number}"
    return found.group(0)


def reached_by_push(update, browsers: int) -> None:
    for n in range(browsers):
        subscription, _ = PushSubscription.objects.get_or_create(
            story=update.story, endpoint=f"https://push.example.net/{n}", p256dh="k", auth="a"
        )
        PushDelivery.objects.create(subscription=subscription, update=update, status="sent")


def webhook_calls(update, settings, *answers) -> None:
    """One webhook per answer ("delivered", or an error), each having heard of the update."""
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    change = Change.objects.get(update=update, kind=Change.Kind.PUBLISHED)
    for n, answer in enumerate(answers):
        webhook = Webhook.objects.create(url=f"http://127.0.0.1:9/{n}", events="published")
        delivery = WebhookDelivery.objects.create(webhook=webhook, change=change)
        if answer == "delivered":
            delivery.succeeded(204)
        else:
            delivery.failed(status=500, error=answer)


def test_each_update_says_how_many_push_notifications_and_webhooks_it_reached(
    desk, story, editor, settings
):
    first = story.publish_update("Trains stopped.", by=editor)
    second = story.publish_update("Trains running again.", by=editor)
    reached_by_push(first, 3)
    webhook_calls(first, settings, "delivered", "delivered", "HTTP 500 Internal Server Error")
    reached_by_push(second, 1)

    html = desk()

    assert "Sent: 3 push notifications · 2 webhooks · " in row(html, first)
    assert '<strong class="desk-update__failed">1 webhook call failing</strong>' in row(html, first)
    assert "Sent: 1 push notification</span>" in row(html, second)


def test_an_update_that_went_nowhere_else_says_nothing(desk, story, editor):
    update = story.publish_update("Trains stopped.", by=editor)

    html = desk()

    assert "Trains stopped." in row(html, update)
    assert "Sent:" not in row(html, update)


def test_the_counts_cost_the_same_queries_for_a_long_timeline(desk, story, editor, settings):
    for n in range(3):
        reached_by_push(story.publish_update(f"Update {n}.", by=editor), 1)
    with CaptureQueriesContext(connection) as short:
        desk()
    for n in range(20):
        reached_by_push(story.publish_update(f"More {n}.", by=editor), 2)

    with CaptureQueriesContext(connection) as long:
        html = desk()

    assert html.count("Sent: 2 push notifications") == 20
    assert len(long.captured_queries) == len(short.captured_queries)
