"""The newsroom desk: the dashboard, the story desk page and the access rules every desk view uses.

Actions on updates live in desk_updates.py, actions on the story itself in desk_story.py, the
readers' correction queue in corrections.py. Each view checks access with one helper below, calls
one model method, and answers an htmx request with the partial it swaps, a plain post with a
redirect back to the desk.
"""

import uuid
from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.timezone import now
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from incidents.forms import (
    ComposeForm,
    ContributorForm,
    NewStoryForm,
    StoryDetailsForm,
    UpdateForm,
)
from incidents.models import Story, Update, user_is_editor
from incidents.rendering import render_markdown

DESK_PAGE = "newsroom/story.html"
NOT_ON_STORY = "You are not on this story’s desk. Ask an editor to add you as a contributor."
EDITORS_ONLY = "Only editors can do that."
COMMON_TIMEZONES = [
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Anchorage", "Pacific/Honolulu", "America/Sao_Paulo", "Europe/London",
    "Europe/Paris", "Europe/Berlin", "Africa/Lagos", "Africa/Johannesburg", "Asia/Kolkata",
    "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney", "UTC",
]  # fmt: skip


# --- access -------------------------------------------------------------------------------


def desk_login_required(view):
    """login_required that also sends an htmx request (say, after the session expired) to the
    login page as a whole page, instead of swapping the login form into a fragment."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.htmx:
            back = request.htmx.current_url_abs_path or request.get_full_path()
            login = resolve_url(settings.LOGIN_URL)
            return HttpResponseClientRedirect(f"{login}?next={quote(back)}")
        return redirect_to_login(request.get_full_path())

    return wrapper


def _story_for_desk(request: HttpRequest, slug: str) -> Story:
    """The story, if the signed-in user works on it; 403 for anyone else, 404 if none."""
    story = get_object_or_404(Story, slug=slug)
    if not story.can_contribute(request.user):
        raise PermissionDenied(NOT_ON_STORY)
    return story


def _story_for_editor(request: HttpRequest, slug: str) -> Story:
    story = _story_for_desk(request, slug)
    if not user_is_editor(request.user):
        raise PermissionDenied(EDITORS_ONLY)
    return story


def _update_for_desk(request: HttpRequest, slug: str, pk: int) -> tuple[Story, Update]:
    story = _story_for_desk(request, slug)
    update = get_object_or_404(story.updates.select_related("author"), pk=pk)
    update.story = story
    _annotate(update, request.user)
    return story, update


def _annotate(update: Update, user) -> Update:
    update.desk_can_edit = update.can_edit(user)
    return update


def _add_model_errors(form, error: ValidationError) -> None:
    """Show a model method's ValidationError on the form: on its field where the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _desk_url(story: Story, anchor: str = "") -> str:
    url = reverse("desk:story", kwargs={"slug": story.slug})
    return f"{url}#{anchor}" if anchor else url


def new_compose_form(story: Story) -> ComposeForm:
    return ComposeForm(
        story=story, auto_id="id_compose_%s", initial={"idempotency_key": uuid.uuid4().hex}
    )


# --- the desk page and its regions -----------------------------------------------------------


def timeline_context(request: HttpRequest, story: Story) -> dict:
    updates = story.updates.select_related("author")
    drafts = [_annotate(u, request.user) for u in updates.drafts().order_by("-created_at")]
    published = [_annotate(u, request.user) for u in updates.for_readers(newest_first=True)]
    for update in (*drafts, *published):
        update.story = story
    return {"drafts": drafts, "updates": published}


def side_context(request: HttpRequest, story: Story) -> dict:
    if not user_is_editor(request.user):
        return {}
    return {
        "contributors": story.contributors.select_related("user").order_by("user__username"),
        "contributor_form": ContributorForm(story=story, auto_id="id_contributor_%s"),
        "suggestions": story.suggestions.unresolved().order_by("created_at"),
        "resolved_suggestions": story.suggestions.resolved().order_by("-resolved_at")[:5],
    }


def desk_context(request: HttpRequest, story: Story, **extra) -> dict:
    user = request.user
    context = {
        "story": story,
        "is_editor": user_is_editor(user),
        "can_publish": story.can_publish(user),
        "compose_form": new_compose_form(story),
        "details_form": StoryDetailsForm(story=story, auto_id="id_story_%s"),
        "max_chars": settings.UPDATE_MAX_CHARS,
        "since": story.sequence,
        **timeline_context(request, story),
        **side_context(request, story),
    }
    context.update(extra)
    return context


def render_region(request: HttpRequest, story: Story, region: str, status=200, **extra):
    """Render one region of the desk page (for htmx), with everything the page would have."""
    context = desk_context(request, story, **extra)
    return render(request, f"{DESK_PAGE}#{region}", context, status=status)


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
    by_state = {state: [] for state in Story.State.values}
    for story in stories:
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
            return HttpResponseClientRedirect(_desk_url(story))
        return redirect(_desk_url(story))
    if request.htmx:
        context = {"form": form, "common_timezones": COMMON_TIMEZONES}
        return render(request, "newsroom/dashboard.html#story-form", context, status=400)
    return _dashboard(request, Story.objects.visible_to(request.user), form, status=400)


@desk_login_required
@require_GET
def story(request: HttpRequest, slug: str):
    story = _story_for_desk(request, slug)
    return render(request, DESK_PAGE, desk_context(request, story))


@desk_login_required
@require_GET
def timeline(request: HttpRequest, slug: str):
    """The timeline region alone: a colleague changed something and the desk catches up."""
    story = _story_for_desk(request, slug)
    if not request.htmx:
        return redirect(_desk_url(story))
    return render_region(request, story, "timeline")


@desk_login_required
@require_GET
def changes(request: HttpRequest, slug: str):
    """Polled by the open desk: says so when the story moved on since the page last drew it."""
    story = _story_for_desk(request, slug)
    try:
        since = int(request.GET.get("since", ""))
    except ValueError:
        since = story.sequence
    context = {"story": story, "since": since, "pending": max(story.sequence - since, 0)}
    return render(request, f"{DESK_PAGE}#changes", context)


@desk_login_required
@require_POST
def preview(request: HttpRequest, slug: str):
    """The compose box's live preview, through the same pipeline and partial as publication."""
    story = _story_for_desk(request, slug)
    form = UpdateForm(request.POST, story=story)
    form.is_valid()  # only for the cleaned time and status; the body is judged below
    data = form.cleaned_data
    body = request.POST.get("body", "")
    context = {"story": story, "too_long": None, "max_chars": settings.UPDATE_MAX_CHARS}
    if len(body) > settings.UPDATE_MAX_CHARS:
        context["too_long"] = len(body)
    elif body.strip():
        pk = request.POST.get("update", "")
        existing = story.updates.filter(pk=int(pk)).first() if pk.isdigit() else None
        context["preview"] = Update(
            story=story,
            number=(existing and existing.number) or story.last_number + 1,
            body=body,
            body_html=render_markdown(body),
            timestamp=data.get("timestamp") or (existing.timestamp if existing else now()),
            status_label=data.get("status_label", ""),
            key_event=data.get("key_event", False),
            pinned=data.get("pinned", False),
        )
    return render(request, f"{DESK_PAGE}#preview", context)
