"""The demo that `make run` loads, written for this project: two stories with times relative to
the moment they are loaded, so the demo always reads as coherent. An outage whose coverage has
ended (its last status Resolved) and one still running live. Loading is safe to repeat: a story
already there is left as it is."""

import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.timezone import now as current_time

from incidents.models import EDITORS_GROUP, Byline, Change, Revision, Story, Tag, Update


@dataclass(frozen=True)
class DemoStory:
    slug: str
    headline: str
    dek: str
    intro: str
    byline: tuple[str, str]
    tags: list[str]
    began_ago: timedelta  # when the event began, before the moment the demo is loaded
    live_after: int  # minutes after it began that coverage went live
    updates: list[tuple[int, str, bool, str]]  # (minutes after it began, status, key event, body)
    suffix: tuple[int, str] | None = None  # (minutes after it began, headline suffix)
    ended_after: int | None = None  # minutes after it began that coverage ended; None: still live
    # (minutes after it began, body) of an update published pinned: the article's summary box.
    summary: tuple[int, str] | None = None
    timezone: str = "America/New_York"


CLOUDPAY_INTRO = """\
Online shoppers ran into a wall: checkout pages powered by **CloudPay**, the payments processor \
behind a large share of small web stores, stopped accepting cards about ten minutes ago.

Merchants first raised the alarm on the [CloudPay community forum](https://community.example.com/t/checkout-failing), \
where dozens of store owners reported the same "payment could not be authorized" message. \
[The outage tracker Downwatch](https://downwatch.example.net/cloudpay) logged a spike of \
thousands of reports within twenty minutes.
"""

CLOUDPAY_UPDATES = [
    # (minutes after the outage began, status, key event, body)
    (
        38,
        "investigating",
        False,
        """\
CloudPay has acknowledged the problem. "We are investigating elevated error rates on card \
authorizations," the company posted on [its status page](https://status.example.com/incidents/8812). \
"Some customers may be unable to complete payments."
""",
    ),
    (
        61,
        "identified",
        True,
        """\
The company says it has found the cause. According to an [engineering update](https://status.example.com/incidents/8812#update-2), \
a configuration change rolled out to its card-routing service sent traffic to a cluster that \
was still being provisioned.

> We have identified a faulty configuration deployment and are rolling it back region by
> region. We expect authorizations to recover progressively over the next hour.

--- CloudPay engineering, [status page update](https://status.example.com/incidents/8812#update-2)

Shoppers who saw an error were **not charged**, CloudPay says.
""",
    ),
    (
        94,
        "monitoring",
        False,
        """\
Checkout is working again for us on two stores we have been testing, and reports on \
[Downwatch](https://downwatch.example.net/cloudpay) have dropped by more than half. The owner of \
a Portland bike shop told us she lost "a couple of hours' worth of orders, easily," and planned to \
email customers a discount code to win them back.
""",
    ),
    (
        127,
        "resolved",
        True,
        """\
CloudPay now says the incident is resolved and that all regions are processing payments \
normally. In [a statement](https://blog.example.com/cloudpay/checkout-incident) the company's \
chief technology officer wrote:

> Today's disruption was caused by our own change, not by an attack or by unusual traffic.
> We are adding an automated check that would have stopped this deployment before it reached
> a single customer, and we will publish a full review within a week.

--- Dana Whitfield, chief technology officer, CloudPay, [on the company blog](https://blog.example.com/cloudpay/checkout-incident)

Merchants can find refunds and retry guidance in the [CloudPay help center](https://help.example.com/articles/retry-failed-payments).
""",
    ),
    (
        171,
        "",
        False,
        """\
How big was it? Payments analysts at Ledgerline [estimate](https://ledgerline.example.org/notes/cloudpay-outage) \
that roughly 40,000 stores were affected at the peak. It is the second CloudPay disruption \
this year; a shorter one in March lasted about 25 minutes.

We will publish the company's full incident review when it arrives. Thanks for following along.
""",
    ),
]


BRIGHTWAVE_INTRO = """\
Customers of **Brightwave**, the mobile network that also carries several budget brands, are \
reporting that mobile data has stopped working: calls and text messages still go through, but \
apps, maps and card payments on phones do not.

[The outage tracker Downwatch](https://downwatch.example.net/brightwave) shows reports from \
most large cities. We are following it here as it develops.
"""

BRIGHTWAVE_UPDATES = [
    (
        18,
        "investigating",
        True,
        """\
Brightwave has confirmed the problem on [its network status page](https://status.example.org/brightwave): \
"Some customers are unable to use mobile data. Voice and SMS are not affected. Our engineers \
are investigating."
""",
    ),
    (
        33,
        "",
        False,
        """\
Readers in three regions tell us that switching to Wi-Fi works around it for now. Brightwave \
advises customers **not** to reset their network settings, which can remove their \
[eSIM profile](https://help.example.org/brightwave/esim). Its support team posted:

```post
url: https://bsky.app/profile/support.brightwave.example/post/3lbw2demo
author: Brightwave Support
handle: @support.brightwave.example
Mobile data is down for some customers. Please don't reset your network settings: \
Wi-Fi calling and Wi-Fi still work, and we will post here as soon as data is back.
```
""",
    ),
    (
        51,
        "identified",
        True,
        """\
The company says it has found the cause. A spokesperson told us:

> A software update to part of our core data network did not behave as expected. We are \
moving traffic back to the previous version and expect data to return in stages.

Brightwave has not said how many customers are affected.
""",
    ),
    (
        68,
        "",
        False,
        """\
Some readers say data has just come back on their phones, though slowly; others are still \
offline. We will post here when Brightwave says service is restored everywhere.
""",
    ),
]

