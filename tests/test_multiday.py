"""Multi-day stories (issue 12): update times carry their date unless they are from today in the
story's zone, day headings split the timeline, the reading order is the editor's choice, and a
live page's header and corrections log follow every change."""

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from incidents import timefmt
from incidents.api.openapi import openapi_document
from incidents.export import export_html
from incidents.live.events import HEADER, database_replay, render_events
from incidents.live.memory import ReplayMemory
from incidents.models import Change, Story
from tests.api_support import Api

ET = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 11, 23, 9, 38, tzinfo=ET)
TUESDAY = datetime(2026, 11, 24, 10, 5, tzinfo=ET)
WEDNESDAY_NOON = datetime(2026, 11, 25, 12, 0, tzinfo=ET)
HTMX = {"HX-Request": "true"}


def at(moment):
    return time_machine.travel(moment, tick=False)


def article(client, story, **params):
    response = client.get(story.get_absolute_url(), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def two_days(story, editor):
    """UPDATE 1 on Monday, UPDATE 2 and 3 on Tuesday morning (ET)."""
    with at(MONDAY):
        story.publish_update("Monday's first report.", by=editor, timestamp=MONDAY)
    with at(TUESDAY):
        story.publish_update("Tuesday's news.", by=editor, timestamp=TUESDAY)
        story.publish_update(
            "Tuesday, later.", by=editor, timestamp=TUESDAY + timedelta(minutes=30)
        )
    story.refresh_from_db()
    return story


# --- the formatter --------------------------------------------------------------------------


def test_a_time_from_today_has_no_date_and_any_other_day_has_one():
    with at(WEDNESDAY_NOON):
        assert timefmt.ap_when(WEDNESDAY_NOON - timedelta(hours=2), "America/New_York") == (
            "10 a.m. ET"
        )
        assert timefmt.ap_when(TUESDAY, "America/New_York") == "Nov. 24, 10:05 a.m. ET"
        last_year = datetime(2025, 11, 24, 10, 5, tzinfo=ET)
        assert timefmt.ap_when(last_year, "America/New_York") == "Nov. 24, 2025, 10:05 a.m. ET"


def test_today_is_the_story_zones_today_not_the_servers():
    # 11:30 p.m. Tuesday in New York is already Wednesday in UTC and in Tokyo.
    late = datetime(2026, 11, 24, 23, 30, tzinfo=ET)
    with at(late):
        assert timefmt.ap_when(late, "America/New_York") == "11:30 p.m. ET"
        assert timefmt.ap_when(late, "Asia/Tokyo").startswith("1:30 p.m.")
        assert timefmt.ap_when(late - timedelta(hours=14), "Asia/Tokyo").startswith("Nov. 24, ")


def test_midnight_belongs_to_the_day_it_ends():
    midnight = datetime(2026, 11, 25, 0, 0, tzinfo=ET)
    with at(WEDNESDAY_NOON):
        assert timefmt.ap_when(midnight, "America/New_York") == "Nov. 24, midnight ET"
        assert timefmt.day_heading(midnight, "America/New_York") == "Tuesday, Nov. 24"


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1, 1, 1, 0, 0),
        datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2026, 3, 8, 2, 30),  # naive: taken as UTC
    ],
)
@pytest.mark.parametrize("zone", ["America/New_York", "Pacific/Kiritimati", "No/Such_Zone"])
def test_dated_times_and_day_headings_are_total(moment, zone):
    assert timefmt.ap_when(moment, zone)
    assert timefmt.day_heading(moment, zone)
    assert timefmt.ap_day(moment, zone)


# --- the article ----------------------------------------------------------------------------


def test_yesterdays_update_shows_its_date_and_todays_does_not(client, two_days):
    with at(TUESDAY + timedelta(hours=2)):
        html = article(client, two_days)

    assert 'title="Nov. 23, 2026, 9:38 a.m. ET">Nov. 23, 9:38 a.m. ET</time>' in html
    assert 'title="Nov. 24, 2026, 10:05 a.m. ET">10:05 a.m. ET</time>' in html
    assert ">Nov. 24, 10:05 a.m. ET</time>" not in html


def test_a_day_heading_goes_where_the_day_changes_in_either_order(client, two_days):
    with at(TUESDAY + timedelta(hours=2)):
        oldest = article(client, two_days)
        newest = article(client, two_days, order="newest")

    heading = '<h2 class="timeline__day">Tuesday, Nov. 24</h2>'
    assert oldest.count('class="timeline__day"') == 1
    assert oldest.index("update-1") < oldest.index(heading) < oldest.index('id="update-2"')
    monday = '<h2 class="timeline__day">Monday, Nov. 23</h2>'
    assert newest.count('class="timeline__day"') == 1
    assert newest.index('id="update-2"') < newest.index(monday) < newest.index('id="update-1"')


