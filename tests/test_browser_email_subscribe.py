"""A reader follows a live story by email from the article, in Chromium: the form answers in place
(htmx) or, with JavaScript off, as a page; the emailed link confirms. The mail goes through a
real SMTP server on 127.0.0.1 (tests/smtp_server.py)."""

import re

import pytest

from incidents.models import EmailSubscriber
from tests.smtp_server import mailer, smtp_server, text_of
from tests.task_worker import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.tasks, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def inbox(settings, live_server):
    with smtp_server() as (port, inbox):
        settings.MAILERS = mailer(port)
        settings.SITE_URL = live_server.url
        yield inbox


def confirm_link(message) -> str:
    return re.search(r"(http://\S+/subscriptions/confirm/\S+/)", text_of(message)).group(1)


def test_a_reader_subscribes_from_the_article_and_confirms_by_the_emailed_link(
    page, live_server, story, inbox
):
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    form = page.locator("form#subscribe")
    form.get_by_label("Your email address").fill("reader@example.org")
    form.get_by_label("Key events only").check()
    form.get_by_role("button", name="Subscribe").click()

    notice = page.locator("#subscribe[role=status]")
    notice.wait_for()
    assert "Check your inbox" in notice.inner_text()
    assert page.url.endswith(story.get_absolute_url())  # answered in place
    assert not EmailSubscriber.objects.exists()

    run_worker()
    [message] = inbox.messages
    page.goto(confirm_link(message))
    page.get_by_role("button", name="Confirm").click()

    assert page.get_by_role("heading", name="You are subscribed").is_visible()
    subscriber = EmailSubscriber.objects.get()
    assert (subscriber.email, subscriber.scope) == ("reader@example.org", "key")


def test_a_mistake_is_shown_in_place_on_the_field(page, live_server, story, inbox):
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    form = page.locator("form#subscribe")
    form.get_by_label("Your email address").fill("reader@@example.org")
    form.get_by_role("button", name="Subscribe").click()

    error = page.locator("#subscribe-email-error")
    error.wait_for()
    assert error.inner_text() == "Enter a valid email address."
    assert page.url.endswith(story.get_absolute_url())
    assert page.evaluate("document.activeElement.id") == "subscribe-email"
    assert not EmailSubscriber.objects.exists()


def test_without_javascript_the_form_answers_with_a_page_and_shows_what_is_wrong(
    browser, live_server, story, inbox
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    page.get_by_label("Your email address").fill("not-an-address")
    page.get_by_role("button", name="Subscribe").click()

    assert page.url.endswith(f"/stories/{story.slug}/subscribe/")
    assert page.get_by_text("Enter a valid email address.").is_visible()
    page.get_by_label("Your email address").fill("reader@example.org")
    page.get_by_role("button", name="Subscribe").click()

    assert page.get_by_text("Check your inbox.").is_visible()
    context.close()
