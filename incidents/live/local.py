"""Changes recorded in this process reach its own readers as soon as they are committed, rather
than at the hub's next look (every `LIVE_SQLITE_POLL_SECONDS` on SQLite; on PostgreSQL the
NOTIFY comes at the same moment anyway)."""

from django.db import transaction
from django.dispatch import receiver

from incidents.live.hub import current_hub
from incidents.models import story_changed


@receiver(story_changed)
def deliver_after_commit(sender, pk: int, **kwargs) -> None:
    hub = current_hub()
    if hub is not None:
        transaction.on_commit(lambda: hub.notice(pk))
