"""The demo story that `make run` loads: an outage live blog written for this project."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from incidents.models import EDITORS_GROUP, Byline, Story, Tag

DEMO_SLUG = "cloudpay-outage-checkout-down"

HEADLINE = "CloudPay Outage Takes Down Checkout At Thousands Of Online Shops"
SUFFIX = "UPDATE: Payments Are Flowing Again"
DEK = "Shoppers saw spinning buttons and failed orders for most of the morning."

INTRO = """\
Online shoppers hoping to squeeze in a purchase before lunch ran into a wall this morning: \
checkout pages powered by **CloudPay**, the payments processor behind a large share of small \
web stores, stopped accepting cards shortly after 9:15 a.m.

Merchants first raised the alarm on the [CloudPay community forum](https://community.example.com/t/checkout-failing), \
where dozens of store owners reported the same "payment could not be authorized" message. \
[The outage tracker Downwatch](https://downwatch.example.net/cloudpay) logged a spike of \
thousands of reports within twenty minutes.
"""

UPDATES = [
    # (minutes after 9:00, status, key event, body)
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
a Portland bike shop told us she lost "a morning's worth of orders, easily," and planned to \
email customers a discount code to win them back.
""",
    ),
    (
        127,
        "resolved",
        True,
        """\
CloudPay now says the incident is resolved and that all regions are processing payments \
normally. In [a statement](https://blog.example.com/cloudpay/tuesday-incident) the company's \
chief technology officer wrote:

> This morning's disruption was caused by our own change, not by an attack or by unusual traffic.
> We are adding an automated check that would have stopped this deployment before it reached
> a single customer, and we will publish a full review within a week.

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

TAGS = ["Outages", "Payments", "E-commerce", "Cloud Computing"]


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


@transaction.atomic
def load_demo_story(editor, now: datetime | None = None) -> Story | None:
    """Create the demo story unless it is already there. Returns the new story, or None."""
    if Story.objects.filter(slug=DEMO_SLUG).exists():
        return None
    tz = ZoneInfo("America/New_York")
    now = now or datetime.now(tz)
    start = now.astimezone(tz).replace(hour=9, minute=0, second=0, microsecond=0)
    if start + timedelta(minutes=UPDATES[-1][0]) > now:
        start -= timedelta(days=1)
    story = Story.objects.create(
        headline=HEADLINE,
        slug=DEMO_SLUG,
        dek=DEK,
        intro=INTRO,
        timezone="America/New_York",
        created_by=editor,
    )
    Byline.objects.create(story=story, name="Maya Okafor", title="Infrastructure Reporter")
    story.tags.set(Tag.from_names(TAGS))
    story.go_live(by=editor)
    # The coverage went live with the intro, a few minutes after the outage began.
    went_live = start + timedelta(minutes=25)
    Story.objects.filter(pk=story.pk).update(published_at=went_live, created_at=went_live)
    for minutes, status, key_event, body in UPDATES:
        story.publish_update(
            body,
            by=editor,
            timestamp=start + timedelta(minutes=minutes),
            status_label=status,
            key_event=key_event,
        )
    story.change_details(headline_suffix=SUFFIX, by=editor)
    return story
