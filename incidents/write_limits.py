"""How many changes one writer may make a minute: the API counts every write of a token, the desk
counts a person's uploads (issue 13) against the same limit, in the cache every process shares."""

import math
import time

from django.conf import settings
from django.core.cache import cache

DEFAULT_WRITES_PER_MINUTE = 120


def writes_per_minute() -> int:
    return getattr(settings, "API_WRITES_PER_MINUTE", DEFAULT_WRITES_PER_MINUTE)


def count_write(writer: str) -> int | None:
    """Count one write of `writer` in a fixed one-minute window. None while within the limit;
    past it, the seconds until the window ends (for Retry-After)."""
    now = time.time()
    key = f"writes:{writer}:{int(now // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, timeout=120)
        count = 1
    if count > writes_per_minute():
        return max(1, math.ceil(60 - now % 60))
    return None
