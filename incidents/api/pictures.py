"""JSON API v1: uploading a picture (issue 13), to attach to an update with its `pictures`.

A multipart/form-data POST with the story's slug, the file and its texts, checked and stored by
the model method the desk calls (`Picture.upload`); it counts against the token's writes.
"""

from django.http import HttpRequest, JsonResponse

from incidents.api.access import story_for_token
from incidents.api.endpoint import ApiError, api_view
from incidents.api.representation import picture_json
from incidents.models import Picture
from incidents.models.picture import Figure

UPLOAD_FIELDS = ("story", "alt", "caption", "credit")


@api_view("POST", body="multipart")
def pictures(request: HttpRequest):
    data = request.payload
    unknown = sorted(set(data) - set(UPLOAD_FIELDS))
    fields = {
        name: f"Unknown field; expected one of {', '.join(UPLOAD_FIELDS)}." for name in unknown
    }
    if not data.get("story"):
        fields["story"] = "Name the story by its slug."
    if "file" not in request.FILES:
        fields["file"] = "Send the picture as the `file` part."
    if fields:
        raise ApiError(400, "invalid", "Some fields need attention.", fields=fields)
    story = story_for_token(request, data["story"])
    picture = Picture.upload(
        story,
        request.FILES["file"],
        alt=data.get("alt", ""),
        caption=data.get("caption", ""),
        credit=data.get("credit", ""),
        by=request.user,
    )
    figure = Figure(picture.figure())
    return JsonResponse(picture_json(figure, request.build_absolute_uri), status=201)
