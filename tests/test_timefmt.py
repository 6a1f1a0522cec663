"""Times as readers see them: AP style, in the story's timezone."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.template import Context, Template

from incidents import timefmt
from incidents.timefmt import ap_date, ap_datetime, ap_time, is_valid_timezone, zone_label

NEW_YORK = "America/New_York"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- times of day ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (utc(2026, 3, 5, 16, 40), "11:40 a.m. ET"),
        (utc(2026, 3, 5, 19, 0), "2 p.m. ET"),
        (utc(2026, 3, 5, 17, 0), "noon ET"),
        (utc(2026, 3, 5, 5, 0), "midnight ET"),
        (utc(2026, 3, 5, 17, 5), "12:05 p.m. ET"),
        (utc(2026, 3, 5, 5, 1), "12:01 a.m. ET"),
        (utc(2026, 3, 5, 6, 0), "1 a.m. ET"),
        (utc(2026, 3, 6, 4, 59), "11:59 p.m. ET"),
        (utc(2026, 3, 5, 14, 9), "9:09 a.m. ET"),
    ],
)
def test_ap_time_in_eastern_time(moment, text):
    assert ap_time(moment, NEW_YORK) == text


def test_seconds_are_ignored():
    assert ap_time(utc(2026, 3, 5, 17, 0, 59), NEW_YORK) == "noon ET"
    assert ap_time(utc(2026, 3, 5, 16, 40, 30, 500), NEW_YORK) == "11:40 a.m. ET"


def test_without_zone():
    assert ap_time(utc(2026, 3, 5, 16, 40), NEW_YORK, with_zone=False) == "11:40 a.m."
    assert ap_time(utc(2026, 3, 5, 17, 0), NEW_YORK, with_zone=False) == "noon"


def test_standard_and_daylight_eastern_time_are_both_et():
    winter = utc(2026, 1, 15, 16, 40)  # EST, UTC-5
    summer = utc(2026, 7, 15, 15, 40)  # EDT, UTC-4

    assert winter.astimezone(timefmt.zone(NEW_YORK)).tzname() == "EST"
    assert summer.astimezone(timefmt.zone(NEW_YORK)).tzname() == "EDT"
    assert ap_time(winter, NEW_YORK) == "11:40 a.m. ET"
    assert ap_time(summer, NEW_YORK) == "11:40 a.m. ET"


@pytest.mark.parametrize(
    ("tz_name", "winter", "summer"),
    [
        ("America/Chicago", "11 a.m. CT", "noon CT"),
        ("America/Denver", "10 a.m. MT", "11 a.m. MT"),
        ("America/Phoenix", "10 a.m. MT", "10 a.m. MT"),  # Arizona keeps MST all year
        ("America/Los_Angeles", "9 a.m. PT", "10 a.m. PT"),
        ("America/Anchorage", "8 a.m. AKT", "9 a.m. AKT"),
        ("Pacific/Honolulu", "7 a.m. HT", "7 a.m. HT"),
        ("America/Indiana/Indianapolis", "noon ET", "1 p.m. ET"),
    ],
)
def test_other_us_zones_use_ap_abbreviations(tz_name, winter, summer):
    assert ap_time(utc(2026, 1, 15, 17, 0), tz_name) == winter
    assert ap_time(utc(2026, 7, 15, 17, 0), tz_name) == summer


@pytest.mark.parametrize(
    ("tz_name", "winter", "summer"),
    [
        ("Europe/London", "5 p.m. GMT", "6 p.m. BST"),
        ("Europe/Berlin", "6 p.m. CET", "7 p.m. CEST"),
        ("Europe/Paris", "6 p.m. CET", "7 p.m. CEST"),
        ("Europe/Athens", "7 p.m. EET", "8 p.m. EEST"),
    ],
)
def test_european_zones_use_their_own_abbreviations(tz_name, winter, summer):
    assert ap_time(utc(2026, 1, 15, 17, 0), tz_name) == winter
    assert ap_time(utc(2026, 7, 15, 17, 0), tz_name) == summer


@pytest.mark.parametrize(
    ("tz_name", "text"),
    [
        ("Asia/Dubai", "9 p.m. UTC+4"),  # tzdata's abbreviation is "+04"
        ("Asia/Kathmandu", "10:45 p.m. UTC+5:45"),  # "+0545"
        ("America/Sao_Paulo", "2 p.m. UTC-3"),  # "-03"
        ("Pacific/Marquesas", "7:30 a.m. UTC-9:30"),  # "-0930"
        ("Etc/GMT+5", "noon UTC-5"),  # POSIX sign: GMT+5 is five hours behind
        ("Asia/Kolkata", "10:30 p.m. IST"),
        ("Asia/Tokyo", "2 a.m. JST"),
        ("UTC", "5 p.m. UTC"),
    ],
)
def test_zones_without_a_letter_abbreviation_show_their_utc_offset(tz_name, text):
    assert ap_time(utc(2026, 1, 15, 17, 0), tz_name) == text


def test_a_zero_numeric_offset_reads_utc():
    assert zone_label(datetime(2026, 1, 1, tzinfo=timefmt.zone("Factory"))) == "UTC"


# --- DST boundaries -------------------------------------------------------------------------


def test_spring_forward_in_new_york_skips_the_two_oclock_hour():
    # Sunday March 8, 2026: 2 a.m. EST becomes 3 a.m. EDT (07:00 UTC).
    assert ap_time(utc(2026, 3, 8, 6, 59), NEW_YORK) == "1:59 a.m. ET"
    assert ap_time(utc(2026, 3, 8, 7, 0), NEW_YORK) == "3 a.m. ET"


def test_fall_back_in_new_york_shows_the_repeated_hour_twice():
    # Sunday Nov. 1, 2026: 2 a.m. EDT becomes 1 a.m. EST (06:00 UTC).
    first = utc(2026, 11, 1, 5, 30)
    second = first + timedelta(hours=1)

    assert ap_time(first, NEW_YORK) == "1:30 a.m. ET"
    assert ap_time(second, NEW_YORK) == "1:30 a.m. ET"
    assert ap_time(utc(2026, 11, 1, 7, 0), NEW_YORK) == "2 a.m. ET"


def test_london_switches_from_gmt_to_bst_at_one_utc():
    # Sunday March 29, 2026.
    assert ap_time(utc(2026, 3, 29, 0, 59), "Europe/London") == "12:59 a.m. GMT"
    assert ap_time(utc(2026, 3, 29, 1, 0), "Europe/London") == "2 a.m. BST"


def test_berlin_switches_back_from_cest_to_cet():
    # Sunday Oct. 25, 2026, 01:00 UTC.
    assert ap_time(utc(2026, 10, 25, 0, 30), "Europe/Berlin") == "2:30 a.m. CEST"
    assert ap_time(utc(2026, 10, 25, 1, 30), "Europe/Berlin") == "2:30 a.m. CET"


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "text"),
    [
        (1, "Jan. 5, 2026"),
        (2, "Feb. 5, 2026"),
        (3, "March 5, 2026"),
        (4, "April 5, 2026"),
        (5, "May 5, 2026"),
        (6, "June 5, 2026"),
        (7, "July 5, 2026"),
        (8, "Aug. 5, 2026"),
        (9, "Sept. 5, 2026"),
        (10, "Oct. 5, 2026"),
        (11, "Nov. 5, 2026"),
        (12, "Dec. 5, 2026"),
    ],
)
def test_ap_dates_abbreviate_only_the_long_months(month, text):
    assert ap_date(utc(2026, month, 5, 17, 0), NEW_YORK) == text


def test_the_date_is_the_date_in_the_story_zone():
    late_evening_in_new_york = utc(2026, 9, 4, 2, 30)  # 10:30 p.m. EDT on Sept. 3

    assert ap_date(late_evening_in_new_york, NEW_YORK) == "Sept. 3, 2026"
    assert ap_date(late_evening_in_new_york, "Europe/London") == "Sept. 4, 2026"


def test_ap_datetime():
    assert ap_datetime(utc(2026, 9, 3, 15, 40), NEW_YORK) == "Sept. 3, 2026, 11:40 a.m. ET"
    assert ap_datetime(utc(2026, 3, 5, 17, 0), NEW_YORK) == "March 5, 2026, noon ET"


def test_midnight_belongs_to_the_day_that_is_ending():
    start_of_sept_3 = utc(2026, 9, 3, 4, 0)  # 00:00 EDT

    assert ap_datetime(start_of_sept_3, NEW_YORK) == "Sept. 2, 2026, midnight ET"
    assert ap_datetime(start_of_sept_3 + timedelta(minutes=1), NEW_YORK) == (
        "Sept. 3, 2026, 12:01 a.m. ET"
    )


def test_midnight_at_new_year_ends_the_old_year():
    assert ap_datetime(utc(2027, 1, 1, 5, 0), NEW_YORK) == "Dec. 31, 2026, midnight ET"


# --- odd input ------------------------------------------------------------------------------


def test_naive_datetimes_are_taken_as_utc_not_server_local_time():
    assert ap_time(datetime(2026, 3, 5, 16, 40), NEW_YORK) == "11:40 a.m. ET"
    assert ap_date(datetime(2026, 9, 4, 2, 30), NEW_YORK) == "Sept. 3, 2026"


def test_aware_datetimes_in_any_zone_are_converted():
    in_tokyo = datetime(2026, 3, 6, 1, 40, tzinfo=timezone(timedelta(hours=9)))

    assert ap_time(in_tokyo, NEW_YORK) == "11:40 a.m. ET"


@pytest.mark.parametrize("tz_name", ["Mars/Olympus_Mons", "", None])
def test_an_unknown_zone_falls_back_to_utc_and_says_so(tz_name):
    assert ap_time(utc(2026, 3, 5, 16, 40), tz_name) == "4:40 p.m. UTC"


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("America/New_York", True),
        ("Europe/London", True),
        ("Asia/Kathmandu", True),
        ("UTC", True),
        ("Mars/Olympus_Mons", False),
        ("", False),
        ("../etc/passwd", False),
        ("america/new_york", False),
    ],
)
def test_is_valid_timezone(name, valid):
    assert is_valid_timezone(name) is valid


# --- template filters -----------------------------------------------------------------------


def render(source: str, **context) -> str:
    return Template("{% load newsroom_time %}" + source).render(Context(context))


def test_template_filters_use_the_story_zone():
    moment = utc(2026, 9, 3, 15, 40)

    assert render("{{ t|ap_time:tz }}", t=moment, tz=NEW_YORK) == "11:40 a.m. ET"
    assert render("{{ t|ap_date:tz }}", t=moment, tz=NEW_YORK) == "Sept. 3, 2026"
    assert render("{{ t|ap_datetime:tz }}", t=moment, tz=NEW_YORK) == (
        "Sept. 3, 2026, 11:40 a.m. ET"
    )
    assert render("{{ t|ap_time:tz }}", t=moment, tz="Europe/Berlin") == "5:40 p.m. CEST"


@pytest.mark.parametrize("name", ["ap_time", "ap_date", "ap_datetime"])
def test_template_filters_show_nothing_for_a_missing_time(name):
    assert render(f"{{{{ t|{name}:tz }}}}", t=None, tz=NEW_YORK) == ""


def test_the_article_page_shows_update_times_in_the_story_zone(client, story, editor):
    story.change_details(timezone="Europe/London")
    story.publish_update("Restored", by=editor, timestamp=utc(2026, 7, 15, 16, 40))

    response = client.get(story.get_absolute_url())

    assert response.status_code == 200
    assert "5:40 p.m. BST" in response.text
    assert 'datetime="2026-07-15T16:40:00+00' in response.text  # machine-readable, in UTC


def test_machine_readable_times_are_utc_to_the_second():
    moment = datetime(2026, 7, 26, 11, 40, 5, 123456, tzinfo=timefmt.zone("America/New_York"))

    assert timefmt.iso_time(moment) == "2026-07-26T15:40:05+0000"
