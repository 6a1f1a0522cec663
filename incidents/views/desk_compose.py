"""The desk's compose box: publish an update, save a draft, and the live preview."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.timezone import now
from django.views.decorators.http import require_POST

from incidents.forms import ComposeForm, UpdateForm
from incidents.models import Story, Update
from incidents.models.validators import check_update_fields
from incidents.rendering import render_markdown
from incidents.social_cards import FetchFailed, fetch_details
from incidents.views.desk_access import (
    back_to_desk,
    desk_login_required,
    model_call,
    story_for_desk,
)
from incidents.views.desk_pictures import posted_pictures, shown_pictures
from incidents.views.desk_regions import (
    compose_context,
    desk_context,
    render_desk,
    render_region,
    timeline_context,
)


@desk_login_required
@require_POST
def publish(request: HttpRequest, slug: str):
    return _compose(request, slug, publish=True)


@desk_login_required
@require_POST
def save_draft(request: HttpRequest, slug: str):
    return _compose(request, slug, publish=False)


def _compose(request: HttpRequest, slug: str, *, publish: bool):
    story = story_for_desk(request, slug)
    form = ComposeForm(request.POST, story=story, auto_id="id_compose_%s")
    update = _write(request, story, form, publish) if form.is_valid() else None
    if update is None:
        pictures = shown_pictures(story, posted_pictures(request.POST), request.user)
        if request.htmx:
            context = compose_context(request, story, form, compose_pictures=pictures)
            return render_region(request, "compose", context, 400)
        context = desk_context(request, story, compose_form=form, compose_pictures=pictures)
        return render_desk(request, context, 400)
    if update.number:
        notice = f"UPDATE {update.number} is published."
    else:
        notice = "Draft saved. It waits below until someone publishes it."
    if not request.htmx:
        return back_to_desk(request, story, notice, f"desk-update-{update.pk}")
    # A fresh compose box, and the timeline (out of band) with the new update in it.
    context = compose_context(request, story, compose_notice=notice, oob_timeline=True)
    return render_region(request, "compose", {**context, **timeline_context(request, story)})


def _write(request: HttpRequest, story: Story, form: ComposeForm, publish: bool) -> Update | None:
    """Publish or keep the update; None, with the model's objections on the form, if it refuses
    the input. The model refuses a person (who may not publish, or pin) with PermissionDenied:
    the desk's 403 page, with the model's sentence. It also refreshes `story`, so the answer
    shows the story as it is now."""
    data = form.cleaned_data
    write = story.publish_update if publish else story.save_draft
    options = ("timestamp", "status_label", "key_event", "pinned", "idempotency_key")
    fields = {name: data[name] for name in options}
    fields["pictures"] = posted_pictures(request.POST)
    return model_call(form, write, data["body"], by=request.user, **fields)


@desk_login_required
@require_POST
def preview(request: HttpRequest, slug: str):
    """The compose box's live preview, through the same pipeline and partial as publication."""
    story = story_for_desk(request, slug)
    body = request.POST.get("body", "")
    context = {"story": story, "too_long": None, "max_chars": settings.UPDATE_MAX_CHARS}
    if len(body) > settings.UPDATE_MAX_CHARS:
        context["too_long"] = len(body)
    elif body.strip():
        try:
            context["preview"] = _preview_update(request, story, body)
        except ValidationError as error:
            context["preview_errors"] = error.messages  # what Publish would say
    return render_region(request, "preview", context)


def _preview_update(request: HttpRequest, story: Story, body: str) -> Update:
    """An unsaved update as it would look: the edited update's number and time, or the next.
    A time or status the model would refuse raises its ValidationError."""
    form = UpdateForm(request.POST, story=story)
    if not form.is_valid():  # the body was judged by the caller; a time or status is said here
        wrong = [
            message for name, found in form.errors.items() if name != "body" for message in found
        ]
        if wrong:
            raise ValidationError(wrong)
    data = form.cleaned_data
    check_update_fields(timestamp=data.get("timestamp"), status_label=data.get("status_label"))
    pk = request.POST.get("update", "")
    existing = story.updates.filter(pk=int(pk)).first() if pk.isdigit() else None
    pictures = shown_pictures(story, posted_pictures(request.POST), request.user)
    return Update(
        story=story,
        picture_data=[picture.figure() for picture in pictures if picture.alt.strip()],
        number=(existing and existing.number) or story.last_number + 1,
        body=body,
        body_html=render_markdown(body),
        timestamp=data.get("timestamp") or (existing.timestamp if existing else now()),
        status_label=data.get("status_label", ""),
        key_event=data.get("key_event", False),
        pinned=data.get("pinned", False),
    )


CARD_FIELDS = ("url", "author", "handle", "posted", "text")
POST_CARD_FIELDS = "newsroom/_post_card_form.html#post-card-fields"


@desk_login_required
@require_POST
def post_card_details(request: HttpRequest, slug: str):
    """ "Fill in from the link": the card's fields as the post's network tells them (oEmbed), or
    the fields as they were with why they could not be filled in."""
    story = story_for_desk(request, slug)
    card = {name: request.POST.get(f"card_{name}", "") for name in CARD_FIELDS}
    context = {"story": story, "card": card}
    try:
        details = fetch_details(card["url"].strip())
    except FetchFailed as error:
        return render(request, POST_CARD_FIELDS, {**context, "card_error": str(error)}, status=400)
    return render(request, POST_CARD_FIELDS, {**context, "card": details, "card_filled": True})
