"""The server dies while readers are connected: once it is back, every reader's page shows
every change made during the outage, once each, without a reload."""

import pytest
from playwright.sync_api import expect

from tests.live_server import Server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_EVENTSOURCE = "delete window.EventSource;"


def open_reader(browser, url, *, polling=False):
    context = browser.new_context()
    if polling:
        context.add_init_script(NO_EVENTSOURCE)
    page = context.new_page()
    page.goto(url)
    mode = "polling" if polling else "stream"
    expect(page.locator("article.story")).to_have_attribute("data-connection", mode)
    page.evaluate("window.notReloaded = true")
    return context, page


def test_every_reader_gets_every_change_made_while_the_server_was_down(browser, story, editor):
    first = story.publish_update("Before the crash.", by=editor)
    with Server(workers=2) as server:
        url = f"{server.url}/stories/{story.slug}/"
        readers = [open_reader(browser, url) for _ in range(3)]
        readers.append(open_reader(browser, url, polling=True))
        port = server.port

        server.kill()
        story.publish_update("During the outage, one.", by=editor)
        story.publish_update("During the outage, two.", by=editor)
        first.edit("Before the crash, corrected.", by=editor, expected_revision=1)
        story.publish_update("During the outage, three.", by=editor)

        with Server(workers=2, port=port):
            for _, page in readers:
                expect(page.locator("#update-4")).to_contain_text("three", timeout=15_000)
                expect(page.locator("#update-1")).to_contain_text("corrected", timeout=5_000)

    for context, page in readers:
        labels = page.locator(".update__label").all_inner_texts()
        assert labels == ["UPDATE 1", "UPDATE 2", "UPDATE 3", "UPDATE 4"]
        assert page.evaluate("window.notReloaded") is True
        context.close()
