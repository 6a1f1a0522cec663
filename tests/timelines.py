"""A finished timeline with every kind of entry an export or a feed must handle, at fixed times.

UPDATE 1 has a link, a quote and a status, and is later corrected; UPDATE 2 is a pinned key event
whose code sample contains "</script>"; UPDATE 3 is retracted; one draft never leaves the desk.
Times are fixed so assertions can name them: the story goes live at 9 a.m. ET on Nov. 25, 2026.
"""

from datetime import UTC, datetime, timedelta

import time_machine

from incidents.models import Byline, Tag
from tests.conftest import make_story

START = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # 9 a.m. ET
HEADLINE = "CloudPay Outage Takes Down Checkout"
SUFFIX = "UPDATE: Payments Are Flowing Again"
FIRST_BODY = (
    "CloudPay says it is investigating, on [its status page](https://status.example.com/8812).\n"
    "\n"
    "> Some customers may be unable to complete payments.\n"
)
CORRECTED_BODY = FIRST_BODY.replace("investigating", "investigating elevated errors")
SECOND_BODY = "The cause: a bad config. Merchants saw `</script><script>alert(1)</script>` in logs."
RETRACTED_BODY = "Shoppers were charged twice, a merchant says."
RETRACTION_REASON = "The merchant withdrew the claim."
CORRECTION_NOTE = "An earlier version understated the errors."
DRAFT_BODY = "DRAFT-ONLY text that must never leave the desk."


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def build_timeline(editor, *, slug="cloudpay-outage"):
    with time_machine.travel(at(0), tick=False):
        story = make_story(
            headline=HEADLINE,
            slug=slug,
            headline_suffix=SUFFIX,
            dek="Shoppers saw failed orders for most of the morning.",
            intro="Checkout pages stopped accepting cards, [merchants said](https://forum.example.com/t/1).",
        )
        Byline.objects.create(story=story, name="Dana Reyes", title="Technology Editor", position=0)
        Byline.objects.create(story=story, name="Sam Okafor", title="Payments Reporter", position=1)
        story.tags.set(Tag.from_names(["Outages", "Payments"]))
    with time_machine.travel(at(38), tick=False):
        first = story.publish_update(
            FIRST_BODY, by=editor, timestamp=at(38), status_label="investigating"
        )
    with time_machine.travel(at(61), tick=False):
        second = story.publish_update(SECOND_BODY, by=editor, timestamp=at(61), key_event=True)
        second.set_pinned(True, by=editor)
    with time_machine.travel(at(80), tick=False):
        third = story.publish_update(RETRACTED_BODY, by=editor, timestamp=at(80))
    with time_machine.travel(at(90), tick=False):
        first.edit(
            CORRECTED_BODY,
            by=editor,
            expected_revision=1,
            is_correction=True,
            correction_note=CORRECTION_NOTE,
        )
    with time_machine.travel(at(105), tick=False):
        third.retract(RETRACTION_REASON, by=editor)
    with time_machine.travel(at(110), tick=False):
        story.save_draft(DRAFT_BODY, by=editor, timestamp=at(110))
    story.refresh_from_db()
    return story


def add_updates(story, count: int, *, every_minutes: int = 5):
    """`count` published updates on `story`, UPDATE 1 the earliest, in bulk (as if published
    over the hours before now): a long story in a fraction of a second. Numbers and the story's
    counter agree, as publishing would leave them."""
    from django.db.models import F
    from django.utils.timezone import now

    from incidents.models import Story, Update

    first = story.last_number + 1
    began = now() - timedelta(minutes=every_minutes * (count + 1))
    Update.objects.bulk_create(
        Update(
            story=story,
            number=number,
            body=f"Update number {number}.",
            body_html=f"<p>Update number {number}.</p>",
            timestamp=began + timedelta(minutes=every_minutes * (number - first)),
            published_at=began + timedelta(minutes=every_minutes * (number - first)),
        )
        for number in range(first, first + count)
    )
    Story.objects.filter(pk=story.pk).update(last_number=F("last_number") + count)
    story.refresh_from_db()
    return story
