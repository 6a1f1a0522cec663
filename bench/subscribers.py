"""API publish time with a story's subscribers in place, against the same with none (issue 14:
within 1.2×).

    python -m bench.subscribers --db sqlite --publishes 60

An editor publishes to a live story through the JSON API (`POST /api/v1/stories/<slug>/updates`
with a bearer token), in process through the whole middleware stack with the project's settings
(DEBUG off): in rounds, first with nobody following, then with 10,000 confirmed email subscribers
and 10 webhooks on the story (added for the round, removed after it), so drift on the machine
touches both sides alike. Each request's wall time counts; the ratio is of the medians. A publish
only queues its background tasks (one for the emails, one for the webhooks) once committed; no
worker runs here, since what is measured is what the person publishing waits for.

Other kinds of subscriber add a row to SUBSCRIBERS: a name, how many, and a function that gives a
story that many (push subscriptions, say). Prints one JSON line.
"""

import argparse
import json
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


def remove_email_subscribers(story) -> None:
    from django.core.cache import cache

    from incidents.models import EmailSubscriber
    from incidents.models.subscriber import ANY_SUBSCRIBER_KEY

    EmailSubscriber.objects.filter(story=story).delete()
    cache.delete(ANY_SUBSCRIBER_KEY.format(story.pk))


def remove_webhooks(story) -> None:
    from django.core.cache import cache

    from incidents.models import Webhook
    from incidents.models.webhook import ACTIVE_KEY

    Webhook.objects.all().delete()
    cache.delete(ACTIVE_KEY)


# (name, how many, what sets them up on a story): other subscriber kinds add their row here,
# and what takes them away again to REMOVERS.
SUBSCRIBERS = [
    ("email subscribers", 10_000, add_email_subscribers),
    ("webhooks", 10, add_webhooks),
]
REMOVERS = [remove_email_subscribers, remove_webhooks]


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
    parser.add_argument("--rounds", type=int, default=6)
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
    story = Story.objects.create(headline="Everybody Follows This", slug="everybody-follows")
    story.go_live()
    client = Client(SERVER_NAME="127.0.0.1")
    for n in range(3):  # warm-up: connections, caches
        publish_times(client, story.slug, token, "warm-up", n)
    # Rounds of: publishes with nobody following, then with every kind of subscriber in place
    # (added, then removed again): drift on the machine touches both sides alike.
    timings = {"none": [], "with": []}
    queued = {"none": 0, "with": 0}
    per_round = max(1, args.publishes // args.rounds)
    for _ in range(args.rounds):
        for side in ("none", "with"):
            if side == "with":
                for _, count, add in SUBSCRIBERS:
                    add(story, count)
            before = DBTaskResult.objects.count()
            for n in range(per_round):
                timings[side].append(publish_times(client, story.slug, token, side, n))
            queued[side] += DBTaskResult.objects.count() - before
            if side == "with":
                for remove in REMOVERS:
                    remove(story)
    none, with_ = (statistics.median(timings[side]) for side in ("none", "with"))
    print(
        json.dumps(
            {
                "scenario": "subscribers",
                "db": args.db,
                "publishes": len(timings["with"]),
                "subscribers": [[name, count] for name, count, _ in SUBSCRIBERS],
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
