"""Desk actions on updates: compose, edit in place, retract, pin, publish a draft."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from incidents.forms import ComposeForm, EditUpdateForm, RetractForm
from incidents.models import StaleRevision, Update, user_is_editor
from incidents.views.desk import (
    DESK_PAGE,
    EDITORS_ONLY,
    _add_model_errors,
    _annotate,
    _desk_url,
    _story_for_desk,
    _update_for_desk,
    desk_context,
    desk_login_required,
    render_region,
)
from incidents.views.desk_history import source_diff

EDIT_PAGE = "newsroom/update_edit.html"
RETRACT_PAGE = "newsroom/update_retract.html"


def _row(request: HttpRequest, story, update, status=200, **extra):
    """One update on the desk, as the timeline shows it, and the desk's change counter moved on
    so that this user's own change is not announced as news."""
    story.refresh_from_db()
    update.story = story
    context = {
        "story": story,
        "update": update,
        "oob_changes": True,
        **_roles(request, story),
        **extra,
    }
    return render(request, f"{DESK_PAGE}#update-row", context, status=status)


def _roles(request: HttpRequest, story) -> dict:
    return {
        "is_editor": user_is_editor(request.user),
        "can_publish": story.can_publish(request.user),
    }


def _back_to_desk(request: HttpRequest, story, notice: str, anchor: str = "", level="success"):
    getattr(messages, level)(request, notice)
    return redirect(_desk_url(story, anchor))


def _require_editor(request: HttpRequest) -> None:
    if not user_is_editor(request.user):
        raise PermissionDenied(EDITORS_ONLY)


# --- compose --------------------------------------------------------------------------------


@desk_login_required
@require_POST
def publish(request: HttpRequest, slug: str):
    return _compose(request, slug, publish=True)


@desk_login_required
@require_POST
def save_draft(request: HttpRequest, slug: str):
    return _compose(request, slug, publish=False)


def _compose(request: HttpRequest, slug: str, *, publish: bool):
    story = _story_for_desk(request, slug)
    user = request.user
    if publish and not story.can_publish(user):
        raise PermissionDenied(
            "An editor has not allowed you to publish on this story yet. Save it as a draft and "
            "an editor can publish it."
        )
    form = ComposeForm(request.POST, story=story, auto_id="id_compose_%s")
    if form.is_valid():
        data = form.cleaned_data
        write = story.publish_update if publish else story.save_draft
        try:
            update = write(
                data["body"],
                by=user,
                timestamp=data["timestamp"],
                status_label=data["status_label"],
                key_event=data["key_event"],
                pinned=data["pinned"] and user_is_editor(user),
                idempotency_key=data["idempotency_key"],
            )
        except ValidationError as error:
            _add_model_errors(form, error)
        else:
            if update.number:
                notice = f"UPDATE {update.number} is published."
            else:
                notice = "Draft saved. It waits below until someone publishes it."
            if not request.htmx:
                return _back_to_desk(request, story, notice, f"desk-update-{update.pk}")
            story.refresh_from_db()
            return render_region(
                request, story, "compose", compose_notice=notice, oob_timeline=True
            )
    if request.htmx:
        return render_region(request, story, "compose", status=400, compose_form=form)
    return render(request, DESK_PAGE, desk_context(request, story, compose_form=form), status=400)


# --- one update -----------------------------------------------------------------------------


@desk_login_required
@require_GET
def update_row(request: HttpRequest, slug: str, pk: int):
    """The update as the timeline shows it (what "Cancel" goes back to)."""
    story, update = _update_for_desk(request, slug, pk)
    if not request.htmx:
        return redirect(_desk_url(story, f"desk-update-{update.pk}"))
    return _row(request, story, update)


def _edit_form(update, data=None) -> EditUpdateForm:
    return EditUpdateForm(data, update=update, auto_id=f"id_u{update.pk}_%s")


def _render_edit(request, story, update, form, status=200, **extra):
    template = f"{EDIT_PAGE}#edit-form" if request.htmx else EDIT_PAGE
    context = {
        "story": story,
        "update": update,
        "form": form,
        "max_chars": settings.UPDATE_MAX_CHARS,
        **_roles(request, story),
        **extra,
    }
    return render(request, template, context, status=status)


