"""JSON API v1: stories (their updates are in api_updates.py), for newsroom tools and bots.

Each view checks the token's user may act, reads the body through `Payload`, and calls the same
model method the desk calls, so API writes land in the change log and reach live readers.
Everything runs through `api_view` (incidents/api/endpoint.py) for auth, limits and JSON errors.
"""

from secrets import token_hex

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt

from incidents.api.endpoint import ApiError, api_view, error_response
from incidents.api.payload import Payload
from incidents.api.representation import story_json, story_summary
from incidents.forms import StoryDetailsForm, StoryForm
from incidents.models import Story, user_is_editor
from incidents.openapi import openapi_document

STORY_CREATE_FIELDS = {
    "headline", "slug", "headline_suffix", "dek", "intro", "timezone", "tags", "bylines", "state",
}  # fmt: skip
STORY_DETAIL_FIELDS = ("headline", "headline_suffix", "dek", "intro", "timezone")
# Checked before the form strips whitespace, so the limits are the ones the document states.
TEXT_LIMITS = {
    "headline": 200, "slug": 200, "headline_suffix": 100, "dek": 300, "intro": None, "timezone": 64,
}  # fmt: skip
MAX_TAGS = 20
LIST_LIMIT = 50


# --- access helpers ---------------------------------------------------------------------------


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def story_for_token(request: HttpRequest, slug: str) -> Story:
    """The story at `slug`, if this token's user works on it."""
    story = Story.objects.prefetch_related("tags", "bylines").filter(slug=slug).first()
    if story is None:
        raise ApiError(404, "not_found", f"There is no story with the slug “{slug}”.")
    if not story.can_contribute(request.user):
        raise forbidden("This token's user does not work on this story.")
    return story


def _require_editor(request: HttpRequest, action: str) -> None:
    if not user_is_editor(request.user):
        raise forbidden(f"Only editors may {action}.")


# --- stories ----------------------------------------------------------------------------------


@api_view("GET", "POST", query=("state", "limit", "offset"))
def stories(request: HttpRequest):
    if request.method == "POST":
        return _create_story(request)
    params = request.GET
    found = Story.objects.visible_to(request.user).prefetch_related("tags", "bylines")
    state = params.get("state")
    if state is not None:
        if state not in Story.State.values:
            raise ApiError(
                400,
                "invalid",
                "Unknown state filter.",
                fields={"state": f"Must be one of: {', '.join(Story.State.values)}."},
            )
        found = found.filter(state=state)
    limit = _query_int(params, "limit", default=LIST_LIMIT, minimum=1, maximum=100)
    offset = _query_int(params, "offset", default=0, minimum=0, maximum=1_000_000)
    total = found.count()
    page = found.order_by("-last_updated_at", "pk")[offset : offset + limit]
    return JsonResponse(
        {
            "stories": [story_summary(request, story) for story in page],
            "total": total,
            "limit": limit,
            "offset": offset,
        }
    )


def _query_int(params, name: str, *, default: int, minimum: int, maximum: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    valid = raw.isascii() and raw.isdigit() and len(raw) <= len(str(maximum))
    if not valid or not minimum <= int(raw) <= maximum:
        raise ApiError(
            400,
            "invalid",
            f"The {name} parameter is out of range.",
            fields={name: f"Must be a whole number from {minimum} to {maximum}."},
        )
    return int(raw)


def _create_story(request: HttpRequest):
    _require_editor(request, "create stories")
    payload = Payload(request.payload, STORY_CREATE_FIELDS)
    payload.require("headline")
    values = {name: payload.text(name, max_length=limit) for name, limit in TEXT_LIMITS.items()}
    tags = payload.text_list("tags", max_items=MAX_TAGS, max_length=60)
    bylines = payload.bylines("bylines")
    state = payload.choice("state", Story.State.values)
    payload.check()

    data = {name: value for name, value in values.items() if value is not None}
    data.setdefault("timezone", Story._meta.get_field("timezone").default)
    if "slug" not in data and "headline" in data:
        # A headline in another script slugifies to nothing; give such a story a neutral address.
        data["slug"] = slugify(data["headline"])[:200].strip("-") or f"story-{token_hex(4)}"
    form = StoryForm(data=data)
    if not form.is_valid():
        fields = {
            ("tags" if name == "tags_text" else name): " ".join(messages)
            for name, messages in form.errors.items()
        }
        wanted_slug = data.get("slug", "")
        if set(fields) == {"slug"} and Story.objects.filter(slug=wanted_slug).exists():
            raise ApiError(
                409, "slug_taken", f"A story already lives at “{wanted_slug}”.", fields=fields
            )
        raise ApiError(400, "invalid", "Some fields need attention.", fields=fields)
    with transaction.atomic():
        form.instance.created_by = request.user
        story = form.save()
        if tags:
            story.set_tags(tags, by=request.user)
        if bylines:
            story.set_bylines(bylines, by=request.user)
        if state and state != story.state:
            story.set_state(state, by=request.user)
    response = JsonResponse(story_json(request, _fresh(story)), status=201)
    response["Location"] = request.build_absolute_uri(
        reverse("api:story", kwargs={"slug": story.slug})
    )
    return response


def _fresh(story: Story) -> Story:
    return Story.objects.prefetch_related("tags", "bylines").get(pk=story.pk)


@api_view("GET", "PATCH")
def story(request: HttpRequest, slug: str):
    story = story_for_token(request, slug)
    if request.method == "GET":
        return JsonResponse(story_json(request, story))
    _require_editor(request, "change a story")
    payload = Payload(request.payload, {*STORY_CREATE_FIELDS} - {"slug"})
    if "slug" in request.payload:
        payload.errors["slug"] = "The slug is the story's address; it cannot change."
    details = {
        name: payload.text(name, max_length=TEXT_LIMITS[name]) for name in STORY_DETAIL_FIELDS
    }
    details = {name: value for name, value in details.items() if value is not None}
    tags = payload.text_list("tags", max_items=MAX_TAGS, max_length=60)
    bylines = payload.bylines("bylines")
    state = payload.choice("state", Story.State.values)
    payload.check()
    shown = {name: value for name, value in details.items() if name != "timezone"}
    if shown:
        # The desk's form for the same fields: it strips them and refuses a blank headline.
        form = StoryDetailsForm(shown, story=story)
        if not form.is_valid():
            fields = {name: " ".join(messages) for name, messages in form.errors.items()}
            raise ApiError(400, "invalid", "Some fields need attention.", fields=fields)
        details.update(form.cleaned_data)
    with transaction.atomic():
        if details:
            story.change_details(by=request.user, **details)
        if tags is not None:
            story.set_tags(tags, by=request.user)
        if bylines is not None:
            story.set_bylines(bylines, by=request.user)
        if state is not None:
            story.set_state(state, by=request.user)
    return JsonResponse(story_json(request, _fresh(story)))


# --- the document and everything else ---------------------------------------------------------


@csrf_exempt
def openapi(request: HttpRequest):
    """The OpenAPI 3.1 description of this API; public, so tools can read it without a token."""
    if request.method != "GET":
        return error_response(405, "method_not_allowed", "Use GET.", headers={"Allow": "GET"})
    return JsonResponse(openapi_document())


@csrf_exempt
def not_found(request: HttpRequest, path: str = ""):
    """Anything else under /api/v1/ answers in JSON too."""
    message = f"There is nothing at /api/v1/{path}."
    if path.endswith("/"):
        message += f" API paths have no trailing slash: try /api/v1/{path.rstrip('/')}."
    return error_response(404, "not_found", message)
