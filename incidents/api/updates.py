"""JSON API v1: a story's numbered updates, published, edited and retracted.

Each view validates with the desk's form for the same action (ComposeForm, EditUpdateForm,
RetractForm) and calls the model method the desk calls (publish_update, save_draft, edit,
set_pinned, retract), so API writes land in the change log and reach live readers the same way.
"""

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from incidents.api.access import require_editor, story_for_token, update_of
from incidents.api.endpoint import ApiError, api_view, forbidden
from incidents.api.payload import Payload, validated
from incidents.api.representation import update_json
from incidents.forms import ComposeForm, EditUpdateForm, RetractForm
from incidents.models import IdempotencyConflict, StaleRevision, Story, Update
from incidents.models.picture import PictureUnavailable

UPDATE_FIELDS = {
    "body": "text", "timestamp": "filled", "status_label": "text", "key_event": "boolean",
    "pinned": "boolean", "pictures": "pictures",
}  # fmt: skip
CREATE_FIELDS = {**UPDATE_FIELDS, "draft": "boolean"}
EDIT_FIELDS = {**UPDATE_FIELDS, "revision": "integer", "correction_note": "text"}
DEFAULT_RETRACTION_REASON = "Withdrawn by the newsroom."


@api_view("POST")
def story_updates(request: HttpRequest, slug: str):
    story = story_for_token(request, slug)
    payload = Payload(request.payload, CREATE_FIELDS, required=["body"])
    data = dict(payload.values)
    draft = data.pop("draft", False)
    _check_may_write(request, story, draft=draft, pinned=data.get("pinned", False))
    data["idempotency_key"] = request.headers.get("Idempotency-Key", "")
    (values,) = validated(ComposeForm(data, story=story), payload=payload)
    values["pictures"] = data.get("pictures", [])
    update = _write(request, story, values, draft=draft)
    response = JsonResponse(update_json(request, update, story), status=201)
    if update.number:
        response["Location"] = request.build_absolute_uri(
            reverse("api:update", kwargs={"slug": story.slug, "number": update.number})
        )
    return response


def _write(request: HttpRequest, story: Story, values: dict, *, draft: bool) -> Update:
    write = story.save_draft if draft else story.publish_update
    try:
        return write(
            values["body"],
            by=request.user,
            timestamp=values["timestamp"],
            status_label=values["status_label"],
            key_event=values["key_event"],
            pinned=values["pinned"],
            idempotency_key=values["idempotency_key"],
            pictures=values["pictures"],
        )
    except IdempotencyConflict as conflict:
        raise ApiError(409, "idempotency_conflict", " ".join(conflict.messages)) from None
    except PictureUnavailable as unavailable:
        raise _unavailable(unavailable) from None


def _check_may_write(request: HttpRequest, story: Story, *, draft: bool, pinned: bool) -> None:
    if not draft and not story.can_publish(request.user):
        raise forbidden(
            'This token\'s user may not publish on this story; send "draft": true to save a draft.'
        )
    if pinned:
        require_editor(request, "pin an update")
    if not draft and story.state == Story.State.ENDED:
        raise ApiError(
            409, "story_ended", "Coverage of this story has ended; reopen it to publish."
        )


@api_view("PATCH", "DELETE")
def story_update(request: HttpRequest, slug: str, number: int):
    story = story_for_token(request, slug)
    update = update_of(story, number)
    if request.method == "DELETE":
        return retract(request, update)
    if not update.can_edit(request.user):
        raise forbidden("Only editors may change a published update.")
    payload = Payload(request.payload, EDIT_FIELDS, required=["revision"])
    data = dict(payload.values)
    pinned = data.pop("pinned", None)
    pictures = data.pop("pictures", None)
    form = _edit_form(update, data, payload)
    if update.is_retracted:
        raise ApiError(409, "retracted", f"UPDATE {number} was retracted; it cannot change.")
    try:
        with transaction.atomic():
            _edit(request, update, form, pictures)
            if pinned is not None:
                update.set_pinned(pinned, by=request.user)
    except StaleRevision as stale:
        raise _stale(number, data["revision"], stale.update.revision) from None
    except PictureUnavailable as unavailable:
        raise _unavailable(unavailable) from None
    update.refresh_from_db()
    return JsonResponse(update_json(request, update, story))


def _edit_form(update: Update, data: dict, payload: Payload) -> EditUpdateForm:
    """The desk's edit form, filled in as the desk would send it: what the body leaves out
    stays as it is, and a correction note makes the edit a correction."""
    note = data.get("correction_note", "")
    if update.is_draft and note.strip():
        payload.fail("correction_note", "A draft had no readers to correct; leave this out.")
    form_data = {
        "body": update.body,
        "status_label": update.status_label,
        "key_event": update.key_event,
        "is_correction": bool(note.strip()),
        **data,
    }
    form = EditUpdateForm(form_data, update=update)
    validated(form, payload=payload)
    return form


def _edit(request: HttpRequest, update: Update, form: EditUpdateForm, pictures=None) -> None:
    data = form.cleaned_data
    update.edit(
        data["body"],
        by=request.user,
        expected_revision=data["revision"],
        correction_note=data.get("correction_note", ""),
        is_correction=data.get("is_correction", False),
        pictures=pictures,
        **form.changed_fields(),
    )


def _unavailable(error: PictureUnavailable) -> ApiError:
    message = " ".join(error.message_dict["pictures"])
    return ApiError(409, "picture_unavailable", message, fields={"pictures": message})


def _stale(number: int, revision: int, current: int) -> ApiError:
    return ApiError(
        409,
        "stale_revision",
        f"UPDATE {number} changed since revision {revision}; it is at revision {current}. "
        "Reload it and apply your change again.",
        fields={"revision": f"The current revision is {current}."},
    )


def retract(request: HttpRequest, update: Update):
    if not update.can_edit(request.user):
        raise forbidden("Only editors may retract a published update.")
    payload = Payload(request.payload, {"reason": "text"})
    reason = payload.values.get("reason")
    if reason is None or not reason.strip():
        reason = DEFAULT_RETRACTION_REASON
    (values,) = validated(RetractForm({"reason": reason}), payload=payload)
    if not update.is_published:
        raise ApiError(409, "retracted", f"UPDATE {update.number} was already retracted.")
    update.retract(values["reason"], by=request.user)
    return JsonResponse(update_json(request, update, update.story))
