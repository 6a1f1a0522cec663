"""The article's notifications control in Chromium (served by a real uvicorn process): the
service worker registers for the readers' pages and the control appears, with no inline script
(the page's strict Content-Security-Policy holds).

Real delivery cannot be shown here: headless Chromium has no push service to subscribe with (it
would be Google's, which this machine cannot reach), so `pushManager.subscribe()` fails and the
control says so. Delivery itself is tested against a stand-in push service (tests/test_push.py);
here the message the server would send is handed to the service worker through Chromium's
DevTools protocol, and the notification it shows is read back.
"""

import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from incidents.models import PushSubscription
from incidents.push import notification
from liveblog.vapid import new_keys
from tests.live_server import Server
from tests.push_service import Browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SERIOUS = {"serious", "critical"}


@pytest.fixture
def server():
    with Server(env=new_keys("mailto:desk@example.com")) as server:
        yield server


def test_the_service_worker_registers_and_the_notifications_control_appears(browser, server, story):
    context = browser.new_context(permissions=["notifications"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    page.goto(f"{server.url}/stories/{story.slug}/")

    control = page.locator("[data-push]")
    expect(control).to_be_visible()
    expect(control).to_have_attribute("data-push-ready", "")
    expect(control.get_by_role("button", name="Turn on notifications")).to_be_visible()
    expect(control.get_by_label("Browser notifications of")).to_have_value("key")
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{server.url}/stories/"
    worker = page.evaluate("navigator.serviceWorker.ready.then((r) => r.active.scriptURL)")
    assert worker == f"{server.url}/push/worker.js"

    # No push service for headless Chromium: the reader is told, nothing is kept.
    control.get_by_role("button", name="Turn on notifications").click()
    expect(control.locator("[data-push-status]")).to_contain_text(
        "Could not turn on notifications", timeout=15_000
    )
    expect(control.get_by_role("button", name="Turn on notifications")).to_be_enabled()
    assert not story.push_subscriptions.exists()
    assert not [p for p in problems if "Content Security Policy" in p]
    found = Axe().run(page).response["violations"]
    assert [f"{v['id']}: {v['help']}" for v in found if v["impact"] in SERIOUS] == []
    context.close()


def test_the_service_worker_shows_a_pushed_update_and_links_to_its_permalink(
    browser, server, story, editor
):
    """The push message goes to the service worker through Chromium's DevTools protocol (as a
    push service would hand it over), so what the reader would see can be read back."""
    update = story.publish_update("Engineers found the cause. More soon.", by=editor)
    context = browser.new_context(permissions=["notifications"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    devtools = context.new_cdp_session(page)
    registrations = []
    versions = []
    devtools.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    devtools.on(
        "ServiceWorker.workerVersionUpdated", lambda event: versions.extend(event["versions"])
    )
    devtools.send("ServiceWorker.enable")
    page.goto(f"{server.url}/stories/{story.slug}/")
    expect(page.locator("[data-push]")).to_have_attribute("data-push-ready", "")
    # The worker has claimed the page (its activate handler is done) ...
    page.wait_for_function("Boolean(navigator.serviceWorker.controller)")
    ours = set()
    for _ in range(50):  # ... and DevTools, whose events come a moment later, has seen it active:
        # a message handed over before then can be dropped by Chromium without a word.
        ours = {r["registrationId"] for r in registrations if r["scopeURL"].endswith("/stories/")}
        active = {v["registrationId"] for v in versions if v["status"] == "activated"}
        if ours and ours <= active:
            break
        page.wait_for_timeout(100)
    [registration_id] = ours
    assert registration_id in active

    message = notification(update)
    devtools.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": server.url,
            "registrationId": registration_id,
            "data": json.dumps(message),
        },
    )
    shown = page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.ready;
            for (let i = 0; i < 50; i++) {
                const found = await registration.getNotifications();
                if (found.length) return found.map((n) => [n.title, n.body, n.tag, n.data.url]);
                await new Promise((done) => setTimeout(done, 100));
            }
            return [];
        }"""
    )

    assert shown == [
        [
            story.full_headline,
            f"UPDATE {update.number}: Engineers found the cause.",
            f"{story.slug}-{update.number}",
            f"{server.url}/stories/{story.slug}/updates/{update.number}/",
        ]
    ]
    context.close()


def test_the_service_worker_moves_the_readers_stories_to_a_renewed_subscription(
    browser, story, other_story
):
    """`pushsubscriptionchange` cannot be had from a push service here (there is none), so the
    event is dispatched in the worker itself, carrying the subscriptions a browser would."""
    old = Browser("http://127.0.0.1:9/push/old")
    new = Browser("http://127.0.0.1:9/push/new")
    for followed, events in ((story, "key"), (other_story, "all")):
        PushSubscription.objects.create(
            story=followed, endpoint=old.endpoint, events=events, **old.subscription()["keys"]
        )
    keys = {**new_keys("mailto:desk@example.com"), "PUSH_ALLOW_LOOPBACK": "1"}
    with Server(env=keys) as server:
        context = browser.new_context(permissions=["notifications"])
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{server.url}/stories/{story.slug}/")
        page.wait_for_function("Boolean(navigator.serviceWorker.controller)")
        [worker] = context.service_workers

        worker.evaluate(
            """([oldEndpoint, subscription]) => {
                const event = new ExtendableEvent("pushsubscriptionchange");
                Object.defineProperty(event, "oldSubscription", {
                    value: {endpoint: oldEndpoint, options: {userVisibleOnly: true}},
                });
                Object.defineProperty(event, "newSubscription", {
                    value: {toJSON: () => subscription},
                });
                self.dispatchEvent(event);
            }""",
            [old.endpoint, new.subscription()],
        )
        for _ in range(50):
            if not PushSubscription.objects.filter(endpoint=old.endpoint).exists():
                break
            page.wait_for_timeout(100)
        context.close()

    kept = PushSubscription.objects.order_by("story__pk")
    assert [(s.story, s.endpoint, s.events) for s in kept] == [
        (story, new.endpoint, "key"),
        (other_story, new.endpoint, "all"),
    ]
