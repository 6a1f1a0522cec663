"""Form errors on the desk show in place, beside the field, under DEBUG as `make run` serves it.

django-htmx's debug script (which `{% htmx_script %}` adds when DEBUG is on) replaced the whole
document with the bare 400 fragment; these run with DEBUG on so that cannot come back unseen.
"""

import pytest
from playwright.sync_api import expect

from incidents.models import Story
from incidents.models.story import STORY_ENDED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(page, live_server, settings, editor, client):
    """A signed-in editor's browser against a server running with DEBUG on."""
    settings.DEBUG = True
    client.force_login(editor)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.url_root = live_server.url
    return page


def still_the_desk(page):
    """The page kept its masthead and footer: the answer was swapped in place."""
    expect(page.locator(".masthead__title")).to_have_text("The Live Desk")
    expect(page.locator(".site-footer")).to_be_visible()


def test_an_empty_update_is_refused_beside_the_box(desk, story):
    desk.goto(f"{desk.url_root}/newsroom/stories/{story.slug}/")
    desk.locator("#compose-form").get_by_role("button", name="Publish").click()

    expect(desk.locator("#compose .field--body .field__error")).to_be_visible()
    still_the_desk(desk)
    expect(desk.locator(".desk-header__headline")).to_contain_text(story.headline)
    assert story.updates.count() == 0


def test_an_empty_retraction_reason_is_refused_beside_the_field(desk, story, editor):
    update = story.publish_update("Crews are on site.", by=editor)
    desk.goto(f"{desk.url_root}/newsroom/stories/{story.slug}/")
    desk.locator(f"#desk-update-{update.pk}").get_by_role("link", name="Retract…").click()
    desk.get_by_role("button", name=f"Retract UPDATE {update.number}").click()

    form = desk.locator(f"#retract-form-{update.pk}")
    expect(form.locator(".field--reason .field__error")).to_be_visible()
    still_the_desk(desk)
    expect(desk.locator("#compose-form")).to_be_visible()
    update.refresh_from_db()
    assert update.state == "published"


def test_an_empty_new_story_form_is_refused_beside_the_headline(desk):
    desk.goto(f"{desk.url_root}/newsroom/")
    desk.get_by_role("button", name="Create story").click()

    expect(desk.locator("#new-story .field--headline .field__error")).to_be_visible()
    still_the_desk(desk)
    expect(desk.get_by_role("heading", name="Newsroom")).to_be_visible()
    assert Story.objects.count() == 0


def test_publishing_after_coverage_ended_is_refused_in_the_compose_box(desk, story, editor):
    desk.goto(f"{desk.url_root}/newsroom/stories/{story.slug}/")
    story.end_coverage(by=editor)  # another editor ends it while this page is open
    desk.locator("#compose-form textarea[name=body]").fill("One more thing.")
    desk.locator("#compose-form").get_by_role("button", name="Publish").click()

    expect(desk.locator("#compose")).to_contain_text(STORY_ENDED)
    expect(desk.locator("#compose-form textarea[name=body]")).to_have_value("One more thing.")
    still_the_desk(desk)
    assert story.updates.count() == 0
