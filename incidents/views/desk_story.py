"""Desk actions on the story itself: headline and suffix, state, contributors. Editors only.

An htmx answer is the region that changed (the story header or the contributors panel) with
only what that region shows; a plain post goes back to the desk with a notice, or, refused,
redraws the desk page with the errors.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from incidents.forms import ContributorForm, StoryDetailsForm
from incidents.models import Contributor, Story
from incidents.views.desk_access import (
    add_model_errors,
    back_to_desk,
    desk_login_required,
    story_for_editor,
)
from incidents.views.desk_regions import (
    contributors_context,
    desk_context,
    header_context,
    render_desk,
    render_region,
)

STATE_NOTICES = {
    Story.State.LIVE: "The story is live: readers can follow it now.",
    Story.State.ENDED: "Live coverage has ended. Readers see that at the top of the story.",
    Story.State.DRAFT: "The story is back to draft: readers can no longer see it.",
}


def _header_answer(request, story, notice: str = "", status=200, form=None, **extra):
    """htmx gets the story header back (its own change is not news to this desk); a plain post
    goes back to the desk with the notice, or redraws the page with the errors."""
    if request.htmx:
        context = header_context(request, story, form, oob_changes=True, **extra)
        return render_region(request, "story-header", context, status)
    if status >= 400:
        forms = {"details_form": form} if form is not None else {}
        return render_desk(request, desk_context(request, story, **forms, **extra), status)
    return back_to_desk(request, story, notice)


def _contributors_answer(request, story, notice: str = "", status=200, form=None):
    if request.htmx:
        context = contributors_context(story, form, contributors_notice=notice)
        return render_region(request, "contributors", context, status)
    if status >= 400:
        return render_desk(request, desk_context(request, story, contributor_form=form), status)
    return back_to_desk(request, story, notice, "contributors")


@desk_login_required
@require_POST
def details(request: HttpRequest, slug: str):
    """Headline, headline suffix, standfirst, intro, tags, bylines: only what the form sent."""
    story = story_for_editor(request, slug)
    form = StoryDetailsForm(request.POST, story=story, auto_id="id_story_%s")
    if not form.fields:
        form.add_error(None, "Nothing to change: send a headline, suffix, standfirst or intro.")
    elif form.is_valid() and _save_details(request, story, form):
        notice = "Story details saved."
        return _header_answer(request, story, notice, header_notice=notice)
    if "headline" in form.fields or not form.fields:
        return _header_answer(request, story, status=400, form=form)
    # The suffix alone was sent: its errors go by its own box, the full form stays intact.
    errors = [*form.errors.get("headline_suffix", []), *form.non_field_errors()]
    value = request.POST.get("headline_suffix", "")
    return _header_answer(request, story, status=400, suffix_errors=errors, suffix_value=value)


def _save_details(request: HttpRequest, story: Story, form: StoryDetailsForm) -> bool:
    details = dict(form.cleaned_data)
    tags = details.pop("tags_text", None)
    bylines = details.pop("bylines_text", None)
    try:
        with transaction.atomic():
            story.change_details(by=request.user, **details)
            if tags is not None:
                story.set_tags(tags.split(","), by=request.user)
            if bylines is not None:
                story.set_bylines(bylines, by=request.user)
    except ValidationError as error:
        add_model_errors(form, error)
        return False
    return True


@desk_login_required
@require_POST
def state(request: HttpRequest, slug: str):
    story = story_for_editor(request, slug)
    wanted = request.POST.get("state", "")
    try:
        story.set_state(wanted, by=request.user)
    except ValidationError as error:
        message = " ".join(error.messages)
        return _header_answer(request, story, status=400, header_error=message)
    notice = STATE_NOTICES[wanted]
    return _header_answer(request, story, notice, header_notice=notice)


@desk_login_required
@require_POST
def add_contributor(request: HttpRequest, slug: str):
    story = story_for_editor(request, slug)
    form = ContributorForm(request.POST, story=story, auto_id="id_contributor_%s")
    if not form.is_valid():
        return _contributors_answer(request, story, status=400, form=form)
    user = form.cleaned_data["user"]
    Contributor.objects.get_or_create(
        story=story, user=user, defaults={"can_publish": form.cleaned_data["can_publish"]}
    )
    notice = f"{user.get_full_name() or user.username} can now work on this story."
    return _contributors_answer(request, story, notice)


@desk_login_required
@require_POST
def contributor_publishing(request: HttpRequest, slug: str, pk: int):
    story = story_for_editor(request, slug)
    contributor = get_object_or_404(story.contributors.select_related("user"), pk=pk)
    contributor.can_publish = request.POST.get("can_publish") == "1"
    contributor.save(update_fields=["can_publish"])
    name = contributor.user.get_full_name() or contributor.user.username
    if contributor.can_publish:
        notice = f"{name} may now publish on this story."
    else:
        notice = f"{name} now writes drafts only."
    return _contributors_answer(request, story, notice)


@desk_login_required
@require_POST
def remove_contributor(request: HttpRequest, slug: str, pk: int):
    story = story_for_editor(request, slug)
    contributor = get_object_or_404(story.contributors.select_related("user"), pk=pk)
    name = contributor.user.get_full_name() or contributor.user.username
    contributor.delete()
    notice = f"{name} is no longer on this story."
    return _contributors_answer(request, story, notice)
