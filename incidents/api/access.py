"""Which story or update a token's user may reach. Every API view starts with one of these."""

from django.db.backends.base.operations import BaseDatabaseOperations
from django.http import HttpRequest

from incidents.api.endpoint import ApiError, forbidden
from incidents.models import Story, Update, user_is_editor


def _largest(field) -> int:
    """The largest value every supported database can hold in this integer column."""
    return BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()][1]


MAX_NUMBER = _largest(Update._meta.get_field("number"))
MAX_ID = _largest(Update._meta.pk)


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


def draft_of(story: Story, pk: int) -> Update:
    """A draft, addressed by its id since it has no number yet."""
    draft = None
    if pk <= MAX_ID:
        draft = story.updates.select_related("author").filter(pk=pk).first()
    if draft is None:
        raise ApiError(404, "not_found", f"“{story.slug}” has no draft {pk}.")
    draft.story = story
    if not draft.is_draft:
        raise ApiError(
            409,
            "already_published",
            f"This draft was published as UPDATE {draft.number}; address it by its number.",
        )
    return draft


def require_editor(request: HttpRequest, action: str) -> None:
    if not user_is_editor(request.user):
        raise forbidden(f"Only editors may {action}.")
