"""JSON API v1: drafts, which have no UPDATE number yet and so are addressed by their id.

Publishing a draft and throwing one away call the same model methods as the desk's buttons, which
check who acts: editors handle anyone's draft, a reporter only their own.
"""

from django.http import HttpRequest, JsonResponse

from incidents.api.access import story_for_token
from incidents.api.endpoint import ApiError, api_view
from incidents.api.representation import update_json
from incidents.models import Story, Update


def draft_for_token(request: HttpRequest, slug: str, pk: int) -> tuple[Story, Update]:
    story = story_for_token(request, slug)
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
    return story, draft


@api_view("DELETE")
def draft(request: HttpRequest, slug: str, pk: int):
    """Throw a draft away (published updates are retracted instead)."""
    _, found = draft_for_token(request, slug, pk)
    found.discard(by=request.user)
    return JsonResponse({}, status=200)


@api_view("POST")
def publish_draft(request: HttpRequest, slug: str, pk: int):
    story, found = draft_for_token(request, slug, pk)
    found.publish(by=request.user)
    found.refresh_from_db()
    return JsonResponse(update_json(request, found, story))
