"""One formatter for times in a story's timezone, in Associated Press style.

"11:40 a.m. ET", "2 p.m. ET", "noon ET"; dates as "Nov. 25, 2026". US zones are shown the AP way
(ET, CT, MT, PT, AKT, HT); other zones by their own abbreviation, or as UTC+N where they have none.

Naive datetimes are taken as UTC, the way Django stores them, never as the server's local time.
Every formatter is total: any datetime Python can hold, in any zone, gives text, never an error
(a stored value from before the model's 1970-2100 range shows in UTC rather than break a page).
"""

import time
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

AP_MONTHS = [
    "Jan.", "Feb.", "March", "April", "May", "June",
    "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.",
]  # fmt: skip

_US_ZONES = {
    "EST": "ET", "EDT": "ET", "CST": "CT", "CDT": "CT", "MST": "MT", "MDT": "MT",
    "PST": "PT", "PDT": "PT", "AKST": "AKT", "AKDT": "AKT", "HST": "HT", "HDT": "HT",
}  # fmt: skip


# Names the system's zone database holds that are no IANA zone: "localtime" is this machine's
# own setting (it differs from server to server), "Factory" is tzdata's placeholder for "no zone
# set yet" (abbreviation "-00"), "posixrules" the default rules for POSIX TZ strings.
NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


@lru_cache(maxsize=1)
def timezone_names() -> frozenset[str]:
    return frozenset(available_timezones()) - NOT_ZONES


def is_valid_timezone(name: str) -> bool:
    if not isinstance(name, str) or name not in timezone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_label(moment: datetime) -> str:
    """The short name AP style uses for the zone of an aware datetime."""
    abbr = moment.tzname() or "UTC"
    if abbr in _US_ZONES:
        return _US_ZONES[abbr]
    if abbr[0] in "+-":
        offset = moment.utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset else 0
        if not minutes:
            return "UTC"
        sign = "+" if minutes >= 0 else "-"
        hours, mins = divmod(abs(minutes), 60)
        return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")
    return abbr


def _local(moment: datetime, tz_name: str) -> datetime:
    """The moment in the story's zone. An unknown zone name shows UTC (and says so in the label)
    rather than breaking the page: story timezones are validated on save, so this is a fallback."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        tz = zone(tz_name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        tz = UTC
    for target in (tz, UTC):
        try:
            return moment.astimezone(target)
        except (OverflowError, ValueError):  # within a day of year 1 or year 9999
            continue
    return moment


def iso_time(moment: datetime) -> str:
    """UTC, to the second, e.g. 2026-07-26T15:40:00+0000."""
    return _local(moment, "UTC").strftime("%Y-%m-%dT%H:%M:%S%z")


def ap_time(moment: datetime, tz_name: str, with_zone: bool = True) -> str:
    local = _local(moment, tz_name)
    if local.hour == 12 and local.minute == 0:
        text = "noon"
    elif local.hour == 0 and local.minute == 0:
        text = "midnight"
    else:
        hour = local.hour % 12 or 12
        meridiem = "a.m." if local.hour < 12 else "p.m."
        text = (
            f"{hour} {meridiem}" if local.minute == 0 else f"{hour}:{local.minute:02d} {meridiem}"
        )
    return f"{text} {zone_label(local)}" if with_zone else text


def _ap_day(local: date) -> str:
    return f"{AP_MONTHS[local.month - 1]} {local.day}, {local.year}"


def ap_date(moment: datetime, tz_name: str) -> str:
    return _ap_day(_local(moment, tz_name))


def ap_datetime(moment: datetime, tz_name: str) -> str:
    """Date and time: "Sept. 3, 2026, 11:40 a.m. ET". AP style counts midnight as the end of the
    day before, so 00:00 on Sept. 3 reads "Sept. 2, 2026, midnight ET"."""
    local = _local(moment, tz_name)
    ends_a_day = (local.hour, local.minute) == (0, 0) and local.date() > date.min
    day = local.date() - timedelta(days=1) if ends_a_day else local
    return f"{_ap_day(day)}, {ap_time(moment, tz_name)}"


# --- the day a moment belongs to, and whether that is today -------------------------------------

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def ap_day(moment: datetime, tz_name: str) -> date:
    """The day a moment belongs to in the story's zone, the AP way: midnight ends the day before
    (00:00 on Nov. 26 reads "Nov. 25, midnight")."""
    local = _local(moment, tz_name)
    if (local.hour, local.minute) == (0, 0) and local.date() > date.min:
        return local.date() - timedelta(days=1)
    return local.date()


def today(tz_name: str) -> date:
    """Today's date in the story's zone: what decides whether an update's time needs its date.
    Whatever keeps rendered HTML must key on it (a page drawn yesterday is wrong today). Asked
    several times per update drawn, so worked out once per zone and second."""
    return _today(tz_name, int(time.time()))


@lru_cache(maxsize=64)
def _today(tz_name: str, second: int) -> date:
    return _local(datetime.fromtimestamp(second, UTC), tz_name).date()


def _short_day(day: date, this_year: int) -> str:
    """ "Nov. 25" this year, "Nov. 25, 2025" in any other."""
    text = f"{AP_MONTHS[day.month - 1]} {day.day}"
    return text if day.year == this_year else f"{text}, {day.year}"


def ap_when(moment: datetime, tz_name: str, now_day: date | None = None) -> str:
    """An update's time as readers see it: "9:38 a.m. ET" today, "Nov. 25, 9:38 a.m. ET" on any
    other day (with the year when it is not this year's)."""
    current = now_day or today(tz_name)
    day = ap_day(moment, tz_name)
    if day == current:
        return ap_time(moment, tz_name)
    return f"{_short_day(day, current.year)}, {ap_time(moment, tz_name)}"


def day_heading(moment: datetime, tz_name: str, now_day: date | None = None) -> str:
    """The timeline's heading for the day of `moment`: "Wednesday, Nov. 25" this year,
    "Tuesday, Nov. 25, 2025" in any other. `now_day=date.min` always shows the year."""
    current = now_day or today(tz_name)
    day = ap_day(moment, tz_name)
    return f"{WEEKDAYS[day.weekday()]}, {_short_day(day, current.year)}"


def mark_new_days(updates: list, tz_name: str, *, lasting: bool = False) -> list:
    """Set `update.new_day` to the day's heading on each update whose day differs from the
    update before it (in either order), else "". A pinned update keeps its place (the article
    shows it again above, as the summary). A `lasting` file (the export) carries the year in
    every heading."""
    current = date.min if lasting else today(tz_name)
    previous = None
    for update in updates:
        update.new_day = ""
        day = ap_day(update.timestamp, tz_name)
        if previous is not None and day != previous:
            update.new_day = day_heading(update.timestamp, tz_name, current)
        previous = day
    return updates
