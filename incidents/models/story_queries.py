"""The rules for which stories a page lists: what readers may see, the front page's order, and
which stories a newsroom user may open on the desk."""

from django.db import models
from django.db.models import F

from incidents.models.people import user_is_editor


class StoryQuerySet(models.QuerySet):
    def live(self):
        return self.filter(state=self.model.State.LIVE)

    def ended(self):
        return self.filter(state=self.model.State.ENDED)

    def drafts(self):
        return self.filter(state=self.model.State.DRAFT)

    def public(self):
        """What readers may see: live stories and ended ones, never drafts."""
        return self.exclude(state=self.model.State.DRAFT)

    def for_front_page(self):
        return self.public().order_by(
            models.Case(
                models.When(state=self.model.State.LIVE, then=0),
                default=1,
                output_field=models.IntegerField(),
            ),
            F("last_updated_at").desc(),
            F("pk").desc(),  # a stable order, so that no story falls between two pages
        )

    def visible_to(self, user):
        """Stories a signed-in newsroom user may open on the desk."""
        if user_is_editor(user):
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.filter(contributors__user=user).distinct()
