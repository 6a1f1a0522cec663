"""Idempotency keys: a client's "this request", so a retry gets the update it made the first
time, and the same key with a different request gets a refusal."""

import hashlib
import json

from django.core.exceptions import ValidationError


class IdempotencyConflict(ValidationError):
    """The same idempotency key came back with a different request: never answer it with the
    first request's update."""

    def __init__(self):
        super().__init__(
            "This idempotency key was already used for a different update; send a new key.",
            code="idempotency_conflict",
        )


def request_digest(parts: list) -> str:
    """What a request asked for, as one digest: a retry with the same key must ask the same."""
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()
