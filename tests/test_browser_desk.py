"""An editor runs a story from the desk in Chromium: sign in, create, publish, edit, retract."""

import re

import pytest
from playwright.sync_api import expect

from incidents.models import Story
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def watched(page):
    """The page, with every script error, failed response and CSP violation collected."""
    problems = []

    def bad_response(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            problems.append(f"{response.status} {response.url}")

    def console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    page.on("console", console)
    page.on("response", bad_response)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.problems = problems
    return page


def publish(page, text, *, shortcut=False):
    box = page.locator("#compose-form textarea[name=body]")
    box.fill(text)
    if shortcut:
        box.press("Control+Enter")
    else:
        page.locator("#compose-form").get_by_role("button", name="Publish").click()
    expect(page.locator("#compose .notice--success")).to_contain_text("is published")
    expect(box).to_have_value("")


def test_editor_runs_a_story_end_to_end(watched, live_server, editor):
    page = watched
    page.goto(f"{live_server.url}/newsroom/")

    # Signed out: the newsroom sends us to sign in, then back.
    page.get_by_label("Username").fill("erin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Newsroom")).to_be_visible()

    # Create a story: the slug is proposed from the headline as we type.
    page.get_by_label("Headline", exact=True).fill("Subway Halted By Power Failure")
    expect(page.get_by_label("Slug")).to_have_value("subway-halted-by-power-failure")
    page.get_by_label("Standfirst").fill("Trains stopped between stations at rush hour.")
    page.get_by_label("Tags").fill("Transit, Outages")
    page.get_by_role("button", name="Create story").click()
    page.wait_for_url("**/newsroom/stories/subway-halted-by-power-failure/")
    expect(page.locator(".desk-header__state")).to_contain_text("Live")

    # Three updates; the preview follows the typing; Ctrl+Enter publishes too.
    box = page.locator("#compose-form textarea[name=body]")
    box.fill("Trains are **stopped** on three lines.")
    expect(page.locator("#compose-preview strong")).to_have_text("stopped")
    expect(page.locator("#compose-preview .update__label")).to_have_text("UPDATE 1")
    page.locator("#compose-form").get_by_role("button", name="Publish").click()
    expect(page.locator("#compose .notice--success")).to_contain_text("UPDATE 1 is published.")
    publish(page, "The transit authority blames a substation fault.")
    publish(page, "Service resumes on the Red line.", shortcut=True)
    labels = page.locator("#desk-timeline .update__label")
    expect(labels).to_have_text(["UPDATE 3", "UPDATE 2", "UPDATE 1"])

    # Edit UPDATE 2 in place, as a correction.
    row = page.locator("#desk-timeline .desk-update", has_text="substation fault")
    row.get_by_role("link", name="Edit").click()
    editor_box = page.locator(".desk-update--editing textarea[name=body]")
    editor_box.fill("The transit authority blames a fault at the Elm St. substation.")
    page.get_by_label("This is a correction").check()
    page.get_by_label("Correction note for readers").fill("The substation was misnamed.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#desk-timeline")).to_contain_text("Elm St. substation")
    expect(page.locator("#desk-timeline")).to_contain_text("UPDATE 2 is saved as revision 2.")

    # Retract UPDATE 3 with a reason.
    row = page.locator("#desk-timeline .desk-update", has_text="Red line")
    row.get_by_role("link", name="Retract…").click()
    page.get_by_label("Why is it retracted?").fill("Service had not resumed; our error.")
    page.get_by_role("button", name="Retract UPDATE 3").click()
    expect(page.locator("#desk-timeline")).to_contain_text("This update was retracted")

    # The desk drew everything without a reload and without a single script error.
    assert page.problems == []

    # What readers see.
    story = Story.objects.get(slug="subway-halted-by-power-failure")
    assert list(story.updates.values_list("number", "state").order_by("number")) == [
        (1, "published"), (2, "published"), (3, "retracted"),
    ]  # fmt: skip
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    expect(page.locator(".update__label")).to_have_text(["UPDATE 1", "UPDATE 2", "UPDATE 3"])
    expect(page.locator("#update-2 .update__edited")).to_contain_text(re.compile(r"Updated .* ET"))
    expect(page.locator("#update-3")).to_contain_text("Service had not resumed; our error.")
    expect(page.locator("#corrections")).to_contain_text("The substation was misnamed.")


