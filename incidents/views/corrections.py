"""Readers suggest corrections; the suggestions queue up on the story desk."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from incidents.forms import SuggestionForm
from incidents.models import Story
from incidents.views.desk import _desk_url, _story_for_editor, desk_login_required, render_region

SUGGESTIONS_PER_HOUR = 5


def _sender_key(request: HttpRequest) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()


def _over_limit(sender_key: str) -> bool:
    key = f"suggestions:{sender_key}"
    cache.add(key, 0, timeout=3600)
    return cache.incr(key) > SUGGESTIONS_PER_HOUR


@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest, slug: str):
    story = get_object_or_404(Story.objects.public(), slug=slug)
    form = SuggestionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        sender = _sender_key(request)
        if form.is_valid() and not form.is_bot():
            if _over_limit(sender):
                form.add_error(None, "You have sent several suggestions already; try again later.")
                status = 429
            else:
                suggestion = form.save(commit=False)
                suggestion.story = story
                suggestion.sender_key = sender
                suggestion.save()
                return _thanks(request, story)
        elif form.is_bot():
            # Say thanks and keep nothing: a bot learns nothing from the answer.
            return _thanks(request, story)
        else:
            status = 400
    return render(request, "incidents/suggest.html", {"story": story, "form": form}, status=status)


def _thanks(request: HttpRequest, story: Story):
    template = "incidents/suggest.html#thanks" if request.htmx else "incidents/suggest.html"
    return render(request, template, {"story": story, "form": None})


# --- the queue on the story desk ------------------------------------------------------------


@desk_login_required
@require_POST
def resolve(request: HttpRequest, slug: str, pk: int):
    """An editor has dealt with a suggestion. If a colleague already had, theirs stands."""
    story = _story_for_editor(request, slug)
    suggestion = get_object_or_404(story.suggestions, pk=pk)
    if suggestion.resolve(by=request.user):
        notice = "Marked resolved."
    else:
        who = suggestion.resolved_by.get_username() if suggestion.resolved_by else "someone"
        notice = f"Already resolved by {who}."
    if request.htmx:
        return render_region(request, story, "suggestions", suggestions_notice=notice)
    messages.success(request, notice)
    return redirect(_desk_url(story, "suggestions"))
