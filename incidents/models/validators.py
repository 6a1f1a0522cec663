"""Checks on what people type that every entry point shares: the desk's forms, the API and the
admin all reach them through the model fields and methods."""

import unicodedata
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ValidationError

from incidents import timefmt
from incidents.rendering import markdown_problem
from incidents.social_cards import card_problem


def validate_timezone(value: str) -> None:
    if not timefmt.is_valid_timezone(value):
        raise ValidationError(
            "“%(value)s” is not a known IANA timezone, e.g. America/New_York or Europe/London.",
            code="invalid_timezone",
            params={"value": value},
        )


# The one range of times an update may carry, whatever the entry point: any stored time can then
# be shown in every timezone and written by every export format.
EARLIEST_TIMESTAMP = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIMESTAMP = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)


def validate_timestamp(value: datetime) -> None:
    if value is None:
        return
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not EARLIEST_TIMESTAMP <= value <= LATEST_TIMESTAMP:
        raise ValidationError(
            "Choose a time between the years %(first)s and %(last)s.",
            code="timestamp_range",
            params={"first": EARLIEST_TIMESTAMP.year, "last": LATEST_TIMESTAMP.year},
        )


def has_visible_text(text: str) -> bool:
    """False for text of only spaces and invisible characters (U+200B and other format marks)."""
    return any(
        not char.isspace() and unicodedata.category(char) not in {"Cf", "Cc", "Zs", "Mn"}
        for char in text
    )


def validate_markdown(text: str) -> None:
    """Refuses Markdown that would take too long to render (runs of brackets and the like), and
    a social-post card that lacks what a card shows or links where no card may."""
    problem = markdown_problem(text or "")
    if problem:
        raise ValidationError(problem, code="formatting")
    problem = card_problem(text or "")
    if problem:
        raise ValidationError(problem, code="card")


def validate_update_body(body: str) -> None:
    """Raises a ValidationError on the `body` field, so forms and the API show it in place."""
    limit = settings.UPDATE_MAX_CHARS
    if not body or not body.strip():
        raise ValidationError({"body": ValidationError("An update needs some text.", "required")})
    if not has_visible_text(body):
        message = "An update needs some visible text; this one has only invisible characters."
        raise ValidationError({"body": ValidationError(message, code="invisible")})
    if len(body) > limit:
        message = f"An update can be at most {limit:,} characters; this one has {len(body):,}."
        raise ValidationError({"body": ValidationError(message, code="max_length")})
    try:
        validate_markdown(body)
    except ValidationError as error:
        raise ValidationError({"body": error}) from None


def check_update_fields(*, timestamp=None, status_label: str = "") -> None:
    """The fields an update carries besides its text, named so a form shows each error in place."""
    from incidents.models.update import Update  # the choices live on the model they describe

    if timestamp is not None:
        try:
            validate_timestamp(timestamp)
        except ValidationError as error:
            raise ValidationError({"timestamp": error}) from None
    if status_label and status_label not in Update.Status.values:
        raise ValidationError({"status_label": "Choose one of the listed statuses."})
