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
