"""API publish time with a story's subscribers in place, against the same with none (issue 14:
within 1.2×).

    python -m bench.subscribers --db sqlite --publishes 60

An editor publishes through the JSON API (`POST /api/v1/stories/<slug>/updates` with a bearer
token), in process through the whole middleware stack with the project's settings (DEBUG off), in
turn: to a story nobody follows with no webhook active and push off, then to a story with 10,000
confirmed email subscribers, 10 webhooks and 10,000 push subscriptions, active for that publish;
drift on the machine touches both sides alike. Each request's wall time counts; the ratio is of
the medians. A publish only queues its background tasks (one each for the emails, the webhooks and
the push notifications); no worker runs here, since what is measured is what the person publishing
waits for. Push is on for the followed story's publishes (the site has VAPID keys) and off for the
other's, like the webhooks.

Another kind of subscriber adds a row to SUBSCRIBERS: a name, how many, a function that gives a
story that many, and one that switches a site-wide kind on and off.
Prints one JSON line.
"""

import argparse
import functools
import json
import secrets
import statistics
import time

from bench.common import fresh_database, percentile, setup_django


def add_email_subscribers(story, count: int) -> None:
    """Confirmed subscribers, as EmailSubscriber.confirm leaves them, every update wanted."""
    from django.core.cache import cache

    from incidents.models import EmailSubscriber
    from incidents.models.subscriber import ANY_SUBSCRIBER_KEY

    EmailSubscriber.objects.bulk_create(
        (
            EmailSubscriber(story=story, email=f"reader{n}@example.org", sent_through=0)
            for n in range(count)
        ),
        batch_size=1000,
    )
    cache.delete(ANY_SUBSCRIBER_KEY.format(story.pk))  # as confirming does


def add_webhooks(story, count: int) -> None:
    """Webhooks on the story, asking for every kind of change (no worker calls them here)."""
    from django.core.cache import cache

    from incidents.models import Webhook
    from incidents.models.webhook import ACTIVE_KEY

    Webhook.objects.bulk_create(
        Webhook(story=story, url=f"https://hooks.example.com/{n}", events=",".join(Webhook.EVENTS))
        for n in range(count)
    )
    cache.delete(ACTIVE_KEY)  # as Webhook.create does


def webhooks_listening(on: bool) -> None:
    """Every webhook on or off (whether any listens is one answer for the whole site)."""
    from django.core.cache import cache

    from incidents.models import Webhook
    from incidents.models.webhook import ACTIVE_KEY

    Webhook.objects.update(active=on)
    cache.delete(ACTIVE_KEY)  # as Webhook.create and remove do


@functools.cache
def vapid_keys() -> dict[str, str]:
    """One key pair for the whole run: the site's, and (its public half being a P-256 point in
    the same encoding) each benchmark browser's own key."""
    from liveblog.vapid import new_keys

    return new_keys("mailto:bench@example.com")


def add_push_subscriptions(story, count: int) -> None:
    """Browsers subscribed to every update, as PushSubscription.subscribe leaves them (no push
    service is called here: no worker runs)."""
    from django.core.cache import cache

    from incidents.models import PushSubscription
    from incidents.models.push import any_key

    keys = {"p256dh": vapid_keys()["VAPID_PUBLIC_KEY"], "auth": secrets.token_urlsafe(16)}
    PushSubscription.objects.bulk_create(
        (
            PushSubscription(
                story=story,
                endpoint=f"https://push.example.com/send/{n}",
                events=PushSubscription.Events.ALL,
                **keys,
            )
            for n in range(count)
        ),
        batch_size=1000,
    )
    cache.delete(any_key(story.pk))  # as subscribing does


def push_on(on: bool) -> None:
    """The site's VAPID keys set (push on) or cleared (push off, as without keys)."""
    from django.conf import settings

    for name, value in vapid_keys().items():
        setattr(settings, name, value if on else "")


# Each kind of subscriber: its name, how many the followed story gets, what sets them up, and
# what turns that kind on or off for the whole site (None: it is the story's alone). Other kinds
# of subscriber add their row here.
SUBSCRIBERS = [
    ("email subscribers", 10_000, add_email_subscribers, None),
    ("webhooks", 10, add_webhooks, webhooks_listening),
    ("push subscriptions", 10_000, add_push_subscriptions, push_on),
]


def settle() -> None:
    """On PostgreSQL, the rows just written vacuumed, analysed and checkpointed, so that no
    background writing of theirs falls into the timed publishes."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")


def publish_times(client, slug: str, token: str, label: str, n: int) -> float:
    """One API publish to the story; its wall time in ms."""
    started = time.perf_counter()
    response = client.post(
        f"/api/v1/stories/{slug}/updates",
        json.dumps({"body": f"Benchmark update {label} {n}: **still investigating**."}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 201, (response.status_code, response.content[:300])
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--publishes", type=int, default=60, help="on each side")
    args = parser.parse_args()

    setup_django(fresh_database(args.db))
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.test import Client
    from django_tasks_db.models import DBTaskResult

    from incidents.models import EDITORS_GROUP, ApiToken, Story

    settings.API_WRITES_PER_MINUTE = 1_000_000  # the API's limit per token is not measured here
    editor = User.objects.create_user("bench-editor")
    editor.groups.add(Group.objects.get_or_create(name=EDITORS_GROUP)[0])
    _, token = ApiToken.issue(editor, name="benchmark")
    quiet = Story.objects.create(headline="Nobody Follows This", slug="nobody-follows")
    followed = Story.objects.create(headline="Everybody Follows This", slug="everybody-follows")
    for story in (quiet, followed):
        story.go_live()
    for _, count, add, _ in SUBSCRIBERS:
        add(followed, count)
    settle()
    client = Client(SERVER_NAME="127.0.0.1")
    # Publishes in turn: to a story nobody follows, with every site-wide kind switched off, then
    # to the followed story with them on; drift on the machine touches both sides alike.
    sides = {"none": (quiet, False), "with": (followed, True)}
    timings = {"none": [], "with": []}
    queued = {"none": 0, "with": 0}
    for n in range(-3, args.publishes):  # the first three warm up: connections, caches
        for side, (story, on) in sides.items():
            for *_, switch in SUBSCRIBERS:
                if switch is not None:
                    switch(on)
            before = DBTaskResult.objects.count()
            elapsed = publish_times(client, story.slug, token, side, n)
            if n >= 0:
                timings[side].append(elapsed)
                queued[side] += DBTaskResult.objects.count() - before
    none, with_ = (statistics.median(timings[side]) for side in ("none", "with"))
    print(
        json.dumps(
            {
                "scenario": "subscribers",
                "db": args.db,
                "publishes": len(timings["with"]),
                "subscribers": [[name, count] for name, count, *_ in SUBSCRIBERS],
                "none_median_ms": round(none, 2),
                "with_median_ms": round(with_, 2),
                "none_p95_ms": round(percentile(timings["none"], 0.95), 2),
                "with_p95_ms": round(percentile(timings["with"], 0.95), 2),
                "ratio": round(with_ / none, 3),
                "tasks_queued_none": queued["none"],
                "tasks_queued_with": queued["with"],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