def test_a_pinned_update_keeps_its_place_under_its_days_heading(client, two_days, editor):
    with at(TUESDAY + timedelta(hours=2)):
        before = article(client, two_days)
    two_days.updates.get(number=3).set_pinned(True, by=editor)
    with at(TUESDAY + timedelta(hours=2)):
        html = article(client, two_days)

    timeline = html[html.index('id="timeline"') :]
    assert 'class="summary"' in html and 'class="summary"' not in before
    assert timeline == before[before.index('id="timeline"') :]  # the timeline does not change


def test_a_page_drawn_yesterday_is_not_served_today(client, two_days):
    """Anonymous readers' pages are remembered by the process and the timeline is cached until
    the story changes; a new day changes the page too (Tuesday's times gain their date)."""
    with at(TUESDAY + timedelta(hours=13)):  # 11:05 p.m. Tuesday
        assert ">10:05 a.m. ET</time>" in article(client, two_days)
    with at(TUESDAY + timedelta(hours=14)):  # 12:05 a.m. Wednesday: the story has not changed
        html = article(client, two_days)

    assert ">Nov. 24, 10:05 a.m. ET</time>" in html
    assert ">10:05 a.m. ET</time>" not in html


def test_the_export_dates_every_update_and_heads_each_day_with_its_year(two_days):
    with at(TUESDAY + timedelta(minutes=45)):
        html = export_html(two_days)

    assert ">Nov. 24, 2026, 10:05 a.m. ET</time>" in html
    assert ">Nov. 23, 2026, 9:38 a.m. ET</time>" in html
    assert '<h2 class="timeline__day">Tuesday, Nov. 24, 2026</h2>' in html
    assert ">10:05 a.m. ET</time>" not in html


# --- the reading order ----------------------------------------------------------------------


def test_a_newest_first_story_reads_newest_first_unless_the_reader_asks(client, two_days, editor):
    assert Story._meta.get_field("reading_order").default == Story.ReadingOrder.OLDEST
    two_days.change_details(reading_order=Story.ReadingOrder.NEWEST, by=editor)

    html = article(client, two_days)
    assert html.index('id="update-3"') < html.index('id="update-1"')
    assert 'data-order="newest"' in html
    oldest = article(client, two_days, order="oldest")
    assert oldest.index('id="update-1"') < oldest.index('id="update-3"')
    assert 'data-order="oldest"' in oldest


def test_an_unknown_order_in_the_address_falls_back_to_the_storys(client, two_days):
    html = article(client, two_days, order="sideways")
    assert html.index('id="update-1"') < html.index('id="update-3"')


def test_the_editor_sets_the_reading_order_on_the_desk_and_it_is_logged(client, editor, story):
    client.force_login(editor)
    before = story.sequence

    response = client.post(
        reverse("desk:details", args=[story.slug]),
        {"reading_order": "newest"},
        headers=HTMX,
    )

    assert response.status_code == 200
    story.refresh_from_db()
    assert story.reading_order == "newest"
    assert story.sequence == before + 1
    assert story.changes.get(sequence=story.sequence).kind == Change.Kind.STORY
    refused = client.post(
        reverse("desk:details", args=[story.slug]), {"reading_order": "sideways"}, headers=HTMX
    )
    assert refused.status_code == 400
    assert b"Select a valid choice" in refused.content


def test_the_desk_says_which_order_readers_get(client, editor, story):
    client.force_login(editor)
    response = client.get(reverse("desk:story", args=[story.slug]))
    assert response.status_code == 200
    assert b'readers get <span class="desk-timeline__order">oldest first</span>' in (
        response.content
    )

    story.change_details(reading_order="newest", by=editor)
    response = client.get(reverse("desk:story", args=[story.slug]))
    assert b'readers get <span class="desk-timeline__order">newest first</span>' in (
        response.content
    )
    assert b'name="reading_order"' in response.content


def test_the_api_sets_and_shows_the_reading_order(editor, story):
    api = Api(editor)

    response = api.patch(f"/stories/{story.slug}", {"reading_order": "newest"})
    assert response.status_code == 200
    assert response.json()["reading_order"] == "newest"
    refused = api.patch(f"/stories/{story.slug}", {"reading_order": "sideways"})
    assert refused.status_code == 400
    assert "reading_order" in json.dumps(refused.json())
    created = api.post("/stories", {"headline": "Ferry Service Halted"})
    assert created.status_code == 201
    assert created.json()["reading_order"] == "oldest"