def test_a_double_clicked_publish_makes_one_update(watched, live_server, editor, story, client):
    page = watched
    client.force_login(editor)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    page.goto(f"{live_server.url}/newsroom/stories/{story.slug}/")

    page.locator("#compose-form textarea[name=body]").fill("Only once, please.")
    page.locator("#compose-form").get_by_role("button", name="Publish").dblclick()

    expect(page.locator("#compose .notice--success")).to_contain_text("UPDATE 1 is published.")
    page.wait_for_timeout(300)
    assert story.updates.count() == 1
    assert page.problems == []


def test_unsent_text_survives_a_reload_and_is_forgotten_once_published(
    watched, live_server, editor, story, client
):
    page = watched
    client.force_login(editor)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    desk = f"{live_server.url}/newsroom/stories/{story.slug}/"
    page.goto(desk)
    page.locator("#compose-form textarea[name=body]").fill("Half a paragraph about the")

    page.reload()

    box = page.locator("#compose-form textarea[name=body]")
    expect(box).to_have_value("Half a paragraph about the")
    expect(page.locator(".compose__restored")).to_be_visible()
    expect(page.locator("#compose-preview .update__body")).to_have_text(
        "Half a paragraph about the"
    )
    page.locator("#compose-form").get_by_role("button", name="Publish").click()
    expect(page.locator("#compose .notice--success")).to_contain_text("UPDATE 1 is published.")
    page.reload()
    expect(page.locator("#compose-form textarea[name=body]")).to_have_value("")
    assert page.problems == []


def test_each_panel_answers_in_place(watched, live_server, editor, reporter, story, client):
    """The suffix, pin, contributors and state forms each redraw their own region, in place."""
    page = watched
    first = story.publish_update("Crews are on site.", by=editor)
    story.publish_update("Power is back in two districts.", by=editor)
    client.force_login(editor)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/newsroom/stories/{story.slug}/")

    page.get_by_label("Headline suffix").fill("UPDATE: Power Returning")
    page.get_by_role("button", name="Save suffix").click()
    expect(page.locator("#desk-header .notice--success")).to_have_text("Story details saved.")
    expect(page.locator(".desk-header__headline")).to_contain_text("(UPDATE: Power Returning)")

    page.locator(f"#desk-update-{first.pk}").get_by_role("button", name="Pin").click()
    expect(page.locator("#desk-timeline .notice")).to_have_text("UPDATE 1 is pinned to the top.")
    # Pinned, it keeps its place in the timeline (readers get it as the summary at the top).
    expect(
        page.locator(f"#desk-update-{first.pk}").get_by_role("button", name="Unpin")
    ).to_be_visible()

    page.locator("#contributors").get_by_role("button", name="Allow publishing").click()
    expect(page.locator("#contributors .notice")).to_contain_text("Rory Reporter may now publish")
    expect(page.locator("#contributors .contributor__role")).to_have_text("May publish")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="End live coverage").click()
    expect(page.locator("#desk-header .notice--success")).to_contain_text("Live coverage has ended")
    expect(page.get_by_role("button", name="Reopen live coverage")).to_be_visible()
    # Every answer swapped its own region: the compose box is the one the page first drew, its
    # Publish now disabled with the notice that says why (static/js/desk.js).
    expect(page.locator("#compose .notice--success")).to_have_count(0)
    expect(page.locator("#compose [data-ended-note]")).to_be_visible()
    expect(page.locator("#compose [data-publish]")).to_be_disabled()
    assert page.problems == []
