"""Browser push notifications (issue 14, item 3) on Django's Tasks framework (item 1): a reader
turns them on from the article, the worker sends each update to the subscriptions that asked for
it, encrypted and VAPID-signed, through a stand-in push service on 127.0.0.1 that checks the
signature and decrypts the message as a browser would (tests/push_service.py); and what is
refused."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils.timezone import now

from incidents import push
from incidents.models import Change, PushDelivery, PushSubscription
from incidents.models.push import RETRY_DELAYS
from liveblog.vapid import new_keys
from tests.push_service import SAME_SITE, subscribe
from tests.task_worker import lose_queued_tasks, on_rq, queued_tasks, run_worker

pytestmark = pytest.mark.tasks


def unsubscribe(client, story, endpoint):
    return client.post(
        reverse("reader:push_unsubscribe", args=[story.slug]),
        json.dumps({"subscription": {"endpoint": endpoint}}),
        content_type="application/json",
        headers=SAME_SITE,
    )


# --- turning notifications on and off ---------------------------------------------------------


def test_a_reader_turns_on_notifications_of_key_events(client, story, service):
    browser = service.browser()

    response = subscribe(client, story, browser.subscription())

    assert response.status_code == 201
    assert response.json() == {"story": story.slug, "events": "key"}
    kept = PushSubscription.objects.get()
    assert (kept.story, kept.endpoint, kept.events) == (story, browser.endpoint, "key")
    assert kept.subscription_info["keys"] == browser.subscription()["keys"]
    assert "Set-Cookie" not in response


def test_subscribing_again_changes_the_choice_and_keeps_one_subscription(client, story, service):
    browser = service.browser()
    subscribe(client, story, browser.subscription(), "key")

    response = subscribe(client, story, browser.subscription(), "all")

    assert response.status_code == 200
    assert response.json()["events"] == "all"
    assert list(PushSubscription.objects.values_list("events", flat=True)) == ["all"]


def test_a_reader_turns_notifications_off_and_hears_nothing_more(
    client, story, service, editor, on_commit
):
    browser = service.browser()
    subscribe(client, story, browser.subscription(), "all")

    response = unsubscribe(client, story, browser.endpoint)
    on_commit(story, "Engineers found the cause.", by=editor)
    run_worker()

    assert response.status_code == 204
    assert not PushSubscription.objects.exists()
    assert service.received == []


def test_turning_off_one_story_keeps_the_other(client, story, other_story, service):
    browser = service.browser()
    subscribe(client, story, browser.subscription())
    subscribe(client, other_story, browser.subscription())

    response = unsubscribe(client, story, browser.endpoint)

    assert response.status_code == 204
    assert list(PushSubscription.objects.values_list("story__slug", flat=True)) == [
        other_story.slug
    ]


# --- what readers get ---------------------------------------------------------------------------


def test_a_key_event_reaches_the_browser_signed_and_encrypted_with_headline_number_and_link(
    client, story, service, editor, on_commit
):
    browser = service.browser()
    subscribe(client, story, browser.subscription())

    update = on_commit(
        story, "Engineers found the **cause**. A fix is rolling out.", by=editor, key_event=True
    )
    run_worker()

    [payload] = service.payloads(browser)  # the service checked the VAPID JWT and decrypted it
    assert payload == {
        "title": story.full_headline,
        "body": f"UPDATE {update.number}: Engineers found the cause.",
        "url": f"https://live.example.com/stories/{story.slug}/updates/{update.number}/",
        "tag": f"{story.slug}-{update.number}",
    }
    assert service.received[0]["headers"]["urgency"] == "high"
    assert service.refused == []
    delivery = PushDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("sent", 1, 201)


def test_an_ordinary_update_goes_only_to_readers_of_every_update(
    client, story, service, editor, on_commit
):
    key_only, every = service.browser(), service.browser()
    subscribe(client, story, key_only.subscription(), "key")
    subscribe(client, story, every.subscription(), "all")

    on_commit(story, "Still looking.", by=editor)
    on_commit(story, "Found it.", by=editor, key_event=True)
    run_worker()

    assert [p["body"] for p in service.payloads(every)] == [
        "UPDATE 1: Still looking.",
        "UPDATE 2: Found it.",
    ]
    assert [p["body"] for p in service.payloads(key_only)] == ["UPDATE 2: Found it."]
    assert service.received[0]["headers"]["urgency"] == "normal"


def test_a_publish_that_is_not_a_key_event_sends_nothing_to_key_event_readers(
    client, story, service, editor, on_commit
):
    subscribe(client, story, service.browser().subscription(), "key")

    on_commit(story, "Still looking.", by=editor)
    queued = queued_tasks()
    run_worker()

    assert queued == ["incidents.push.fan_out"]  # which finds nobody who asked
    assert service.received == []
    assert not PushDelivery.objects.exists()


def test_readers_of_another_story_hear_nothing(
    client, story, other_story, service, editor, on_commit
):
    subscribe(client, other_story, service.browser().subscription(), "all")

    on_commit(story, "Found it.", by=editor, key_event=True)
    run_worker()

    assert service.received == []


def test_the_count_of_notifications_sent_per_update(client, story, service, editor, on_commit):
    browsers = [service.browser() for _ in range(3)]
    for browser in browsers:
        subscribe(client, story, browser.subscription(), "all")
    service.answer(browsers[2], 410)

    first = on_commit(story, "One.", by=editor)
    second = on_commit(story, "Two.", by=editor)
    run_worker()

    counts = PushDelivery.objects.sent_counts([first, second])
    assert counts == {first.pk: 2, second.pk: 2}
    assert PushSubscription.objects.count() == 2


def test_an_update_retracted_before_it_is_sent_is_not_sent(
    client, story, service, editor, on_commit
):
    subscribe(client, story, service.browser().subscription(), "all")

    update = on_commit(story, "Wrong figure: 9,000 affected.", by=editor)
    update.retract("The figure was wrong.", by=editor)
    run_worker()

    assert service.received == []
    delivery = PushDelivery.objects.get()
    assert (delivery.status, delivery.last_error) == ("dropped", "The update was retracted first.")


# --- faults -------------------------------------------------------------------------------------


@pytest.mark.parametrize("gone", [410, 404])
def test_a_subscription_the_push_service_calls_gone_is_removed(
    client, story, service, editor, on_commit, gone
):
    lapsed, current = service.browser(), service.browser()
    subscribe(client, story, lapsed.subscription(), "all")
    subscribe(client, story, current.subscription(), "all")
    service.answer(lapsed, gone)

    on_commit(story, "One.", by=editor)
    run_worker()
    on_commit(story, "Two.", by=editor)
    run_worker()

    assert [p["body"] for p in service.payloads(current)] == ["UPDATE 1: One.", "UPDATE 2: Two."]
    assert service.payloads(lapsed) == []
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [current.endpoint]
    refused = PushDelivery.objects.get(last_status=gone)
    assert (refused.status, refused.subscription) == ("abandoned", None)


def test_a_push_service_error_is_retried_later_and_the_update_arrives_once(
    client, story, service, editor, on_commit
):
    browser = service.browser()
    subscribe(client, story, browser.subscription())
    service.answer(browser, 500)

    on_commit(story, "Found it.", by=editor, key_event=True)
    run_worker()

    delivery = PushDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    assert delivery.last_error == "HTTP 500 Internal Server Error"
    run_worker()  # not due yet: nothing sent
    assert service.payloads(browser) == []

    with time_machine.travel(now() + RETRY_DELAYS[0] + timedelta(seconds=1)):
        run_worker()
        push.deliver.call([delivery.pk])  # a stray second task for it
        push.fan_out.call(story.pk, Change.objects.get(kind="published").sequence)  # and again
        run_worker()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert len(service.payloads(browser)) == 1
    assert PushDelivery.objects.count() == 1


def test_a_push_service_that_hangs_times_out_and_is_retried(
    client, story, service, editor, on_commit
):
    browser = service.browser()
    subscribe(client, story, browser.subscription())
    service.answer(browser, "hang")

    on_commit(story, "Found it.", by=editor, key_event=True)
    run_worker()

    delivery = PushDelivery.objects.get()
    assert (delivery.status, delivery.last_error) == ("pending", "timed out")


def test_a_delivery_is_abandoned_when_the_push_service_keeps_failing(
    client, story, service, editor, on_commit
):
    browser = service.browser()
    subscribe(client, story, browser.subscription())
    service.answer(browser, *[503] * (len(RETRY_DELAYS) + 1))

    on_commit(story, "Found it.", by=editor, key_event=True)
    moment = now()
    run_worker()
    for wait in RETRY_DELAYS:
        moment += wait + timedelta(seconds=1)
        with time_machine.travel(moment):
            run_worker()

    delivery = PushDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("abandoned", len(RETRY_DELAYS) + 1)
    assert service.payloads(browser) == []
    assert PushSubscription.objects.count() == 1  # a failing service is not the reader leaving


def test_after_the_sites_keys_change_the_push_service_refuses_and_nothing_is_retried(
    client, story, service, editor, on_commit, settings
):
    browser = service.browser()
    subscribe(client, story, browser.subscription())
    other = new_keys("mailto:desk@example.com")  # not the key the browser subscribed with
    settings.VAPID_PRIVATE_KEY = other["VAPID_PRIVATE_KEY"]
    settings.VAPID_PUBLIC_KEY = other["VAPID_PUBLIC_KEY"]

    on_commit(story, "Found it.", by=editor, key_event=True)
    run_worker()

    assert service.payloads(browser) == []
    assert service.refused == ["signed with a key the subscription was not made with"]
    delivery = PushDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("abandoned", 1, 403)


def test_a_lost_task_is_found_overdue_and_queued_again(client, story, service, editor, on_commit):
    browser = service.browser()
    subscribe(client, story, browser.subscription())
    on_commit(story, "Found it.", by=editor, key_event=True)
    push.fan_out.call(story.pk, Change.objects.get(kind="published").sequence)
    # A worker was killed while holding the delivery: claimed, never finished, its task gone.
    lose_queued_tasks()
    PushDelivery.objects.update(due_at=now() - timedelta(minutes=5))

    queued = push.requeue_overdue()
    run_worker()

    assert queued == 1
    assert len(service.payloads(browser)) == 1
    assert PushDelivery.objects.get().status == "sent"


def test_a_lost_task_is_found_by_the_sweep_without_another_publish(
    client, story, service, editor, on_commit
):
    cache.clear()  # no sweep remembered as queued by an earlier test
    browser = service.browser()
    subscribe(client, story, browser.subscription())
    on_commit(story, "Found it.", by=editor, key_event=True)
    push.fan_out.call(story.pk, Change.objects.get(kind="published").sequence)
    # A worker was killed while holding the delivery: claimed, never finished, its task gone.
    lose_queued_tasks(named="incidents.push.deliver")
    PushDelivery.objects.update(due_at=now() + timedelta(seconds=70))
    run_worker()
    assert service.payloads(browser) == []

    with time_machine.travel(now() + timedelta(minutes=6)):
        run_worker()

    assert len(service.payloads(browser)) == 1
    assert PushDelivery.objects.get().status == "sent"


def test_an_endpoint_that_has_come_to_point_at_a_private_address_is_not_called(
    client, story, service, editor, on_commit, settings
):
    subscribe(client, story, service.browser().subscription())
    settings.PUSH_ALLOW_LOOPBACK = False  # as in production

    on_commit(story, "Found it.", by=editor, key_event=True)
    run_worker()

    assert service.received == []
    delivery = PushDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error == "A push endpoint must be an https:// address."


def test_publishing_queues_one_task_and_sends_nothing_until_the_worker_runs(
    client, story, service, editor, on_commit
):
    for _ in range(3):
        subscribe(client, story, service.browser().subscription())

    on_commit(story, "Found it.", by=editor, key_event=True)

    assert queued_tasks() == ["incidents.push.fan_out"]
    assert service.received == []


def test_the_fan_out_is_written_with_the_publish_on_the_database_queue_and_after_it_on_redis(
    client, story, service, editor, django_capture_on_commit_callbacks
):
    """On the database queue a crash right after the publish commits must not lose the
    notifications: the task is in the publish's own transaction. Redis is handed it only once
    the publish is committed, so its worker never looks before the update is there."""
    subscribe(client, story, service.browser().subscription())

    with django_capture_on_commit_callbacks(execute=False):  # the commit never comes
        story.publish_update("Found it.", by=editor, key_event=True)

    assert story.updates.count() == 1
    assert queued_tasks() == ([] if on_rq() else ["incidents.push.fan_out"])


def test_a_publish_that_rolls_back_queues_no_notification(client, story, service, editor):
    subscribe(client, story, service.browser().subscription())

    with pytest.raises(RuntimeError), transaction.atomic():
        story.publish_update("Found it.", by=editor, key_event=True)
        raise RuntimeError("the publish fails after the update is written")

    assert story.updates.count() == 0
    assert queued_tasks() == []


def test_no_task_is_queued_for_a_story_without_subscriptions(
    client, story, other_story, service, editor, on_commit
):
    subscribe(client, other_story, service.browser().subscription())

    on_commit(story, "Found it.", by=editor, key_event=True)

    assert queued_tasks() == []


def test_whether_a_story_has_subscriptions_is_remembered_and_a_new_one_heard_at_once(
    client, story, service, editor, on_commit, django_assert_num_queries
):
    assert push.any_subscription(story.pk) is False
    with django_assert_num_queries(0):
        assert push.any_subscription(story.pk) is False  # remembered: a publish asks nothing

    browser = service.browser()
    subscribe(client, story, browser.subscription())
    on_commit(story, "Found it.", by=editor, key_event=True)
    run_worker()

    assert len(service.payloads(browser)) == 1


# --- what is refused ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "The request must be JSON."),
        ('["a list"]', 'The request must be a JSON object with "subscription".'),
        ("{}", "subscription must be the browser's PushSubscription as JSON."),
        ('{"subscription": {"keys": {}}}', "subscription.endpoint is missing."),
        (
            '{"subscription": {"endpoint": "https://push.example/x"}}',
            "subscription.keys (p256dh and auth) is missing.",
        ),
        (
            '{"subscription": {"endpoint": "https://push.example/x", '
            '"keys": {"p256dh": "!!!", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}}',
            "keys.p256dh must be a base64url string.",
        ),
        (
            '{"subscription": {"endpoint": "https://push.example/x", '
            '"keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}}',
            "keys.p256dh must be 65 bytes, not 3.",
        ),
        (
            '{"subscription": {"endpoint": "https://push.example/x", "keys": {"p256dh": "B'
            + "A" * 86
            + '", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}}',
            "keys.p256dh is not a P-256 public key.",
        ),
        ('{"x": "' + "y" * 5000 + '"}', "The request is longer than 4096 bytes."),
    ],
)
def test_a_malformed_or_overlong_subscription_is_refused_with_a_message(
    client, story, service, body, message
):
    response = client.post(
        reverse("reader:push_subscribe", args=[story.slug]),
        body,
        content_type="application/json",
        headers=SAME_SITE,
    )

    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert not PushSubscription.objects.exists()


def test_a_subscription_with_a_bad_auth_secret_or_choice_is_refused(client, story, service):
    browser = service.browser()
    bad_auth = browser.subscription()
    bad_auth["keys"]["auth"] = "AAAA"

    refused_auth = subscribe(client, story, bad_auth)
    refused_choice = subscribe(client, story, browser.subscription(), events="sometimes")

    assert refused_auth.status_code == 400
    assert refused_auth.json()["error"] == "keys.auth must be 16 bytes, not 3."
    assert refused_choice.status_code == 400
    assert refused_choice.json()["error"] == 'events must be "key" or "all".'
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        '{"subscription": {"endpoint": 5, "keys": {}}}',
        '{"subscription": {"endpoint": "https://push.example/x", "keys": []}}',
        '{"subscription": {"endpoint": "https://push.example/x", "keys": {"p256dh": 5}}}',
        '{"subscription": {"endpoint": "https://x:99999/y", "keys": {"p256dh": null}}}',
        '{"subscription": "text", "events": ["all"]}',
        '{"subscription": null, "events": null}',
        '"\\ud800"',
        "\u0000",
    ],
)
def test_odd_json_gets_a_400_never_a_500(client, story, service, body):
    response = client.post(
        reverse("reader:push_subscribe", args=[story.slug]),
        body,
        content_type="application/json",
        headers=SAME_SITE,
    )

    assert response.status_code == 400
    assert response.json()["error"]
    assert not PushSubscription.objects.exists()


def test_an_endpoint_with_an_impossible_port_is_refused(client, story, service):
    subscription = service.browser().subscription()
    subscription["endpoint"] = "https://push.example:99999/x"

    response = subscribe(client, story, subscription)

    assert response.status_code == 400
    assert response.json() == {"error": "The push service push.example could not be found."}


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("http://push.example.com/x", "A push endpoint must be an https:// address."),
        ("ftp://push.example.com/x", "A push endpoint must be an https:// address."),
        ("https://127.0.0.1:9/x", "private, loopback or link-local address (127.0.0.1)"),
        ("https://169.254.169.254/latest", "(169.254.169.254)"),
        ("https://10.0.0.8/x", "(10.0.0.8)"),
        ("https://[::1]/x", "(::1)"),
        ("https://" + "a" * 1000 + ".example/x", "longer than 1000 characters"),
    ],
)
def test_an_endpoint_that_is_not_https_on_a_public_address_is_refused(
    client, story, service, settings, endpoint, message
):
    settings.PUSH_ALLOW_LOOPBACK = False  # as in production
    subscription = service.browser().subscription()
    subscription["endpoint"] = endpoint

    response = subscribe(client, story, subscription)

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {},
    ],
)
def test_a_request_from_another_site_is_refused(client, story, service, headers):
    response = subscribe(client, story, service.browser().subscription(), headers=headers)

    assert response.status_code == 403
    assert response.json()["error"] == "Turn notifications on from the article's page."
    assert not PushSubscription.objects.exists()


def test_a_request_naming_this_site_as_its_origin_is_taken(client, story, service):
    response = subscribe(
        client, story, service.browser().subscription(), headers={"Origin": "http://testserver"}
    )

    assert response.status_code == 201


def test_subscribing_is_rate_limited_per_address(client, story, service, settings):
    settings.PUSH_CHANGES_PER_HOUR = 3
    browsers = [service.browser() for _ in range(4)]
    mid_hour = now().replace(minute=30, second=0, microsecond=0)  # allowances go by clock hour

    with time_machine.travel(mid_hour, tick=False):
        answers = [subscribe(client, story, b.subscription()).status_code for b in browsers]
        unsubscribed = unsubscribe(client, story, browsers[0].endpoint)

    assert answers == [201, 201, 201, 429]
    assert unsubscribed.status_code == 429
    assert unsubscribed["Retry-After"] == "1800"
    assert PushSubscription.objects.count() == 3


def test_a_story_that_has_ended_takes_no_subscriptions(client, story, service, editor):
    story.set_state("ended", by=editor)

    response = subscribe(client, story, service.browser().subscription())

    assert response.status_code == 400
    assert "not live" in response.json()["error"]
    assert not PushSubscription.objects.exists()


def test_without_vapid_keys_the_endpoints_say_push_is_off(client, story, settings):
    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = ""

    response = client.post(
        reverse("reader:push_subscribe", args=[story.slug]),
        "{}",
        content_type="application/json",
        headers=SAME_SITE,
    )

    assert response.status_code == 404
    assert response.json() == {"error": "Push notifications are off on this site."}


def test_subscribing_wants_a_post(client, story, service):
    response = client.get(reverse("reader:push_subscribe", args=[story.slug]))

    assert response.status_code == 405
