"""What readers see: the front page and the article. No sign-in, no cookies needed."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404, render

from incidents.models import Story


def front(request: HttpRequest):
    stories = Story.objects.for_front_page().prefetch_related("bylines")
    return render(request, "incidents/front.html", {"stories": stories})


def story(request: HttpRequest, slug: str):
    story = get_object_or_404(Story.objects.public().prefetch_related("bylines", "tags"), slug=slug)
    newest_first = request.GET.get("order") == "newest"
    updates = story.timeline(newest_first=newest_first)
    return render(
        request,
        "incidents/story.html",
        {
            "story": story,
            "updates": updates,
            "newest_first": newest_first,
            "corrections": story.corrections(),
        },
    )