@desk_login_required
@require_http_methods(["GET", "POST"])
def edit_update(request: HttpRequest, slug: str, pk: int):
    story, update = _update_for_desk(request, slug, pk)
    if not update.desk_can_edit:
        if update.author_id == request.user.pk and not update.is_draft:
            raise PermissionDenied("This update has been published; only editors can change it.")
        raise PermissionDenied("Reporters can change only their own drafts.")
    if update.is_retracted:
        notice = "This update was retracted, so it can no longer be edited."
        if request.htmx:
            return _row(request, story, update, status=409, row_notice=notice)
        return _back_to_desk(request, story, notice, update.anchor, level="warning")
    if request.method == "GET":
        return _render_edit(request, story, update, _edit_form(update))

    form = _edit_form(update, request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            update.edit(
                data["body"],
                by=request.user,
                expected_revision=data["revision"],
                is_correction=data.get("is_correction", False),
                correction_note=data.get("correction_note", ""),
                **form.changed_fields(),
            )
        except StaleRevision as stale:
            return _conflict(request, story, stale.update, form)
        except ValidationError as error:
            _add_model_errors(form, error)
            update.refresh_from_db()
            status = 409 if update.is_retracted else 400
        else:
            update.story = story
            _annotate(update, request.user)
            label = f"UPDATE {update.number}" if update.number else "The draft"
            notice = f"{label} is saved as revision {update.revision}."
            if request.htmx:
                return _row(request, story, update, row_notice=notice)
            return _back_to_desk(request, story, notice, f"desk-update-{update.pk}")
    return _render_edit(request, story, update, form, status=status)


def _conflict(request, story, current: Update, yours: EditUpdateForm):
    """Someone saved first. Keep their version, show both, and let this editor merge: the new
    form carries their revision, so saving the merged text goes through."""
    current.story = story
    _annotate(current, request.user)
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


@desk_login_required
@require_http_methods(["GET", "POST"])
def retract(request: HttpRequest, slug: str, pk: int):
    story, update = _update_for_desk(request, slug, pk)
    _require_editor(request)
    template = f"{RETRACT_PAGE}#retract-form" if request.htmx else RETRACT_PAGE
    form = RetractForm(request.POST or None, auto_id=f"id_r{update.pk}_%s")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                update.retract(form.cleaned_data["reason"], by=request.user)
            except ValidationError as error:
                _add_model_errors(form, error)
                status = 409
            else:
                update.story = story
                notice = f"UPDATE {update.number} is retracted; readers see your reason."
                if request.htmx:
                    return _row(request, story, update, row_notice=notice)
                return _back_to_desk(request, story, notice, f"desk-update-{update.pk}")
    context = {"story": story, "update": update, "form": form}
    response = render(request, template, context, status=status)
    if request.htmx and status >= 400:
        # The form asked for the whole row back; an error only redraws the form itself.
        response = reswap(retarget(response, f"#retract-form-{update.pk}"), "outerHTML")
    return response


@desk_login_required
@require_POST
def pin(request: HttpRequest, slug: str, pk: int):
    story, update = _update_for_desk(request, slug, pk)
    _require_editor(request)
    pinned = request.POST.get("pinned") == "1"
    try:
        update.set_pinned(pinned, by=request.user)
    except ValidationError as error:
        return _timeline_answer(request, story, " ".join(error.messages), status=409)
    label = f"UPDATE {update.number}" if update.number else "The draft"
    notice = f"{label} is pinned to the top." if pinned else f"{label} is no longer pinned."
    return _timeline_answer(request, story, notice)


@desk_login_required
@require_POST
def publish_draft(request: HttpRequest, slug: str, pk: int):
    story, update = _update_for_desk(request, slug, pk)
    if not story.can_publish(request.user):
        raise PermissionDenied("An editor has not allowed you to publish on this story yet.")
    was_draft = update.is_draft
    try:
        update.publish(by=request.user)
    except ValidationError as error:
        return _timeline_answer(request, story, " ".join(error.messages), status=409)
    if was_draft:
        notice = f"The draft is published as UPDATE {update.number}."
    else:
        notice = f"Someone had already published this draft as UPDATE {update.number}."
    return _timeline_answer(request, story, notice)


@desk_login_required
@require_POST
def discard_draft(request: HttpRequest, slug: str, pk: int):
    story, update = _update_for_desk(request, slug, pk)
    if not update.can_edit(request.user):
        raise PermissionDenied("Only an editor or the draft's author can discard it.")
    try:
        update.discard(by=request.user)
    except ValidationError as error:
        return _timeline_answer(request, story, " ".join(error.messages), status=409)
    return _timeline_answer(request, story, "The draft is discarded.")


def _timeline_answer(request, story, notice: str, status=200):
    if request.htmx:
        story.refresh_from_db()
        level = "success" if status == 200 else "warning"
        return render_region(
            request, story, "timeline", status=status, timeline_notice=notice, timeline_level=level
        )
    return _back_to_desk(request, story, notice, level="success" if status == 200 else "error")
