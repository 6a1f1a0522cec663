"""A browser replaces its push subscription (`pushsubscriptionchange`: the push service renewed
or expired it) and its service worker tells the site, which moves every story the browser
followed to the new endpoint (POST /push/renew/). Delivery runs against the stand-in push
service (tests/push_service.py); the worker's side is in tests/test_browser_push.py."""

import json

import pytest
from django.urls import reverse

from incidents.models import PushDelivery, PushSubscription
from tests.push_service import SAME_SITE, subscribe
from tests.task_worker import run_worker

pytestmark = pytest.mark.tasks


def renew(client, old_endpoint, subscription, headers=SAME_SITE):
    return client.post(
        reverse("reader:push_renew"),
        json.dumps({"old_endpoint": old_endpoint, "subscription": subscription}),
        content_type="application/json",
        headers=headers,
    )


def test_every_story_the_browser_followed_moves_to_its_new_subscription_with_its_choice(
    client, story, other_story, service, editor, on_commit
):
    old, new = service.browser(), service.browser()
    subscribe(client, story, old.subscription(), "key")
    subscribe(client, other_story, old.subscription(), "all")

    response = renew(client, old.endpoint, new.subscription())

    assert response.status_code == 200
    assert response.json() == {"renewed": 2}
    kept = PushSubscription.objects.order_by("story__pk")
    assert [(s.story, s.endpoint, s.events) for s in kept] == [
        (story, new.endpoint, "key"),
        (other_story, new.endpoint, "all"),
    ]
    assert kept[0].p256dh == new.subscription()["keys"]["p256dh"]

    on_commit(story, "Found it.", by=editor, key_event=True)
    run_worker()

    assert [p["body"] for p in service.payloads(new)] == ["UPDATE 1: Found it."]
    assert service.payloads(old) == []
    assert service.refused == []


def test_a_notification_still_waiting_goes_to_the_new_subscription(
    client, story, service, editor, on_commit
):
    old, new = service.browser(), service.browser()
    subscribe(client, story, old.subscription())
    on_commit(story, "Found it.", by=editor, key_event=True)

    assert renew(client, old.endpoint, new.subscription()).status_code == 200
    run_worker()

    assert [p["body"] for p in service.payloads(new)] == ["UPDATE 1: Found it."]
    assert PushDelivery.objects.get().status == "sent"


def test_a_story_the_browser_had_also_followed_anew_keeps_one_subscription(
    client, story, service, editor, on_commit
):
    old, new = service.browser(), service.browser()
    subscribe(client, story, old.subscription(), "all")
    subscribe(client, story, new.subscription(), "key")

    assert renew(client, old.endpoint, new.subscription()).status_code == 200
    on_commit(story, "Found it.", by=editor, key_event=True)
    run_worker()

    assert list(story.push_subscriptions.values_list("endpoint", "events")) == [
        (new.endpoint, "all")
    ]
    assert len(service.payloads(new)) == 1


def test_an_endpoint_no_story_knows_is_a_404_and_nothing_changes(client, story, service):
    kept = service.browser()
    subscribe(client, story, kept.subscription())

    response = renew(client, service.browser().endpoint, service.browser().subscription())

    assert response.status_code == 404
    assert response.json() == {"error": "No story sends notifications to that subscription."}
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [kept.endpoint]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: {**s, "endpoint": "https://169.254.169.254/push/x"}, "link-local"),
        (lambda s: {**s, "endpoint": "ftp://push.example.com/x"}, "must be an https://"),
        (lambda s: {**s, "keys": {**s["keys"], "auth": "c2hvcnQ"}}, "keys.auth must be 16 bytes"),
        (lambda s: {"endpoint": s["endpoint"]}, "subscription.keys (p256dh and auth) is missing"),
        (lambda s: "not an object", "subscription must be the browser's PushSubscription"),
    ],
)
def test_a_bad_new_subscription_is_refused_with_a_message_and_the_old_one_kept(
    client, story, service, change, message
):
    old = service.browser()
    subscribe(client, story, old.subscription())

    response = renew(client, old.endpoint, change(service.browser().subscription()))

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [old.endpoint]


def test_a_renewal_without_the_old_endpoint_is_refused(client, story, service):
    response = renew(client, None, service.browser().subscription())

    assert response.status_code == 400
    assert response.json() == {"error": "old_endpoint is missing."}


@pytest.mark.parametrize(
    "headers", [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}, {}]
)
def test_a_renewal_from_another_site_is_refused(client, story, service, headers):
    old = service.browser()
    subscribe(client, story, old.subscription())

    response = renew(client, old.endpoint, service.browser().subscription(), headers=headers)

    assert response.status_code == 403
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [old.endpoint]


def test_odd_json_to_renew_gets_a_400_never_a_500(client, service):
    response = client.post(
        reverse("reader:push_renew"), b"\xff[", content_type="application/json", headers=SAME_SITE
    )

    assert response.status_code == 400
    assert response.json() == {"error": "The request must be JSON."}


def test_renewing_wants_a_post(client, service):
    assert client.get(reverse("reader:push_renew")).status_code == 405
