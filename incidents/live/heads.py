"""A public story's head (its id, sequence and state): what a stream or a poll needs first, kept
in this process's memory for `LIVE_POLL_HEAD_SECONDS` so that most polls need no query."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.dispatch import receiver

from incidents.models import Story, story_changed


@dataclass(frozen=True, slots=True)
class StoryHead:
    """What a new stream needs to know about its story before it subscribes."""

    pk: int
    sequence: int
    state: str
    timezone: str = "UTC"  # what the reader's page needs to know which day it is there


def find_public_story(slug: str) -> StoryHead | None:
    """The head of the public story `slug`, read from the database."""
    fields = ("pk", "sequence", "state", "timezone")
    row = Story.objects.public().filter(slug=slug).values_list(*fields).first()
    return StoryHead(*row) if row else None


_heads: dict[str, tuple[float, StoryHead]] = {}


def public_story_head(slug: str) -> StoryHead | None:
    """The story's head for the poll fallback, read from the database at most every
    `LIVE_POLL_HEAD_SECONDS` per process: most polls are then answered without a query. The
    same staleness the hub's own poll has on SQLite."""
    cached = cached_story_head(slug)
    if cached is not None:
        return cached
    moment = time.monotonic()
    head = find_public_story(slug)
    if head is None:
        _heads.pop(slug, None)
    elif settings.LIVE_POLL_HEAD_SECONDS > 0:
        if len(_heads) > 10_000:
            _heads.clear()
        _heads[slug] = (moment, head)
    return head


def cached_story_head(slug: str) -> StoryHead | None:
    """The head read less than `LIVE_POLL_HEAD_SECONDS` ago, if any; never queries."""
    cached = _heads.get(slug)
    if cached is not None and time.monotonic() - cached[0] < settings.LIVE_POLL_HEAD_SECONDS:
        return cached[1]
    return None


def forget_story_heads() -> None:
    _heads.clear()


@receiver(story_changed)
def forget_changed_story(sender, slug: str, **kwargs) -> None:
    """A change made in this process is seen by its next reader, without waiting."""
    _heads.pop(slug, None)
