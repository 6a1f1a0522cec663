"""How far each update went beyond the open pages, for the desk (issue 14, item 7): how many
push notifications went out for it and how its webhook calls fared. One query per channel for a
whole timeline, whatever its length."""

from dataclasses import dataclass

from incidents.models import PushDelivery, Update, WebhookDelivery


@dataclass(frozen=True)
class Reach:
    push: int = 0
    webhooks_delivered: int = 0
    webhooks_failed: int = 0

    def __bool__(self) -> bool:
        return any((self.push, self.webhooks_delivered, self.webhooks_failed))

    @property
    def parts(self) -> list[dict]:
        """What the desk says, e.g. "45 push notifications · 2 webhooks · 1 webhook call
        failing"; the failing part stands out."""
        counted = [
            (self.push, "push notification", "push notifications", False),
            (self.webhooks_delivered, "webhook", "webhooks", False),
            (self.webhooks_failed, "webhook call failing", "webhook calls failing", True),
        ]
        return [
            {"text": f"{n:,} {one if n == 1 else many}", "failing": failing}
            for n, one, many, failing in counted
            if n
        ]


def note_reach(updates: list[Update]) -> None:
    """Give each published update its `reach`."""
    shown = [update for update in updates if not update.is_draft]
    if not shown:
        return
    push = PushDelivery.objects.sent_counts(shown)
    webhooks = WebhookDelivery.objects.counts_by_update(shown)
    for update in shown:
        delivered, failed = webhooks.get(update.pk, (0, 0))
        update.reach = Reach(push.get(update.pk, 0), delivered, failed)
