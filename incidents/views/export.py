"""Downloads of a story as a standalone file: /stories/<slug>/export.html, .md and .json."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from incidents import export
from incidents.models import Story


def _story_for_export(request: HttpRequest, slug: str) -> Story:
    """Anyone may download a public story; a draft only those who may open it on the desk.
    Anonymous readers get a 404 for a draft (they must not learn it exists), a signed-in user
    without access a 403."""
    story = get_object_or_404(Story.objects.prefetch_related("bylines", "tags"), slug=slug)
    if story.is_public:
        return story
    if not request.user.is_authenticated:
        raise Http404("No story here.")
    if not Story.objects.visible_to(request.user).filter(pk=story.pk).exists():
        raise PermissionDenied("This story is a draft you are not working on.")
    return story


@require_GET
def story_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    story = _story_for_export(request, slug)
    kind = export.FORMATS[fmt]
    text = export.export_story(story, fmt, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(text, content_type=kind.content_type)
    filename = export.export_filename(story, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if not story.is_public:
        response["Cache-Control"] = "private, no-store"  # a draft must not sit in any cache
    return response
