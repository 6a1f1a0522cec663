"""JSON API v1: a story's numbered updates, published, edited and retracted.

Each view calls the model method the desk calls (publish_update, save_draft, edit, set_pinned,
retract), so API writes land in the change log and reach live readers the same way.
"""

import re

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from incidents.api.endpoint import ApiError, api_view
from incidents.api.payload import Payload
from incidents.api.representation import update_json
from incidents.models import StaleRevision, Story, Update, user_is_editor
from incidents.views.api import forbidden, story_for_token

UPDATE_CREATE_FIELDS = {"body", "timestamp", "status_label", "key_event", "pinned", "draft"}
UPDATE_EDIT_FIELDS = {
    "revision", "body", "timestamp", "status_label", "key_event", "pinned", "correction_note",
}  # fmt: skip
DEFAULT_RETRACTION_REASON = "Withdrawn by the newsroom."
MAX_NUMBER = 2**31 - 1
IDEMPOTENCY_KEY = re.compile(r"[!-~]*")


def _update(story: Story, number: int) -> Update:
    update = None
    if number <= MAX_NUMBER:  # larger numbers do not fit the database's integer
        update = story.updates.select_related("author").filter(number=number).first()
    if update is None:
        raise ApiError(404, "not_found", f"“{story.slug}” has no UPDATE {number}.")
    update.story = story
    return update


@api_view("POST")
def story_updates(request: HttpRequest, slug: str):
    story = story_for_token(request, slug)
    payload = Payload(request.payload, UPDATE_CREATE_FIELDS)
    payload.require("body")
    body = payload.text("body")
    timestamp = payload.timestamp("timestamp", story.timezone)
    status_label = payload.choice("status_label", ["", *Update.Status.values])
    key_event = payload.boolean("key_event")
    pinned = payload.boolean("pinned")
    draft = payload.boolean("draft")
    idempotency_key = request.headers.get("Idempotency-Key", "")
    if len(idempotency_key) > 64 or not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        payload.errors["Idempotency-Key"] = (
            "The Idempotency-Key header is at most 64 printable ASCII characters, no spaces."
        )
    payload.check()
    if not draft and not story.can_publish(request.user):
        raise forbidden(
            'This token\'s user may not publish on this story; send "draft": true to save a draft.'
        )
    if pinned and not user_is_editor(request.user):
        raise forbidden("Only editors may pin an update.")
    if not draft and story.state == Story.State.ENDED:
        raise ApiError(
            409, "story_ended", "Coverage of this story has ended; reopen it to publish."
        )
    options = {
        "by": request.user,
        "timestamp": timestamp,
        "status_label": status_label or "",
        "key_event": bool(key_event),
        "idempotency_key": idempotency_key,
    }
    with transaction.atomic():
        if draft:
            update = story.save_draft(body, pinned=bool(pinned), **options)
        else:
            update = story.publish_update(body, **options)
            if pinned:
                update.set_pinned(True, by=request.user)
    update.refresh_from_db()
    response = JsonResponse(update_json(request, update, story), status=201)
    if update.number:
        response["Location"] = request.build_absolute_uri(
            reverse("api:update", kwargs={"slug": story.slug, "number": update.number})
        )
    return response


@api_view("PATCH", "DELETE")
def story_update(request: HttpRequest, slug: str, number: int):
    story = story_for_token(request, slug)
    update = _update(story, number)
    if request.method == "DELETE":
        return _retract(request, story, update)
    if not update.can_edit(request.user):
        raise forbidden("Only editors may change a published update.")
    payload = Payload(request.payload, UPDATE_EDIT_FIELDS)
    payload.require("revision")
    revision = payload.integer("revision", minimum=1)
    body = payload.text("body")
    fields = {
        "timestamp": payload.timestamp("timestamp", story.timezone),
        "status_label": payload.choice("status_label", ["", *Update.Status.values]),
        "key_event": payload.boolean("key_event"),
    }
    fields = {name: value for name, value in fields.items() if value is not None}
    pinned = payload.boolean("pinned")
    correction_note = (payload.text("correction_note", max_length=1000) or "").strip()
    payload.check()
    if update.is_retracted:
        raise ApiError(409, "retracted", f"UPDATE {number} was retracted; it cannot change.")
    try:
        with transaction.atomic():
            update.edit(
                update.body if body is None else body,
                by=request.user,
                expected_revision=revision,
                correction_note=correction_note,
                is_correction=bool(correction_note),
                **fields,
            )
            if pinned is not None:
                update.set_pinned(pinned, by=request.user)
    except StaleRevision as stale:
        current = stale.update.revision
        raise ApiError(
            409,
            "stale_revision",
            f"UPDATE {number} changed since revision {revision}; it is at revision {current}. "
            "Reload it and apply your change again.",
            fields={"revision": f"The current revision is {current}."},
        ) from None
    update.refresh_from_db()
    return JsonResponse(update_json(request, update, story))


def _retract(request: HttpRequest, story: Story, update: Update):
    if not update.can_edit(request.user):
        raise forbidden("Only editors may retract a published update.")
    payload = Payload(request.payload, {"reason"})
    reason = payload.text("reason", max_length=500)
    payload.check()
    if not update.is_published:
        raise ApiError(409, "retracted", f"UPDATE {update.number} was already retracted.")
    update.retract((reason or "").strip() or DEFAULT_RETRACTION_REASON, by=request.user)
    return JsonResponse(update_json(request, update, story))
