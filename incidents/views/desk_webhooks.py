"""The desk's webhooks page: an editor sets up webhooks for one story or the whole site, and
sees each one's latest deliveries with the receiver's last answer (incidents/webhooks.py)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from incidents.forms import WebhookForm
from incidents.models import Webhook, WebhookDelivery, user_is_editor
from incidents.models.webhook import EDITORS_ONLY
from incidents.views.desk_access import desk_login_required, model_call

RECENT_DELIVERIES = 5


def _editor_only(request: HttpRequest) -> None:
    if not user_is_editor(request.user):
        raise PermissionDenied(EDITORS_ONLY)


@desk_login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest):
    _editor_only(request)
    form = WebhookForm(request.POST or None)
    if request.method == "POST":
        created = None
        if form.is_valid():
            created = model_call(
                form,
                Webhook.create,
                url=form.cleaned_data["url"],
                story=form.cleaned_data["story"],
                events=form.cleaned_data["events"],
                format=form.cleaned_data["format"],
                by=request.user,
            )
        if created is not None:
            messages.success(request, f"Webhook added: {created.url}. Its secret is below.")
            return redirect(f"{request.path}#webhook-{created.pk}")
    recent = WebhookDelivery.objects.select_related("change__update", "change__story")
    hooks = Webhook.objects.select_related("story").prefetch_related(
        Prefetch("deliveries", queryset=recent, to_attr="all_deliveries")
    )
    for hook in hooks:
        hook.recent = hook.all_deliveries[:RECENT_DELIVERIES]
    status = 400 if request.method == "POST" else 200
    return render(
        request, "newsroom/webhooks.html", {"form": form, "webhooks": hooks}, status=status
    )


@desk_login_required
@require_POST
def remove_webhook(request: HttpRequest, pk: int):
    _editor_only(request)
    webhook = get_object_or_404(Webhook, pk=pk)
    webhook.remove(by=request.user)
    messages.success(request, f"Webhook removed: {webhook.url}.")
    return redirect("desk:webhooks")
