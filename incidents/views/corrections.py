"""Readers suggest corrections. The suggestions queue up on the story desk (desk_suggestions.py)."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from incidents.forms import SuggestionForm
from incidents.models import Story

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
