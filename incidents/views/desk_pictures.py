"""The compose box's pictures (issue 13): the upload a picker, a drop or a pasted screenshot
sends, and reading the pictures a compose form carries back.

The upload answers with the picture's row for the compose box (200), or with the model's
objections by field as JSON (400; 429 past the write limit), which desk_pictures.js puts next
to the fields the journalist is still looking at.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from incidents.models import Picture, Story
from incidents.views.desk_access import desk_login_required, story_for_desk
from incidents.write_limits import count_write, writes_per_minute

TEXT_FIELDS = ("alt", "caption", "credit")


@desk_login_required
@require_POST
def upload(request: HttpRequest, slug: str):
    story = story_for_desk(request, slug)
    retry_after = count_write(f"user:{request.user.pk}")
    if retry_after is not None:
        message = (
            f"You may make {writes_per_minute()} changes a minute; try again in {retry_after} s."
        )
        response = JsonResponse({"errors": {"file": [message]}}, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    file = request.FILES.get("file")
    if file is None:
        return JsonResponse({"errors": {"file": ["Choose a picture to upload."]}}, status=400)
    texts = {name: request.POST.get(name, "") for name in TEXT_FIELDS}
    try:
        picture = Picture.upload(story, file, by=request.user, **texts)
    except ValidationError as error:
        return JsonResponse({"errors": error.message_dict}, status=400)
    return render(request, "newsroom/_picture.html", {"story": story, "picture": picture})


def posted_pictures(data) -> list[dict]:
    """The pictures a compose or edit form carries, in order: id and texts as typed."""
    return [
        {"id": int(pk), **{name: data.get(f"picture_{name}_{pk}", "") for name in TEXT_FIELDS}}
        for pk in data.getlist("pictures")
        if pk.isdigit()
    ]


def shown_pictures(story: Story, items: list[dict], user) -> list[Picture]:
    """The story's pictures `items` names, with the texts as typed, for the compose box and its
    preview: a picture that is gone, or not this person's to use, is left out."""
    found = {p.pk: p for p in story.pictures.usable().filter(pk__in=[i["id"] for i in items])}
    shown = []
    for item in items:
        picture = found.get(item["id"])
        if picture is not None and picture.may_use(user):
            for name in TEXT_FIELDS:
                setattr(picture, name, item[name].strip())
            shown.append(picture)
    return shown
