"""The desk's email subscribers page of a story, for editors: how many follow it by email and how
many emails each update went out in, and deleting one address on request. Addresses are never
listed: an editor finds one by typing it in full."""

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from incidents.models import EmailSubscriber, UpdateEmailCount
from incidents.views.desk_access import desk_login_required, story_for_editor


@desk_login_required
@require_GET
def subscribers(request: HttpRequest, slug: str):
    story = story_for_editor(request, slug)
    sought = request.GET.get("email", "")
    found = EmailSubscriber.find(story, sought, by=request.user) if sought.strip() else None
    counts = EmailSubscriber.counts(story)
    context = {
        "story": story,
        "counts": counts,
        "total": sum(counts.values()),
        "emails_per_update": sorted(UpdateEmailCount.for_story(story).items(), reverse=True),
        "sought": sought,
        "found": found,
    }
    response = render(request, "newsroom/subscribers.html", context)
    response["Cache-Control"] = "private, no-store"  # it may show an address
    return response


@desk_login_required
@require_POST
def delete_subscriber(request: HttpRequest, slug: str, pk: int):
    story = story_for_editor(request, slug)
    subscriber = get_object_or_404(EmailSubscriber, story=story, pk=pk)
    subscriber.remove(by=request.user)
    messages.success(request, "The address has been deleted; it gets no more emails.")
    return redirect("desk:subscribers", slug=story.slug)