def test_the_api_document_reads_the_order_choices_from_the_model():
    schemas = openapi_document()["components"]["schemas"]
    values = [value for value, _ in Story.ReadingOrder.choices]
    assert schemas["StoryPatch"]["properties"]["reading_order"]["enum"] == values
    assert schemas["StoryCreate"]["properties"]["reading_order"]["enum"] == values
    assert schemas["Story"]["properties"]["reading_order"]["enum"] == values


# --- the live header ------------------------------------------------------------------------


def test_the_newest_event_carries_the_header_and_the_corrections(story, editor):
    first = story.publish_update("First.", by=editor)
    first.edit(
        "First, fixed.",
        by=editor,
        expected_revision=1,
        is_correction=True,
        correction_note="We had the wrong time.",
    )
    story.publish_update("Second.", by=editor)
    story.refresh_from_db()

    found = database_replay(story.pk, 0)
    assert found is not None
    events = found[1]
    newest, others = events[-1], events[:-1]
    assert 'id="story-header" data-story-region' in newest.html
    assert "This post has been updated." in newest.html
    assert 'id="story-corrections" data-story-region' in newest.html
    assert "We had the wrong time." in newest.html
    assert 'id="update-2"' in newest.html
    assert all("story-corrections" not in event.html for event in others if event.subject != HEADER)


def test_the_memory_keeps_the_regions_on_its_newest_event_only(story, editor):
    story.publish_update("First.", by=editor)
    story.refresh_from_db()
    memory = ReplayMemory(0, 100)
    memory.add(render_events(story, story.changes_since(0)), story.sequence, story.timezone)
    second = story.publish_update("Second.", by=editor)
    story.refresh_from_db()
    memory.add(
        render_events(story, story.changes_since(second.story.sequence - 1)),
        story.sequence,
        story.timezone,
    )

    replay = memory.after(0)
    assert [event.html for event in replay] == [e.html for e in database_replay(story.pk, 0)[1]]
    assert "story-header" in replay[-1].html
    assert all("story-header" not in event.html for event in replay[1:-1])


def test_the_poll_carries_the_regions_as_markup(client, story, editor):
    story.publish_update("Delivered by polling.", by=editor)
    story.refresh_from_db()

    response = client.get(reverse("live:updates", args=[story.slug]), {"since": story.sequence - 1})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<header class="story__header" id="story-header" data-story-region ' in html
    assert '<div class="story__corrections" id="story-corrections" data-story-region>' in html
    assert "&lt;header" not in html


def test_an_ended_story_header_says_when_coverage_ended(client, story, editor):
    ended = datetime(2026, 11, 25, 16, 20, tzinfo=ET)
    with at(ended):
        story.end_coverage(by=editor)
    story.refresh_from_db()

    html = article(client, story)
    assert "Coverage ended at <time" in html
    assert "Nov. 25, 2026, 4:20 p.m. ET</time>" in html
    found = database_replay(story.pk, story.sequence - 1)
    assert found is not None
    assert "Coverage ended at" in found[1][-1].html


def test_the_memory_forgets_what_it_rendered_on_another_day(story, editor):
    with at(TUESDAY):
        story.publish_update("Tuesday.", by=editor)
        story.refresh_from_db()
        memory = ReplayMemory(0, 100)
        memory.add(render_events(story, story.changes_since(0)), story.sequence, story.timezone)
        assert memory.covers(0)
    with at(TUESDAY + timedelta(days=1)):
        assert not memory.covers(0)  # a replay now comes from the database, dated


# --- the desk ---------------------------------------------------------------------------------


def test_publish_is_disabled_on_the_desk_of_an_ended_story(client, editor, story):
    client.force_login(editor)
    story.end_coverage(by=editor)

    response = client.get(reverse("desk:story", args=[story.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-publish disabled>Publish</button>" in html
    assert 'data-ended-note role="status">Live coverage has ended' in html
    changes = client.get(reverse("desk:changes", args=[story.slug]), headers=HTMX)
    assert changes.status_code == 200
    assert b'data-story-state="ended"' in changes.content
    refused = client.post(reverse("desk:publish", args=[story.slug]), {"body": "Too late."})
    assert refused.status_code == 400
    assert story.updates.count() == 0


def test_publish_is_enabled_on_a_live_story(client, editor, story):
    client.force_login(editor)
    response = client.get(reverse("desk:story", args=[story.slug]))
    assert response.status_code == 200
    assert b"data-shortcut-target data-publish>Publish</button>" in response.content
    assert b'data-ended-note role="status" hidden>' in response.content


def test_todays_date_is_the_zones(story):
    with at(datetime(2026, 11, 25, 1, 0, tzinfo=UTC)):  # 8 p.m. Tuesday in New York
        assert timefmt.today("America/New_York") == date(2026, 11, 24)
        assert timefmt.today("UTC") == date(2026, 11, 25)
