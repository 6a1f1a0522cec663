"""The newsroom desk: the dashboard, the story desk page and the regions it polls.

Writing on the desk lives in desk_compose.py, actions on one update in desk_updates.py, actions
on the story itself in desk_story.py, the readers' suggestions in desk_suggestions.py. Access
rules are in desk_access.py, the page's regions and their contexts in desk_regions.py.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from incidents.forms import NewStoryForm
from incidents.models import ReaderCount, ReadersNow, Story, Update, user_is_editor
from incidents.views.desk_access import desk_login_required, desk_url, story_for_desk
from incidents.views.desk_regions import (
    desk_context,
    readers_context,
    render_desk,
    render_region,
    timeline_context,
)

COMMON_TIMEZONES = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Anchorage", "Pacific/Honolulu", "America/Sao_Paulo", "Europe/London",
    "Europe/Paris", "Europe/Berlin", "Africa/Lagos", "Africa/Johannesburg", "Asia/Kolkata",
    "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney", "UTC",
]  # fmt: skip


@desk_login_required
@require_GET
def dashboard(request: HttpRequest):
    user = request.user
    stories = (
        Story.objects.visible_to(user)
        .annotate(
            published_count=Count(
                "updates", filter=~Q(updates__state=Update.State.DRAFT), distinct=True
            ),
            draft_count=Count(
                "updates", filter=Q(updates__state=Update.State.DRAFT), distinct=True
            ),
            open_suggestions=Count(
                "suggestions", filter=Q(suggestions__resolved_at__isnull=True), distinct=True
            ),
        )
        .order_by("-last_updated_at")
    )
    form = NewStoryForm(auto_id="id_new_%s") if user_is_editor(user) else None
    return _dashboard(request, stories, form)


def _dashboard(request, stories, form, status=200):
    stories = list(stories)
    readers = ReaderCount.objects.reading_now([story.pk for story in stories])
    by_state = {state: [] for state in Story.State.values}
    for story in stories:
        story.readers_now = readers.get(story.pk, ReadersNow())
        by_state[story.state].append(story)
    context = {
        "live": by_state[Story.State.LIVE],
        "drafts": by_state[Story.State.DRAFT],
        "ended": by_state[Story.State.ENDED],
        "form": form,
        "is_editor": user_is_editor(request.user),
        "common_timezones": COMMON_TIMEZONES,
    }
    return render(request, "newsroom/dashboard.html", context, status=status)


@desk_login_required
@require_POST
def create_story(request: HttpRequest):
    if not user_is_editor(request.user):
        raise PermissionDenied("Only editors create stories.")
    form = NewStoryForm(request.POST, auto_id="id_new_%s")
    if form.is_valid():
        story = form.save(by=request.user)
        if form.cleaned_data["go_live"]:
            story.go_live(by=request.user)
        messages.success(request, f"“{story.headline}” is ready. Write the first update below.")
        if request.htmx:
            return HttpResponseClientRedirect(desk_url(story))
        return redirect(desk_url(story))
    if request.htmx:
        context = {"form": form, "common_timezones": COMMON_TIMEZONES}
        return render(request, "newsroom/dashboard.html#story-form", context, status=400)
    return _dashboard(request, Story.objects.visible_to(request.user), form, status=400)


@desk_login_required
@require_GET
def story(request: HttpRequest, slug: str):
    story = story_for_desk(request, slug)
    return render_desk(request, desk_context(request, story))


@desk_login_required
@require_GET
def timeline(request: HttpRequest, slug: str):
    """The timeline region alone: a colleague changed something and the desk catches up."""
    story = story_for_desk(request, slug)
    if not request.htmx:
        return redirect(desk_url(story))
    return render_region(request, "timeline", timeline_context(request, story))


@desk_login_required
@require_GET
def changes(request: HttpRequest, slug: str):
    """Polled by the open desk: says so when the story moved on since the page last drew it,
    and brings "N reading now" up to date."""
    story = story_for_desk(request, slug)
    try:
        since = int(request.GET.get("since", ""))
    except ValueError:
        since = story.sequence
    context = {"since": since, "pending": max(story.sequence - since, 0)}
    return render_region(request, "changes-poll", readers_context(story, **context))