BRIGHTWAVE_SUMMARY = """\
**What we know so far:** mobile data stopped working for Brightwave customers in most large \
cities; calls and texts still work. The company blames a software update to its core data \
network and is rolling it back, and service is returning in stages. Wi-Fi works around it.
"""

DEMOS = [
    DemoStory(
        slug="cloudpay-outage-checkout-down",
        headline="CloudPay Outage Takes Down Checkout At Thousands Of Online Shops",
        dek="Shoppers saw spinning buttons and failed orders for more than two hours.",
        intro=CLOUDPAY_INTRO,
        byline=("Maya Okafor", "Infrastructure Reporter"),
        tags=["Outages", "Payments", "E-commerce", "Cloud Computing"],
        began_ago=timedelta(hours=7),
        live_after=25,
        updates=CLOUDPAY_UPDATES,
        suffix=(130, "UPDATE: Payments Are Flowing Again"),
        ended_after=180,
    ),
    DemoStory(
        slug="brightwave-mobile-data-outage",
        headline="Brightwave Mobile Data Outage Leaves Customers Offline",
        dek="Calls and texts work, but apps, maps and phone payments do not.",
        intro=BRIGHTWAVE_INTRO,
        byline=("Sam Ito", "Telecoms Correspondent"),
        tags=["Outages", "Mobile", "Telecoms"],
        began_ago=timedelta(minutes=75),
        live_after=10,
        updates=BRIGHTWAVE_UPDATES,
        summary=(72, BRIGHTWAVE_SUMMARY),
    ),
]
DEMO_SLUG = DEMOS[0].slug  # the outage whose coverage has ended
LIVE_DEMO_SLUG = DEMOS[1].slug  # the one still running
TEXTS = [
    text
    for demo in DEMOS
    for text in [demo.intro, *(body for *_, body in demo.updates), *(demo.summary or ())[1:]]
]


def ensure_demo_editor(username: str = "editor") -> tuple[object, str | None]:
    """Make sure the demo editor exists. Returns the user and, only when it was just created,
    its generated password."""
    from django.utils.crypto import get_random_string

    User = get_user_model()
    editors, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    user = User.objects.filter(username=username).first()
    password = None
    if user is None:
        password = get_random_string(16)
        user = User.objects.create_user(
            username=username, password=password, first_name="Demo", last_name="Editor"
        )
    user.groups.add(editors)
    return user, password


def change_password_command(username: str) -> str:
    """The command that sets a new password for `username`, as one would type it in the
    checkout: `.venv/bin/python manage.py changepassword editor` after `make run`."""
    python = Path(sys.executable)
    if python.is_relative_to(settings.BASE_DIR):
        python = python.relative_to(settings.BASE_DIR)
    return f"{python} manage.py changepassword {username}"


def load_demo_stories(editor, now: datetime | None = None) -> list[Story]:
    """Create each demo story that is not there yet; returns those it created."""
    now = now or current_time()
    created = [load_demo_story(editor, demo, now=now) for demo in DEMOS]
    return [story for story in created if story]


@transaction.atomic
def load_demo_story(editor, demo: DemoStory = DEMOS[0], now: datetime | None = None):
    """Create one demo story unless it is already there. Returns the new story, or None.

    It is written through the model's own methods, as the desk would, and then its clock is set
    back: every moment (going live, each update, the suffix, the end) is placed relative to
    `now`, in its change log too, so "Last updated" and the feeds agree with the timeline."""
    if Story.objects.filter(slug=demo.slug).exists():
        return None
    began = (now or current_time()) - demo.began_ago

    def at(minutes):
        return began + timedelta(minutes=minutes)

    story = Story.objects.create(
        headline=demo.headline,
        slug=demo.slug,
        dek=demo.dek,
        intro=demo.intro,
        timezone=demo.timezone,
        created_by=editor,
    )
    Byline.objects.create(story=story, name=demo.byline[0], title=demo.byline[1])
    story.tags.set(Tag.from_names(demo.tags))
    # What happened, in the order it happened; each step logs one change at its moment.
    steps = [(demo.live_after, lambda: story.go_live(by=editor))]
    for minutes, status, key_event, body in demo.updates:
        options = {"timestamp": at(minutes), "status_label": status, "key_event": key_event}
        steps.append((minutes, lambda b=body, o=options: story.publish_update(b, by=editor, **o)))
    if demo.summary:
        minutes, body = demo.summary
        options = {"timestamp": at(minutes), "pinned": True}
        steps.append((minutes, lambda: story.publish_update(body, by=editor, **options)))
    if demo.suffix:
        minutes, suffix = demo.suffix
        steps.append((minutes, lambda: story.change_details(headline_suffix=suffix, by=editor)))
    if demo.ended_after is not None:
        steps.append((demo.ended_after, lambda: story.end_coverage(by=editor)))
    steps.sort(key=lambda step: step[0])
    for _, step in steps:
        step()
    moments = [at(minutes) for minutes, _ in steps]
    _set_clock(story, moments, ended=demo.ended_after is not None)
    story.refresh_from_db()
    return story


def _set_clock(story: Story, moments: list[datetime], *, ended: bool) -> None:
    """Give the story's log, updates and dates the demo's moments instead of the loading time.
    One moment per logged change: a model that logged more would fail here, not drift."""
    changes = story.changes.order_by("sequence")
    for change, moment in zip(changes, moments, strict=True):
        Change.objects.filter(pk=change.pk).update(created_at=moment)
    for update in story.updates.all():
        Update.objects.filter(pk=update.pk).update(
            created_at=update.timestamp, published_at=update.timestamp
        )
        Revision.objects.filter(update=update).update(edited_at=update.timestamp)
    Story.objects.filter(pk=story.pk).update(
        created_at=moments[0],
        published_at=moments[0],
        last_updated_at=moments[-1],
        ended_at=moments[-1] if ended else None,
    )
