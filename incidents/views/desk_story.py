"""Desk actions on the story itself: headline and suffix, state, contributors. Editors only.

The model methods (`story.revise`, `story.set_state`, `story.add_contributor`...) refuse anyone
else with PermissionDenied; the details and contributor forms also ask first, so a reporter is
refused before their input is judged. An htmx answer is the region that changed (the story
header or the contributors panel) with only what that region shows; a plain post goes back to
the desk with a notice, or, refused, redraws the desk page with the errors.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from incidents.forms import ContributorForm, StoryDetailsForm
from incidents.models import Contributor, Story
from incidents.views.desk_access import (
    back_to_desk,
    desk_login_required,
    model_call,
    story_for_desk,
    story_for_editor,
)
from incidents.views.desk_regions import (
    contributors_context,
    desk_context,
    header_context,
    render_desk,
    render_region,
)

# The model's names for what the details form calls tags_text and bylines_text.
MODEL_TO_FORM = {"tags": "tags_text", "bylines": "bylines_text"}
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
    if set(form.fields) != {"headline_suffix"}:
        return _header_answer(request, story, status=400, form=form)
    # The suffix alone was sent: its errors go by its own box, the full form stays intact.
    errors = [*form.errors.get("headline_suffix", []), *form.non_field_errors()]
    value = request.POST.get("headline_suffix", "")
    return _header_answer(request, story, status=400, suffix_errors=errors, suffix_value=value)


def _save_details(request: HttpRequest, story: Story, form: StoryDetailsForm) -> bool:
    """One revision of the story, however many fields changed; False, with the model's
    objections on the form, if it refuses the input."""
    details = dict(form.cleaned_data)
    if "tags_text" in details:
        details["tags"] = details.pop("tags_text")  # a list: a tag name may hold a comma
    if "bylines_text" in details:
        details["bylines"] = details.pop("bylines_text")
    revised = model_call(form, story.revise, by=request.user, field_names=MODEL_TO_FORM, **details)
    return revised is not None


@desk_login_required
@require_POST
def state(request: HttpRequest, slug: str):
    story = story_for_desk(request, slug)
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
    user, can_publish = form.cleaned_data["user"], form.cleaned_data["can_publish"]
    contributor = story.add_contributor(user, can_publish=can_publish, by=request.user)
    notice = f"{contributor.display_name} can now work on this story."
    return _contributors_answer(request, story, notice)


def _contributor(story: Story, pk: int) -> Contributor:
    """One of this story's contributors (404 for anyone else's)."""
    return get_object_or_404(story.contributors.select_related("user"), pk=pk)


@desk_login_required
@require_POST
def contributor_publishing(request: HttpRequest, slug: str, pk: int):
    story = story_for_desk(request, slug)
    user = _contributor(story, pk).user
    may = request.POST.get("can_publish") == "1"
    contributor = story.set_contributor_publishing(user, may, by=request.user)
    if contributor.can_publish:
        notice = f"{contributor.display_name} may now publish on this story."
    else:
        notice = f"{contributor.display_name} now writes drafts only."
    return _contributors_answer(request, story, notice)


@desk_login_required
@require_POST
def remove_contributor(request: HttpRequest, slug: str, pk: int):
    story = story_for_desk(request, slug)
    contributor = _contributor(story, pk)
    story.remove_contributor(contributor.user, by=request.user)
    notice = f"{contributor.display_name} is no longer on this story."
    return _contributors_answer(request, story, notice)
