"""The revision history of an update: who changed it, when, and a diff of the Markdown."""

from django.http import HttpRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from incidents.diffing import revision_history
from incidents.views.desk_access import desk_login_required, update_for_desk

HISTORY_PAGE = "newsroom/update_history.html"


@desk_login_required
@require_GET
def history(request: HttpRequest, slug: str, pk: int):
    story, update = update_for_desk(request, slug, pk)
    template = f"{HISTORY_PAGE}#history" if request.htmx else HISTORY_PAGE
    context = {"story": story, "update": update, "entries": revision_history(update)}
    return render(request, template, context)
