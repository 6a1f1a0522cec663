"""Following a story by email, for readers: subscribe (from the article's form or this page),
confirm by the emailed link (double opt-in), unsubscribe in one click (RFC 8058).

The article is cached and shared by every reader, so its form carries no CSRF token; the
subscribe view takes its POST without one (see `subscribe`). Nothing here says whether an
address is subscribed already: every request that passes the form gets the same page.
"""

from urllib.parse import urlsplit

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from incidents import subscriber_mail
from incidents.models import EmailSubscriber, Story
from incidents.subscribe_form import SubscribeForm
from liveblog.signin import client_address

SUBSCRIBE_PAGE = "incidents/subscribe.html"


def _same_site(request: HttpRequest) -> bool:
    """A browser names the page a form was sent from (Origin); a form from another site is
    refused. A request without the header (not a browser, or a very old one) passes: it could
    send the same thing from anywhere anyway."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.get_host()


# A request to subscribe changes nothing until the emailed link is followed, and a forged one
# could do no more than what anyone can do with the form: the double opt-in, the rate limits and
# the Origin check guard it, not a CSRF token (the cached article has none to give).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest, slug: str):
    story = get_object_or_404(Story.objects.public(), slug=slug)
    form = SubscribeForm(request.POST or None)
    context = {"story": story, "form": form, "scopes": EmailSubscriber.Scope.choices}
    if request.method == "GET":
        return render(request, SUBSCRIBE_PAGE, context)
    if not _same_site(request):
        form.add_error(None, "This form was sent from another site. Subscribe from this page.")
        return _form(request, context, status=403)
    if form.is_bot():  # the same page as everyone's, and nothing kept or sent
        return _check_inbox(request, context)
    if not form.is_valid():
        return _form(request, context, status=400)
    email, scope = form.cleaned_data["email"], form.cleaned_data["scope"]
    refusal = EmailSubscriber.over_limit(client_address(request), email)
    if refusal:
        form.add_error(None, refusal)
        return _form(request, context, status=429)
    transaction.on_commit(lambda: subscriber_mail.send_confirmation.enqueue(story.pk, email, scope))
    return _check_inbox(request, {**context, "email": email})


def _form(request: HttpRequest, context: dict, status: int):
    template = f"{SUBSCRIBE_PAGE}#subscribe-form" if request.htmx else SUBSCRIBE_PAGE
    return render(request, template, context, status=status)


def _check_inbox(request: HttpRequest, context: dict):
    template = f"{SUBSCRIBE_PAGE}#check-inbox" if request.htmx else SUBSCRIBE_PAGE
    return render(request, template, {**context, "asked": True})


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str):
    """The emailed link: a button to confirm (a link scanner's GET subscribes nobody); its POST
    subscribes the address, or changes what an existing subscriber gets."""
    subscription = EmailSubscriber.read_confirmation(token)
    story = subscription and Story.objects.public().filter(pk=subscription.story_pk).first()
    if story is None:
        return render(request, "incidents/subscription_confirm.html", {"invalid": True}, status=400)
    context = {
        "story": story,
        "scope": EmailSubscriber.Scope(subscription.scope).label,
        "email": subscription.email,
    }
    if request.method == "POST":
        context["subscriber"] = EmailSubscriber.confirm(subscription)
    return render(request, "incidents/subscription_confirm.html", context)


# RFC 8058: a mail client POSTs "List-Unsubscribe=One-Click" here, with no cookie or token; the
# link's own token is the only thing that says who leaves.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str):
    subscriber = EmailSubscriber.objects.select_related("story").filter(token=token).first()
    if request.method == "POST":
        if subscriber is not None:
            story = subscriber.story
            subscriber.unsubscribe()
        else:
            story = None
        return render(request, "incidents/unsubscribe.html", {"done": True, "story": story})
    if subscriber is None:
        return render(request, "incidents/unsubscribe.html", {"unknown": True}, status=404)
    return render(
        request, "incidents/unsubscribe.html", {"subscriber": subscriber, "story": subscriber.story}
    )
