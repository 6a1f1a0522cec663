"""JSON API v1: drafts, which have no UPDATE number yet and so are addressed by their id.

Publishing a draft and throwing one away call the same model methods as the desk's buttons, which
check who acts: editors handle anyone's draft, a reporter only their own.
"""

from django.http import HttpRequest, JsonResponse

from incidents.api.access import draft_of, story_for_token
from incidents.api.endpoint import api_view
from incidents.api.representation import update_json


@api_view("DELETE")
def draft(request: HttpRequest, slug: str, pk: int):
    """Throw a draft away (published updates are retracted instead)."""
    found = draft_of(story_for_token(request, slug), pk)
    found.discard(by=request.user)
    return JsonResponse({}, status=200)


@api_view("POST", body=False)
def publish_draft(request: HttpRequest, slug: str, pk: int):
    story = story_for_token(request, slug)
    found = draft_of(story, pk)
    found.publish(by=request.user)
    found.refresh_from_db()
    return JsonResponse(update_json(request, found, story))
