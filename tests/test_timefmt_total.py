"""Every formatter is total (issue 10, findings 5 and 11): any timestamp the model accepts, in
any zone the validator accepts, gives text in times, filters, feeds, exports and JSON-LD; and
the validator accepts only real IANA zones."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from django.template import Context, Template
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents import timefmt
from incidents.json_ld import json_ld
from incidents.models import EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, Story, Update
from tests.conftest import make_story

ACCEPTED = sorted(name for name in available_timezones() if timefmt.is_valid_timezone(name))
AP_TIME = r"(noon|midnight|\d{1,2}(:\d\d)? [ap]\.m\.) \S+"

moments = st.datetimes(
    min_value=EARLIEST_TIMESTAMP.replace(tzinfo=None),
    max_value=LATEST_TIMESTAMP.replace(tzinfo=None),
    timezones=st.just(UTC),
)
zones = st.sampled_from(ACCEPTED)


def render(source: str, **context) -> str:
    return Template("{% load newsroom_time %}" + source).render(Context(context))


# --- the validator ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["localtime", "Factory", "posixrules"])
def test_names_that_are_no_iana_zone_are_refused(name):
    assert timefmt.is_valid_timezone("America/New_York")
    assert not timefmt.is_valid_timezone(name)
    assert name not in timefmt.timezone_names()


@pytest.mark.parametrize("name", ["localtime", "Factory"])
def test_a_story_cannot_be_given_a_non_zone(story, editor, name):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        story.change_details(timezone=name, by=editor)

    assert "timezone" in refused.value.message_dict


def test_every_accepted_zone_is_a_real_zone_with_an_abbreviation_or_offset():
    assert len(ACCEPTED) > 400
    for name in ACCEPTED:
        local = datetime(2026, 1, 1, tzinfo=UTC).astimezone(ZoneInfo(name))
        assert local.utcoffset() is not None
        assert timefmt.zone_label(local) not in {"", "-00"}, name


# --- the formatters, over the whole range and every zone ---------------------------------------


@pytest.mark.parametrize("moment", [EARLIEST_TIMESTAMP, LATEST_TIMESTAMP])
def test_the_ends_of_the_range_format_in_every_zone(moment):
    for name in ACCEPTED:
        assert timefmt.ap_datetime(moment, name)
        assert render("{{ t|ap_datetime:tz }} {{ t|iso_time }}", t=moment, tz=name).strip()


@settings(max_examples=3000, deadline=None)
@given(moment=moments, name=zones)
def test_times_and_filters_never_raise(moment, name):
    import re

    assert re.fullmatch(AP_TIME, timefmt.ap_time(moment, name))
    assert timefmt.ap_date(moment, name)
    assert timefmt.ap_datetime(moment, name).endswith(timefmt.ap_time(moment, name))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000", timefmt.iso_time(moment))
    html = render("{{ t|ap_time:tz }}|{{ t|ap_date:tz }}|{{ t|ap_datetime:tz }}", t=moment, tz=name)
    assert html.count("|") == 2 and "||" not in html


@pytest.mark.parametrize(
    "moment",
    [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC), datetime(1, 1, 1)],
)
@pytest.mark.parametrize("name", ["Etc/GMT+12", "Etc/GMT-14", "America/New_York"])
def test_values_stored_before_the_range_existed_still_format(moment, name):
    """Year 1 in Etc/GMT+12 raised OverflowError and took down every page of its story."""
    assert timefmt.ap_datetime(moment, name)
    assert timefmt.ap_time(moment, name)
    assert timefmt.iso_time(moment)


@pytest.mark.parametrize("value", ["2026-07-26", 1234, object()])
def test_filters_show_nothing_for_what_is_not_a_datetime(value):
    assert render("[{{ t|ap_datetime:'UTC' }}{{ t|iso_time }}]", t=value) == "[]"


# --- feeds, exports and JSON-LD ------------------------------------------------------------------


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moment=moments, name=zones)
@pytest.mark.django_db
def test_feeds_exports_and_json_ld_never_raise(client, editor, moment, name):
    Story.objects.filter(slug="extreme-times").delete()
    story = make_story(headline="Extreme Times", slug="extreme-times", timezone=name)
    update = story.publish_update("At the edge of time.", by=editor, timestamp=moment)

    data = json_ld(story, [update], "https://example.com/stories/extreme-times/")
    assert data["liveBlogUpdate"][0]["datePublished"].startswith(f"{moment.year:04d}-")
    for url in [
        story.get_absolute_url(),
        reverse("export:story_atom", args=[story.slug]),
        reverse("export:story_rss", args=[story.slug]),
        reverse("export:site_atom"),
        reverse("export:story", args=[story.slug, "md"]),
        reverse("export:story", args=[story.slug, "html"]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Extreme Times" in response.content, url


@pytest.mark.django_db
def test_a_story_with_a_year_one_update_in_etc_gmt_plus_12_still_shows(client, editor):
    """Finding 5: this story made the article, feeds and exports answer 500."""
    story = make_story(headline="Year One", slug="year-one", timezone="Etc/GMT+12")
    update = story.publish_update("From long ago.", by=editor)
    Update.objects.filter(pk=update.pk).update(timestamp=datetime(1, 1, 1, tzinfo=UTC))
    Story.objects.filter(pk=story.pk).update(published_at=datetime(1, 1, 1, 0, 1, tzinfo=UTC))

    for url in [
        story.get_absolute_url(),
        reverse("export:story_atom", args=[story.slug]),
        reverse("export:story", args=[story.slug, "md"]),
        reverse("export:story", args=[story.slug, "html"]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"From long ago." in response.content, url


def test_the_range_is_within_what_python_can_convert_in_any_zone():
    margin = timedelta(days=2)
    assert datetime.min.replace(tzinfo=UTC) + margin < EARLIEST_TIMESTAMP
    assert LATEST_TIMESTAMP < datetime.max.replace(tzinfo=UTC) - margin
