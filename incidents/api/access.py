"""Which story or update a token's user may reach. Every API view starts with one of these."""

from django.db.backends.base.operations import BaseDatabaseOperations
from django.http import HttpRequest

from incidents.api.endpoint import ApiError, forbidden
from incidents.models import Story, Update, user_is_editor

# The largest UPDATE number every supported database can hold in the number's column.
MAX_NUMBER = BaseDatabaseOperations.integer_field_ranges[
    Update._meta.get_field("number").get_internal_type()
][1]


def story_for_token(request: HttpRequest, slug: str) -> Story:
    """The story at `slug`, if this token's user works on it."""
    story = Story.objects.prefetch_related("tags", "bylines").filter(slug=slug).first()
    if story is None:
        raise ApiError(404, "not_found", f"There is no story with the slug “{slug}”.")
    if not story.can_contribute(request.user):
        raise forbidden("This token's user does not work on this story.")
    return story


def fresh(story: Story) -> Story:
    """The story as it is now, after a change, with what its representation reads."""
    return Story.objects.prefetch_related("tags", "bylines").get(pk=story.pk)


def update_of(story: Story, number: int) -> Update:
    update = None
    if number <= MAX_NUMBER:  # a larger number could not even be looked up
        update = story.updates.select_related("author").filter(number=number).first()
    if update is None:
        raise ApiError(404, "not_found", f"“{story.slug}” has no UPDATE {number}.")
    update.story = story
    return update


def require_editor(request: HttpRequest, action: str) -> None:
    if not user_is_editor(request.user):
        raise forbidden(f"Only editors may {action}.")
