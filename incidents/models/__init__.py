"""Stories, their numbered updates, revisions and the change log: every rule about them lives in
this package, one module a subject. A change travels like this: a view or the API validates input
and calls one method (`story.publish_update(...)`, `update.edit(...)`, `update.retract(...)`,
`story.revise(...)`), passing who acts as `by=`. The method checks that person may act (raising
PermissionDenied), renders Markdown before it locks the story row, does its work and appends one
`Change` row to the story's log in the same transaction (on PostgreSQL it also sends NOTIFY
there). Live streams, polls, feeds and the corrections log all read that log.
"""

from incidents.models.audience import ReaderCount, ReadersNow
from incidents.models.change import NOTIFY_CHANNEL, Change, story_changed
from incidents.models.email_batch import EmailBatch, UpdateEmailCount
from incidents.models.people import (
    EDITORS_GROUP,
    EDITORS_ONLY,
    MAY_NOT_PUBLISH,
    NOT_ON_STORY,
    Byline,
    Contributor,
    user_is_editor,
)
from incidents.models.picture import Picture
from incidents.models.push import PushDelivery, PushSubscription
from incidents.models.search_entry import SearchEntry
from incidents.models.story import Story, Tag
from incidents.models.story_queries import StoryQuerySet
from incidents.models.subscriber import EmailSubscriber
from incidents.models.suggestion import CorrectionSuggestion
from incidents.models.token import ApiToken
from incidents.models.update import IdempotencyConflict, Revision, StaleRevision, Update
from incidents.models.validators import (
    EARLIEST_TIMESTAMP,
    LATEST_TIMESTAMP,
    has_visible_text,
    validate_markdown,
    validate_timestamp,
    validate_timezone,
    validate_update_body,
)
from incidents.models.webhook import Webhook, WebhookDelivery

__all__ = [
    "EmailBatch",
    "EmailSubscriber",
    "UpdateEmailCount",
    "ReaderCount",
    "ReadersNow",
    "PushDelivery",
    "PushSubscription",
    "Webhook",
    "WebhookDelivery",
    "EARLIEST_TIMESTAMP",
    "EDITORS_GROUP",
    "EDITORS_ONLY",
    "LATEST_TIMESTAMP",
    "MAY_NOT_PUBLISH",
    "NOTIFY_CHANNEL",
    "story_changed",
    "NOT_ON_STORY",
    "ApiToken",
    "Byline",
    "Change",
    "Contributor",
    "CorrectionSuggestion",
    "IdempotencyConflict",
    "Picture",
    "Revision",
    "SearchEntry",
    "StaleRevision",
    "Story",
    "StoryQuerySet",
    "Tag",
    "Update",
    "has_visible_text",
    "user_is_editor",
    "validate_markdown",
    "validate_timestamp",
    "validate_timezone",
    "validate_update_body",
]
