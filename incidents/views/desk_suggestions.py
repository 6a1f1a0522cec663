"""Readers' correction suggestions on the story desk: an editor marks one resolved."""

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from incidents.views.desk_access import desk_login_required, desk_url, story_for_editor
from incidents.views.desk_regions import render_region, suggestions_context


@desk_login_required
@require_POST
def resolve(request: HttpRequest, slug: str, pk: int):
    """An editor has dealt with a suggestion. If a colleague already had, theirs stands."""
    story = story_for_editor(request, slug)
    suggestion = get_object_or_404(story.suggestions, pk=pk)
    if suggestion.resolve(by=request.user):
        notice = "Marked resolved."
    else:
        who = suggestion.resolved_by.get_username() if suggestion.resolved_by else "someone"
        notice = f"Already resolved by {who}."
    if request.htmx:
        context = suggestions_context(story, suggestions_notice=notice)
        return render_region(request, "suggestions", context)
    messages.success(request, notice)
    return redirect(desk_url(story, "suggestions"))
