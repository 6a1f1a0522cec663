"""Desk actions on one update: edit in place (with conflicts), retract, pin, publish a draft,
discard a draft. An htmx answer is the update's row or the timeline; a plain post goes back to
the desk with a notice. Who may do each is the model method's rule: it raises PermissionDenied,
which the desk shows as its 403 page with the model's sentence."""

from functools import wraps

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from incidents.diffing import source_diff
from incidents.forms import EditUpdateForm, RetractForm
from incidents.models import StaleRevision, Story, Update
from incidents.views.desk_access import (
    add_model_errors,
    back_to_desk,
    desk_login_required,
    desk_url,
    story_for_desk,
    update_for_desk,
)
from incidents.views.desk_pictures import posted_pictures, shown_pictures
from incidents.views.desk_regions import render_region, roles, row_context, timeline_context

EDIT_PAGE = "newsroom/update_edit.html"
RETRACT_PAGE = "newsroom/update_retract.html"


def _caught_up(story: Story) -> Story:
    """The model method changed the story's row through its own copy: read the counters back
    (one small query) so the answer's change counter does not announce this user's change."""
    story.refresh_from_db(fields=["sequence", "last_number", "last_updated_at"])
    return story


def _row(request: HttpRequest, story: Story, update: Update, status=200, **extra):
    context = row_context(request, _caught_up(story), update, **extra)
    return render_region(request, "update-row", context, status)


def _timeline_answer(request: HttpRequest, story: Story, notice: str, status=200):
    if request.htmx:
        level = "success" if status == 200 else "warning"
        context = timeline_context(
            request, _caught_up(story), timeline_notice=notice, timeline_level=level
        )
        return render_region(request, "timeline", context, status)
    return back_to_desk(request, story, notice, level="success" if status == 200 else "error")


@desk_login_required
@require_GET
def update_row(request: HttpRequest, slug: str, pk: int):
    """The update as the timeline shows it (what "Cancel" goes back to)."""
    story, update = update_for_desk(request, slug, pk)
    if not request.htmx:
        return redirect(desk_url(story, f"desk-update-{update.pk}"))
    return _row(request, story, update)


# --- edit -----------------------------------------------------------------------------------


def _edit_form(update: Update, data=None) -> EditUpdateForm:
    return EditUpdateForm(data, update=update, auto_id=f"id_u{update.pk}_%s")


def _render_edit(request, story, update, form, status=200, **extra):
    template = f"{EDIT_PAGE}#edit-form" if request.htmx else EDIT_PAGE
    if request.method == "POST":
        pictures = shown_pictures(story, posted_pictures(request.POST), request.user)
    else:
        pictures = list(update.pictures.usable().order_by("position"))
    context = {
        "story": story,
        "update": update,
        "form": form,
        "edit_pictures": pictures,
        "max_chars": settings.UPDATE_MAX_CHARS,
        **roles(request, story),
        **extra,
    }
    return render(request, template, context, status=status)


@desk_login_required
@require_http_methods(["GET", "POST"])
def edit_update(request: HttpRequest, slug: str, pk: int):
    story, update = update_for_desk(request, slug, pk)
    update.require_editable(request.user)  # before the form: 403, not their input judged
    if update.is_retracted:
        notice = "This update was retracted, so it can no longer be edited."
        if request.htmx:
            return _row(request, story, update, status=409, row_notice=notice)
        return back_to_desk(request, story, notice, update.anchor, level="warning")
    if request.method == "GET":
        return _render_edit(request, story, update, _edit_form(update))
    form = _edit_form(update, request.POST)
    if not form.is_valid():
        return _render_edit(request, story, update, form, status=400)
    return _save_edit(request, story, update, form)


def _save_edit(request: HttpRequest, story: Story, update: Update, form: EditUpdateForm):
    data = form.cleaned_data
    try:
        update.edit(
            data["body"],
            by=request.user,
            expected_revision=data["revision"],
            is_correction=data.get("is_correction", False),
            correction_note=data.get("correction_note", ""),
            pictures=posted_pictures(request.POST) if "pictures_sent" in request.POST else None,
            **form.changed_fields(),
        )
    except StaleRevision as stale:
        return _conflict(request, story, stale.update, form)
    except ValidationError as error:
        add_model_errors(form, error)
        update.refresh_from_db()
        status = 409 if update.is_retracted else 400
        return _render_edit(request, story, update, form, status=status)
    label = f"UPDATE {update.number}" if update.number else "The draft"
    notice = f"{label} is saved as revision {update.revision}."
    if request.htmx:
        return _row(request, story, update, row_notice=notice)
    return back_to_desk(request, story, notice, f"desk-update-{update.pk}")


