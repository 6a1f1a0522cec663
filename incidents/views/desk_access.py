"""Who may open which desk, and the small pieces every desk view shares.

Each desk view starts with one of the loaders here (`story_for_desk`, `story_for_editor`,
`update_for_desk`): it answers 404 for a story or update that is not there and 403, with the
model's sentence saying why, for someone who may not open it. Whether someone may *do* a thing
is the model method's question (it raises PermissionDenied); a view asks first only where it
shows a form that person may not use (an editor's panel, the edit or retract form), so that
they are refused before their input is judged.
"""

from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, resolve_url
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from incidents.models import Story, Update


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


def story_for_desk(request: HttpRequest, slug: str) -> Story:
    """The story, if the signed-in user works on it; 403 for anyone else, 404 if none."""
    story = get_object_or_404(Story, slug=slug)
    story.require_contributor(request.user)
    return story


def story_for_editor(request: HttpRequest, slug: str) -> Story:
    """The story, for an editor's panel; 403 for a reporter, who does not see those panels."""
    story = story_for_desk(request, slug)
    story.require_editor(request.user)
    return story


def update_for_desk(request: HttpRequest, slug: str, pk: int) -> tuple[Story, Update]:
    """The story and one of its updates (404 for an update of another story)."""
    story = story_for_desk(request, slug)
    update = get_object_or_404(story.updates.select_related("author"), pk=pk)
    update.story = story
    return story, mark_editable(update, request.user)


def mark_editable(update: Update, user) -> Update:
    """Say on the update what this user may do with it, for the row's Edit and Publish."""
    update.desk_can_edit = update.can_edit(user)
    update.desk_can_publish = update.is_draft and update.can_publish(user)
    return update


def add_model_errors(form, error: ValidationError, field_names: dict | None = None) -> None:
    """Show a model method's ValidationError on the form: on its field where the form has one
    (`field_names` maps a model name to the form's, e.g. {"tags": "tags_text"})."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            field = (field_names or {}).get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def model_call(form, method, *args, field_names: dict | None = None, **kwargs):
    """Call a model method with a form's input: what it returns, or None with the model's
    ValidationError shown on the form (see add_model_errors for `field_names`)."""
    try:
        return method(*args, **kwargs)
    except ValidationError as error:
        add_model_errors(form, error, field_names)
        return None


def desk_url(story: Story, anchor: str = "") -> str:
    url = reverse("desk:story", kwargs={"slug": story.slug})
    return f"{url}#{anchor}" if anchor else url


def back_to_desk(request: HttpRequest, story: Story, notice: str, anchor="", level="success"):
    """A plain (no-JavaScript) post goes back to the desk page with its notice."""
    getattr(messages, level)(request, notice)
    return redirect(desk_url(story, anchor))
