"""One formatter for times in a story's timezone, in Associated Press style.

"11:40 a.m. ET", "2 p.m. ET", "noon ET"; dates as "Nov. 25, 2026". US zones are shown the AP way
(ET, CT, MT, PT, AKT, HT); other zones by their own abbreviation, or as UTC+N where they have none.
"""

from datetime import datetime
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


@lru_cache(maxsize=1)
def timezone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_timezone(name: str) -> bool:
    if name not in timezone_names():
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
        sign = "+" if minutes >= 0 else "-"
        hours, mins = divmod(abs(minutes), 60)
        return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")
    return abbr


def ap_time(moment: datetime, tz_name: str, with_zone: bool = True) -> str:
    local = moment.astimezone(zone(tz_name))
    if local.hour == 12 and local.minute == 0:
        text = "noon"
    elif local.hour == 0 and local.minute == 0:
        text = "midnight"
    else:
        hour = local.hour % 12 or 12
        meridiem = "a.m." if local.hour < 12 else "p.m."
        text = f"{hour} {meridiem}" if local.minute == 0 else f"{hour}:{local.minute:02d} {meridiem}"
    return f"{text} {zone_label(local)}" if with_zone else text


def ap_date(moment: datetime, tz_name: str) -> str:
    local = moment.astimezone(zone(tz_name))
    return f"{AP_MONTHS[local.month - 1]} {local.day}, {local.year}"


def ap_datetime(moment: datetime, tz_name: str) -> str:
    return f"{ap_date(moment, tz_name)}, {ap_time(moment, tz_name)}"