def _conflict(request, story, current: Update, yours: EditUpdateForm):
    """Someone saved first. Keep their version, show both, and let this editor merge: the new
    form carries their revision, so saving the merged text goes through."""
    current.story = story
    data = request.POST.copy()
    data["revision"] = str(current.revision)
    form = _edit_form(current, data)
    their_edit = current.revisions.select_related("edited_by").order_by("-revision").first()
    your_body = yours.cleaned_data["body"]
    context = {
        "conflict": True,
        "their_edit": their_edit,
        "your_body": your_body,
        "diff": source_diff(current.body, your_body),
    }
    return _render_edit(request, story, current, form, status=409, **context)


# --- retract, pin, publish or discard a draft -------------------------------------------------


@desk_login_required
@require_http_methods(["GET", "POST"])
def retract(request: HttpRequest, slug: str, pk: int):
    story, update = update_for_desk(request, slug, pk)
    story.require_editor(request.user)  # before the form: 403, not their input judged
    form = RetractForm(request.POST or None, auto_id=f"id_r{update.pk}_%s")
    if request.method == "GET":
        return _render_retract(request, story, update, form, 200)
    if not form.is_valid():
        return _render_retract(request, story, update, form, 400)
    try:
        update.retract(form.cleaned_data["reason"], by=request.user)
    except ValidationError as error:
        add_model_errors(form, error)
        return _render_retract(request, story, update, form, 409)
    notice = f"UPDATE {update.number} is retracted; readers see your reason."
    if request.htmx:
        return _row(request, story, update, row_notice=notice)
    return back_to_desk(request, story, notice, f"desk-update-{update.pk}")


def _render_retract(request, story, update, form, status):
    template = f"{RETRACT_PAGE}#retract-form" if request.htmx else RETRACT_PAGE
    response = render(
        request, template, {"story": story, "update": update, "form": form}, status=status
    )
    if request.htmx and status >= 400:
        # The form asked for the whole row back; an error only redraws the form itself.
        response = reswap(retarget(response, f"#retract-form-{update.pk}"), "outerHTML")
    return response


def _conflicts_on_the_timeline(view):
    """The model refused the action as things stand (the update was retracted meanwhile, the
    story ended, the draft is gone): answer with the timeline as it is now and the model's
    sentence, status 409."""

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, pk: int):
        try:
            return view(request, slug, pk)
        except ValidationError as error:
            story = story_for_desk(request, slug)
            return _timeline_answer(request, story, " ".join(error.messages), status=409)

    return wrapper


@desk_login_required
@require_POST
@_conflicts_on_the_timeline
def pin(request: HttpRequest, slug: str, pk: int):
    story, update = update_for_desk(request, slug, pk)
    pinned = request.POST.get("pinned") == "1"
    update.set_pinned(pinned, by=request.user)
    label = f"UPDATE {update.number}" if update.number else "The draft"
    notice = f"{label} is pinned to the top." if pinned else f"{label} is no longer pinned."
    return _timeline_answer(request, story, notice)


@desk_login_required
@require_POST
@_conflicts_on_the_timeline
def publish_draft(request: HttpRequest, slug: str, pk: int):
    story, update = update_for_desk(request, slug, pk)
    was_draft = update.is_draft
    update.publish(by=request.user)
    if was_draft:
        notice = f"The draft is published as UPDATE {update.number}."
    else:
        notice = f"Someone had already published this draft as UPDATE {update.number}."
    return _timeline_answer(request, story, notice)


@desk_login_required
@require_POST
@_conflicts_on_the_timeline
def discard_draft(request: HttpRequest, slug: str, pk: int):
    story, update = update_for_desk(request, slug, pk)
    update.discard(by=request.user)
    return _timeline_answer(request, story, "The draft is discarded.")
