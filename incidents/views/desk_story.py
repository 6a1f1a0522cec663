"""Desk actions on the story itself: headline and suffix, state, contributors. Editors only."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from incidents.forms import ContributorForm, StoryDetailsForm
from incidents.models import Contributor, Story
from incidents.views.desk import (
    DESK_PAGE,
    _add_model_errors,
    _story_for_editor,
    desk_context,
    desk_login_required,
    render_region,
)
from incidents.views.desk_updates import _back_to_desk

STATE_NOTICES = {
    Story.State.LIVE: "The story is live: readers can follow it now.",
    Story.State.ENDED: "Live coverage has ended. Readers see that at the top of the story.",
    Story.State.DRAFT: "The story is back to draft: readers can no longer see it.",
}


def _answer(request, story, region: str, notice: str, status=200, **extra):
    """htmx gets the region back; a plain post goes back to the desk with the notice."""
    if request.htmx:
        if region == "story-header":
            extra["oob_changes"] = True  # this user's own change is not news to their desk
        return render_region(request, story, region, status=status, **extra)
    if status >= 400:
        context = desk_context(request, story, **extra)
        return render(request, DESK_PAGE, context, status=status)
    return _back_to_desk(request, story, notice)


@desk_login_required
@require_POST
def details(request: HttpRequest, slug: str):
    """Headline, headline suffix, standfirst, intro: only the fields the form sent change."""
    story = _story_for_editor(request, slug)
    form = StoryDetailsForm(request.POST, story=story, auto_id="id_story_%s")
    if form.is_valid() and form.cleaned_data:
        details = dict(form.cleaned_data)
        tags = details.pop("tags_text", None)
        bylines = details.pop("bylines_text", None)
        try:
            with transaction.atomic():
                story.change_details(by=request.user, **details)
                if tags is not None:
                    story.set_tags(tags, by=request.user)
                if bylines is not None:
                    story.set_bylines(bylines, by=request.user)
        except ValidationError as error:
            _add_model_errors(form, error)
        else:
            notice = "Story details saved."
            return _answer(request, story, "story-header", notice, header_notice=notice)
    elif not form.fields:
        form.add_error(None, "Nothing to change: send a headline, suffix, standfirst or intro.")
    if "headline" in form.fields or not form.fields:
        errors = {"details_form": form}
    else:
        # The suffix alone was sent: its errors go by its own box, the full form stays intact.
        errors = {
            "suffix_errors": [*form.errors.get("headline_suffix", []), *form.non_field_errors()],
            "suffix_value": request.POST.get("headline_suffix", ""),
        }
    return _answer(request, story, "story-header", "", status=400, **errors)


@desk_login_required
@require_POST
def state(request: HttpRequest, slug: str):
    story = _story_for_editor(request, slug)
    wanted = request.POST.get("state", "")
    try:
        story.set_state(wanted, by=request.user)
    except ValidationError as error:
        message = " ".join(error.messages)
        return _answer(request, story, "story-header", message, status=400, header_error=message)
    notice = STATE_NOTICES[wanted]
    return _answer(request, story, "story-header", notice, header_notice=notice)


@desk_login_required
@require_POST
def add_contributor(request: HttpRequest, slug: str):
    story = _story_for_editor(request, slug)
    form = ContributorForm(request.POST, story=story, auto_id="id_contributor_%s")
    if not form.is_valid():
        return _answer(request, story, "contributors", "", status=400, contributor_form=form)
    user = form.cleaned_data["user"]
    Contributor.objects.get_or_create(
        story=story, user=user, defaults={"can_publish": form.cleaned_data["can_publish"]}
    )
    notice = f"{user.get_full_name() or user.username} can now work on this story."
    return _answer(request, story, "contributors", notice, contributors_notice=notice)


@desk_login_required
@require_POST
def contributor_publishing(request: HttpRequest, slug: str, pk: int):
    story = _story_for_editor(request, slug)
    contributor = get_object_or_404(story.contributors.select_related("user"), pk=pk)
    contributor.can_publish = request.POST.get("can_publish") == "1"
    contributor.save(update_fields=["can_publish"])
    name = contributor.user.get_full_name() or contributor.user.username
    if contributor.can_publish:
        notice = f"{name} may now publish on this story."
    else:
        notice = f"{name} now writes drafts only."
    return _answer(request, story, "contributors", notice, contributors_notice=notice)


@desk_login_required
@require_POST
def remove_contributor(request: HttpRequest, slug: str, pk: int):
    story = _story_for_editor(request, slug)
    contributor = get_object_or_404(story.contributors.select_related("user"), pk=pk)
    name = contributor.user.get_full_name() or contributor.user.username
    contributor.delete()
    notice = f"{name} is no longer on this story."
    return _answer(request, story, "contributors", notice, contributors_notice=notice)
