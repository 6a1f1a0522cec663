"""Template filters over incidents.timefmt: `{{ update.timestamp|ap_time:story.timezone }}`.

Like timefmt they are total: anything but a datetime shows nothing rather than break the page."""

from datetime import datetime

from django import template

from incidents import timefmt

register = template.Library()


@register.filter
def iso_time(moment):
    """The machine-readable time for `<time datetime>`: seconds precision, UTC offset (the Nu
    checker rejects the microseconds Django's `c` format writes)."""
    return timefmt.iso_time(moment) if isinstance(moment, datetime) else ""


@register.filter
def ap_time(moment, tz_name):
    return timefmt.ap_time(moment, tz_name) if isinstance(moment, datetime) else ""


@register.filter
def ap_date(moment, tz_name):
    return timefmt.ap_date(moment, tz_name) if isinstance(moment, datetime) else ""


@register.filter
def ap_datetime(moment, tz_name):
    return timefmt.ap_datetime(moment, tz_name) if isinstance(moment, datetime) else ""


@register.filter
def ap_when(moment, tz_name):
    """An update's time: with its date unless it is from today in the story's zone."""
    return timefmt.ap_when(moment, tz_name) if isinstance(moment, datetime) else ""


@register.filter
def ap_day_iso(moment, tz_name):
    """The day the moment belongs to in the story's zone, e.g. 2026-11-25 (for scripts)."""
    return timefmt.ap_day(moment, tz_name).isoformat() if isinstance(moment, datetime) else ""


@register.filter
def day_heading(moment, tz_name):
    """The timeline's heading for the moment's day: "Wednesday, Nov. 25"."""
    return timefmt.day_heading(moment, tz_name) if isinstance(moment, datetime) else ""
