"""Who works on a story: editors (a group), contributors (reporters put on one story) and the
bylines readers see. Every permission question about a person is answered here."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models

EDITORS_GROUP = "Editors"

# What a person who may not do something is told, wherever they tried it (desk, API, admin).
NOT_ON_STORY = "You are not on this story’s desk. Ask an editor to add you as a contributor."
EDITORS_ONLY = "Only editors can do that."
MAY_NOT_PUBLISH = (
    "An editor has not allowed you to publish on this story yet. Save it as a draft and an "
    "editor can publish it."
)


def user_is_editor(user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_editor", None)
    if cached is None:
        cached = user.groups.filter(name=EDITORS_GROUP).exists()
        user._is_editor = cached
    return cached


def person_name(user) -> str:
    """How the newsroom names a colleague: full name, else the username."""
    return user.get_full_name() or user.get_username()


def actor(user):
    """The user to record as having acted, or None for the system (a command, a migration)."""
    return user if user is not None and user.is_authenticated else None


def who_acted(related_name: str = "+", **options) -> models.ForeignKey:
    """A reference to the person who did something; kept (as empty) when the account goes."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name=related_name,
        **options,
    )


def require(by, allowed: bool, message: str) -> None:
    """Refuse a person who may not act. `by=None` is the system itself (demo data, commands):
    views and the API always pass the request's user, signed in or not."""
    if by is not None and not allowed:
        raise PermissionDenied(message)


class Byline(models.Model):
    story = models.ForeignKey("incidents.Story", on_delete=models.CASCADE, related_name="bylines")
    name = models.CharField(max_length=120)
    title = models.CharField(max_length=160, blank=True, help_text="e.g. Technology Editor")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.name}, {self.title}" if self.title else self.name


class Contributor(models.Model):
    story = models.ForeignKey(
        "incidents.Story", on_delete=models.CASCADE, related_name="contributors"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contributions"
    )
    can_publish = models.BooleanField(
        default=False, help_text="Reporters publish only where an editor allowed it."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["story", "user"], name="one_contribution_per_user")
        ]

    def __str__(self):
        return f"{self.user} on {self.story.slug}"

    @property
    def display_name(self) -> str:
        return person_name(self.user)
