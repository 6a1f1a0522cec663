"""The shared cast: an editor, a reporter on the story, a reporter on another story, a reader.

Every permission test can say who acts in one line. Browser fixtures live here too, so every
area's browser tests drive the same Chromium the same way, and the background work's: a publish
whose queued work runs as if committed, and the stand-in push service.
"""

import os

import pytest
from django.contrib.auth.models import Group, User

from incidents.models import EDITORS_GROUP, Byline, Contributor, Story, Tag
from liveblog.vapid import new_keys
from tests.push_service import serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "correct-horse-battery-staple"


def make_user(username: str, *, editor: bool = False, **extra) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if editor:
        user.groups.add(Group.objects.get_or_create(name=EDITORS_GROUP)[0])
    return user


def make_story(*, headline="Service X Is Down", slug=None, state=Story.State.LIVE, **fields):
    from django.utils.text import slugify

    story = Story.objects.create(headline=headline, slug=slug or slugify(headline), **fields)
    if state != Story.State.DRAFT:
        story.set_state(state)
    return story


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and throttles live in the cache, and each process remembers story heads and
    readers' pages; no test inherits another's (a new test database reuses ids)."""
    from django.core.cache import cache

    from incidents.caching import forget_reader_pages
    from incidents.live.heads import forget_story_heads

    for forget in (cache.clear, forget_story_heads, forget_reader_pages):
        forget()
    yield
    for forget in (cache.clear, forget_story_heads, forget_reader_pages):
        forget()


@pytest.fixture(autouse=True)
def _empty_task_queue():
    """On the RQ backend the queue is in Redis, which no test's rollback empties."""
    from tests.task_worker import empty_task_redis, on_rq

    if not on_rq():
        yield
        return
    empty_task_redis()
    yield
    empty_task_redis()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what a change queues once it is committed (the test's transaction never is)."""

    def publish(story, body, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return story.publish_update(body, **kwargs)

    return publish


@pytest.fixture(scope="module")
def service_running():
    """The stand-in push service on 127.0.0.1 (tests/push_service.py)."""
    with serving() as service:
        yield service


@pytest.fixture
def vapid(settings):
    keys = new_keys("mailto:desk@example.com")
    settings.VAPID_PRIVATE_KEY = keys["VAPID_PRIVATE_KEY"]
    settings.VAPID_PUBLIC_KEY = keys["VAPID_PUBLIC_KEY"]
    settings.VAPID_SUBJECT = keys["VAPID_SUBJECT"]
    return keys


@pytest.fixture
def service(service_running, vapid, settings):
    """The stand-in push service, emptied, with the site's VAPID keys and loopback allowed."""
    settings.PUSH_ALLOW_LOOPBACK = True
    settings.PUSH_TIMEOUT_SECONDS = 1
    settings.SITE_URL = "https://live.example.com"
    service_running.reset()
    service_running.server_key = vapid["VAPID_PUBLIC_KEY"]
    return service_running


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded pictures go to a folder of this test's own (tests/pictures.py)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_URL = "/media/"
    return settings.MEDIA_ROOT


@pytest.fixture
def editor(db):
    return make_user("erin", editor=True, first_name="Erin", last_name="Editor")


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


@pytest.fixture
def story(db):
    story = make_story(
        headline="Chat Service Suffers Global Outage",
        dek="Messages fail to send for users everywhere.",
        intro="Users first noticed **trouble** at [9 a.m.](https://example.com/first).",
    )
    Byline.objects.create(story=story, name="Dana Reyes", title="Technology Editor")
    story.tags.set(Tag.from_names(["Outages", "Chat"]))
    return story


@pytest.fixture
def other_story(db):
    return make_story(headline="Rail Signals Fail Across The North")


@pytest.fixture
def reporter(story):
    """A reporter contributing to `story`, not (yet) allowed to publish there."""
    user = make_user("rory", first_name="Rory", last_name="Reporter")
    Contributor.objects.create(story=story, user=user, can_publish=False)
    return user


@pytest.fixture
def publisher(story):
    """A reporter on `story` whom an editor allowed to publish."""
    user = make_user("pat", first_name="Pat", last_name="Publisher")
    Contributor.objects.create(story=story, user=user, can_publish=True)
    return user


@pytest.fixture
def outsider(other_story):
    """A reporter who contributes only to another story."""
    user = make_user("olive", first_name="Olive", last_name="Outsider")
    Contributor.objects.create(story=other_story, user=user, can_publish=True)
    return user


@pytest.fixture
def asgi():
    """The project's ASGI application in this process, for streams and polls (live tests)."""
    from tests.live_server import AsgiClient

    client = AsgiClient()
    yield client
    client.close()


# --- the browser harness ------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Module-scoped on purpose: Playwright's sync API keeps an
    event loop marked running in this thread while it is open, which would leak into later
    asyncio tests (and into the environment of subprocesses) if it lived for the session."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (see .ci/run)")
    from playwright.sync_api import sync_playwright

    # Django's ORM calls made by the test itself are still plain synchronous calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="module")
def provider():
    """A stand-in oEmbed provider on 127.0.0.1 (tests/oembed_provider.py)."""
    from tests.oembed_provider import serving

    with serving() as address:
        yield address
