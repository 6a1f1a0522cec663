"""A reader turns browser notifications for a story on and off (static/js/push.js), and the
service worker that shows them (static/js/push-worker.js).

The article is cached and sets no cookie for anonymous readers, so there is no CSRF cookie to
check: these JSON endpoints are exempt from Django's CSRF check and make their own, that the
request comes from a page of this site (`Sec-Fetch-Site: same-origin`, or an `Origin` header
naming this site). They are rate-limited per address, and answer in JSON: 201 or 200 with what
is kept, 204 for a removal, 400 with a message saying what is wrong (nothing is kept).
"""

import hashlib
import json
import math
import time

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from incidents import push
from incidents.models import PushSubscription, Story

MAX_BODY_BYTES = 4096  # a browser's subscription is about 500 bytes
WORKER_SCOPE = "/stories/"


def _refusal(message: str, status: int = 400, **headers) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _from_this_site(request: HttpRequest) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.headers.get("Origin")
    return origin is not None and origin == f"{request.scheme}://{request.get_host()}"


def _over_limit(request: HttpRequest) -> int | None:
    """Count this request against its address's hourly allowance: None while within it, else
    the seconds until the hour ends (for Retry-After)."""
    address = request.META.get("REMOTE_ADDR", "")
    sender = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
    moment = time.time()
    key = f"push-changes:{sender}:{int(moment // 3600)}"
    cache.add(key, 0, timeout=3700)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, timeout=3700)
        count = 1
    if count > settings.PUSH_CHANGES_PER_HOUR:
        return max(1, math.ceil(3600 - moment % 3600))
    return None


def _read(request: HttpRequest) -> dict | JsonResponse:
    """The JSON body, or the answer that refuses the request."""
    if not push.enabled():
        return _refusal("Push notifications are off on this site.", status=404)
    if not _from_this_site(request):
        return _refusal("Turn notifications on from the article's page.", status=403)
    wait = _over_limit(request)
    if wait is not None:
        return _refusal(
            "Too many changes to notifications from here; try again later.",
            status=429,
            Retry_After=str(wait),
        )
    if len(request.body) > MAX_BODY_BYTES:
        return _refusal(f"The request is longer than {MAX_BODY_BYTES} bytes.")
    try:
        data = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _refusal("The request must be JSON.")
    if not isinstance(data, dict):
        return _refusal('The request must be a JSON object with "subscription".')
    return data


def _read_for_story(request: HttpRequest, slug: str) -> tuple[Story, dict] | JsonResponse:
    """The story and the JSON body, or the answer that refuses the request."""
    data = _read(request)
    if isinstance(data, JsonResponse):
        return data
    return get_object_or_404(Story.objects.public(), slug=slug), data


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


@csrf_exempt
@require_POST
def subscribe(request: HttpRequest, slug: str):
    """`{"subscription": <the browser's PushSubscription>, "events": "key" | "all"}`."""
    read = _read_for_story(request, slug)
    if isinstance(read, JsonResponse):
        return read
    story, data = read
    try:
        subscription, created = PushSubscription.subscribe(
            story, data.get("subscription"), data.get("events", PushSubscription.Events.KEY)
        )
    except ValidationError as error:
        return _refusal(_message(error))
    return JsonResponse(
        {"story": story.slug, "events": subscription.events}, status=201 if created else 200
    )


@csrf_exempt
@require_POST
def unsubscribe(request: HttpRequest, slug: str):
    """`{"subscription": {"endpoint": ...}}`: this browser's notifications of this story end."""
    read = _read_for_story(request, slug)
    if isinstance(read, JsonResponse):
        return read
    story, data = read
    subscription = data.get("subscription")
    endpoint = subscription.get("endpoint") if isinstance(subscription, dict) else None
    try:
        PushSubscription.unsubscribe(story, endpoint)
    except ValidationError as error:
        return _refusal(_message(error))
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def renew(request: HttpRequest):
    """`{"old_endpoint": ..., "subscription": <the browser's new PushSubscription>}`, from the
    service worker when the browser replaced its subscription: every story it followed keeps
    notifying it, at the new endpoint."""
    data = _read(request)
    if isinstance(data, JsonResponse):
        return data
    try:
        renewed = PushSubscription.renew(data.get("old_endpoint"), data.get("subscription"))
    except ValidationError as error:
        return _refusal(_message(error))
    if not renewed:
        return _refusal("No story sends notifications to that subscription.", status=404)
    return JsonResponse({"renewed": renewed})


@require_safe
def service_worker(request: HttpRequest):
    """The service worker, from static/js/ like the other scripts, at
    an address of its own, allowed to serve the readers' pages under /stories/: a click on a
    notification can then bring an open article to the front. Browsers fetch it rarely."""
    with open(finders.find("js/push-worker.js"), "rb") as file:
        script = file.read()
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = WORKER_SCOPE
    response["Cache-Control"] = "no-cache"
    return response
