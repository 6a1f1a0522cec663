"""The newsroom profile: a user's JSON API tokens, created (shown once), listed and revoked."""

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from incidents.models import ApiToken, user_is_editor
from incidents.views.desk_access import desk_login_required

PROFILE_PAGE = "newsroom/profile.html"


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What is the token for?",
        max_length=100,
        required=False,
        help_text="e.g. Status page bot. Only you see it, next to the token.",
    )


def _render(request: HttpRequest, *, form=None, new_token="", status=200, notice=""):
    context = {
        "form": form or TokenForm(),
        "tokens": request.user.api_tokens.all(),
        "new_token": new_token,
        "notice": notice,
        "is_editor": user_is_editor(request.user),
        "zone": settings.TIME_ZONE,
    }
    template = f"{PROFILE_PAGE}#tokens" if request.htmx else PROFILE_PAGE
    return render(request, template, context, status=status)


@never_cache
@desk_login_required
@require_GET
def profile(request: HttpRequest):
    return _render(request)


@never_cache  # the new token is in this response; no cache may keep it
@desk_login_required
@require_POST
def create(request: HttpRequest):
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _render(request, form=form, status=400)
    _, raw = ApiToken.issue(request.user, name=form.cleaned_data["name"].strip())
    return _render(request, new_token=raw, status=201)


@desk_login_required
@require_POST
def revoke(request: HttpRequest, pk: int):
    token = get_object_or_404(request.user.api_tokens, pk=pk)
    token.revoke()
    if request.htmx:
        return _render(request, notice=f"Revoked {token.hint}…; it no longer works.")
    return redirect("tokens:profile")
