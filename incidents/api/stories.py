"""JSON API v1: the stories themselves (their updates are in updates.py).

Each view reads the body's JSON types through `Payload`, validates the values with the same forms
the desk uses, and calls the same model methods, so API writes land in the change log and reach
live readers like the desk's.
"""

from secrets import token_hex

from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from incidents.api.access import fresh, require_editor, story_for_token
from incidents.api.endpoint import ApiError, api_view
from incidents.api.payload import Payload, form_errors, validated
from incidents.api.representation import story_json, story_summary
from incidents.forms import StoryDetailsForm, StoryForm, StoryStateForm, proposed_slug
from incidents.models import Story

# The JSON types of the fields a story takes, and the desk form field each one fills.
STORY_FIELDS = {
    "headline": "text", "headline_suffix": "text", "dek": "text", "intro": "text",
    "timezone": "text", "reading_order": "text", "tags": "strings", "bylines": "people",
    "state": "text",
}  # fmt: skip
FORM_NAMES = {"tags": "tags_text", "bylines": "bylines_text"}
CREATE_FIELDS = {**STORY_FIELDS, "slug": "filled"}
# Paging of the list: API-only, so its limits live here (the document reads them from here).
LIST_LIMIT = 50
MAX_LIST_LIMIT = 100
MAX_OFFSET = 1_000_000


@api_view("GET", "POST", query=("state", "limit", "offset"))
def stories(request: HttpRequest):
    if request.method == "POST":
        return create_story(request)
    found = Story.objects.visible_to(request.user).prefetch_related("tags", "bylines")
    state = request.GET.get("state")
    if state is not None:
        validated(StoryStateForm({"state": state}))
        found = found.filter(state=state)
    limit = _query_int(request, "limit", LIST_LIMIT, minimum=1, maximum=MAX_LIST_LIMIT)
    offset = _query_int(request, "offset", 0, minimum=0, maximum=MAX_OFFSET)
    page = found.order_by("-last_updated_at", "pk")[offset : offset + limit]
    summaries = [story_summary(request, story) for story in page]
    return JsonResponse(
        {"stories": summaries, "total": found.count(), "limit": limit, "offset": offset}
    )


def _query_int(request: HttpRequest, name: str, default: int, *, minimum: int, maximum: int):
    raw = request.GET.get(name)
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


def _form_data(payload: Payload) -> tuple[dict, str | None]:
    """The desk form's data from the body's story fields, and the wanted state if any."""
    values = dict(payload.values)
    state = values.pop("state", None)
    return {FORM_NAMES.get(name, name): value for name, value in values.items()}, state


def create_story(request: HttpRequest):
    require_editor(request, "create stories")
    payload = Payload(request.payload, CREATE_FIELDS, required=["headline"])
    data, state = _form_data(payload)
    data.setdefault("timezone", Story._meta.get_field("timezone").default)
    if "slug" not in data:
        # A headline in another script slugifies to nothing; give such a story a neutral address.
        data["slug"] = proposed_slug(data.get("headline")) or f"story-{token_hex(4)}"
    form = StoryForm(data)
    state_form = StoryStateForm({"state": state}) if state is not None else None
    if not payload.errors:
        _refuse_taken_slug(form, state_form)
    validated(form, state_form, payload=payload)
    story = form.save(by=request.user, state=state)
    response = JsonResponse(story_json(request, fresh(story)), status=201)
    response["Location"] = request.build_absolute_uri(
        reverse("api:story", kwargs={"slug": story.slug})
    )
    return response


def _refuse_taken_slug(form: StoryForm, state_form: StoryStateForm | None) -> None:
    """A slug already in use, when nothing else is wrong, is a conflict rather than a mistake."""
    fields = form_errors(form, state_form)
    slug = form.data["slug"]
    if set(fields) == {"slug"} and Story.objects.filter(slug=slug).exists():
        raise ApiError(409, "slug_taken", f"A story already lives at “{slug}”.", fields=fields)


@api_view("GET", "PATCH")
def story(request: HttpRequest, slug: str):
    story = story_for_token(request, slug)
    if request.method == "PATCH":
        change_story(request, story)
        story = fresh(story)
    return JsonResponse(story_json(request, story))


def change_story(request: HttpRequest, story: Story) -> None:
    """Only the fields sent change, all of them or none, as one change in the story's log."""
    require_editor(request, "change a story")
    payload = Payload(request.payload, STORY_FIELDS)
    if "slug" in request.payload:
        payload.errors["slug"] = "The slug is the story's address; it cannot change."
    data, state = _form_data(payload)
    state_form = StoryStateForm({"state": state}) if state is not None else None
    details, _ = validated(StoryDetailsForm(data, story=story), state_form, payload=payload)
    tags = details.pop("tags_text", None)
    bylines = details.pop("bylines_text", None)
    story.revise(by=request.user, tags=tags, bylines=bylines, state=state, **details)
