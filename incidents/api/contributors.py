"""JSON API v1: who works on a story. Editors put reporters on a story, let them publish there
or take them off, through the same model methods as the desk's contributors panel."""

from django.contrib.auth import get_user_model
from django.http import HttpRequest, JsonResponse

from incidents.api.access import story_for_token
from incidents.api.endpoint import ApiError, api_view
from incidents.api.payload import Payload, text_problem, validated
from incidents.models import Contributor

CONTRIBUTOR_FIELDS = {"username": "text", "can_publish": "boolean"}


def contributor_json(contributor: Contributor) -> dict:
    return {
        "username": contributor.user.get_username(),
        "name": contributor.display_name,
        "can_publish": contributor.can_publish,
    }


def _person(username: str, field: str = "username"):
    """An active colleague; an unknown one is a 404, as a missing story or update is."""
    person = None
    if not text_problem(username):  # a NUL in a path would reach the database otherwise
        person = get_user_model().objects.filter(username=username, is_active=True).first()
    if person is None:
        raise ApiError(
            404,
            "not_found",
            f"There is no active newsroom user “{username}”.",
            fields={} if field == "path" else {field: "Unknown username."},
        )
    return person


@api_view("GET", "POST")
def contributors(request: HttpRequest, slug: str):
    story = story_for_token(request, slug)
    if request.method == "POST":
        payload = Payload(request.payload, CONTRIBUTOR_FIELDS, required=["username"])
        validated(payload=payload)
        values = payload.values
        added = story.add_contributor(
            _person(values["username"]),
            can_publish=values.get("can_publish", False),
            by=request.user,
        )
        return JsonResponse(contributor_json(added), status=201)
    people = story.contributors.select_related("user").order_by("user__username")
    return JsonResponse({"contributors": [contributor_json(c) for c in people]})


@api_view("PATCH", "DELETE")
def contributor(request: HttpRequest, slug: str, username: str):
    story = story_for_token(request, slug)
    person = _person(username, field="path")
    if not story.contributors.filter(user=person).exists():
        raise ApiError(404, "not_found", f"{username} does not work on “{story.slug}”.")
    if request.method == "DELETE":
        story.remove_contributor(person, by=request.user)
        return JsonResponse({}, status=200)
    payload = Payload(request.payload, {"can_publish": "boolean"}, required=["can_publish"])
    validated(payload=payload)
    can_publish = payload.values["can_publish"]
    changed = story.set_contributor_publishing(person, can_publish, by=request.user)
    return JsonResponse(contributor_json(changed))
