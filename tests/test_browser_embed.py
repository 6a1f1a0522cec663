"""The live widget framed by a partner's page on another origin, in Chromium: the partner's
origin is in EMBED_FRAME_ANCESTORS of a real uvicorn process; the partner's page is the desk's
embed code, served by a tiny HTTP server on another port of 127.0.0.1."""

import contextlib
import http.server
import re
import threading

import pytest
from playwright.sync_api import expect

from incidents.embedding import HEIGHT_MESSAGE, embed_code
from tests.live_server import Server, free_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE = 3_000  # ms: what a reader with an open page waits for a change

# The partner's own page may run inline scripts: it is not ours. It keeps the messages it hears.
PARTNER_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Partner News</title>
<script>window.heard = [];
addEventListener("message", function (e) { heard.push(e.data); });</script>
</head><body><h1>Partner News</h1>
{code}
</body></html>"""


@contextlib.contextmanager
def partner_site(port: int, page: str):
    body = page.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def partner_port():
    return free_port()


@pytest.fixture
def server(partner_port):
    env = {"EMBED_FRAME_ANCESTORS": f"http://127.0.0.1:{partner_port}"}
    with Server(env=env) as server:
        yield server


def test_a_partner_page_frames_the_widget_which_follows_the_story_and_fits_its_frame(
    page, server, partner_port, story, editor
):
    for n in range(1, 10):
        story.publish_update(f"Earlier update {n}.", by=editor)
    status_page = f"http://127.0.0.1:{partner_port}/status"
    story.publish_update(f"Earlier update 10: see [the status page]({status_page}).", by=editor)
    code = embed_code(story, server.url)

    with partner_site(partner_port, PARTNER_PAGE.replace("{code}", code)) as partner:
        page.goto(partner)
        frame_element = page.locator("iframe[data-liveblog-embed]")
        frame = page.frame_locator("iframe[data-liveblog-embed]")
        expect(frame.locator("article.story")).to_have_attribute("data-connection", "stream")
        labels = frame.locator(".update__label")
        expect(labels).to_have_count(10)
        expect(labels.first).to_have_text("UPDATE 10")
        # The parent-side script fitted the frame to the widget.
        expect(frame_element).to_have_attribute("style", re.compile(r"height: \d+px"))
        before = frame_element.bounding_box()["height"]
        assert before != 600  # no longer the height the code gave it

        long_text = "\n\n".join(f"Paragraph {n} of a long report from the scene." for n in range(8))
        story.publish_update(long_text, by=editor)

        newest = frame.locator("#update-11")
        expect(newest).to_contain_text("Paragraph 7 of a long report", timeout=LIVE)
        expect(labels.first).to_have_text("UPDATE 11")
        expect(labels).to_have_count(10)  # the oldest shown made way
        expect(frame.locator("#update-1")).to_have_count(0)
        expect(newest.locator(".update__label")).to_have_attribute(
            "href", f"/stories/{story.slug}/updates/11/"
        )
        expect(newest.locator("time.update__time")).to_have_text("just now")
        # The headline follows the story's.
        story.change_details(
            headline="Subway Service Restored", headline_suffix="UPDATE", by=editor
        )
        expect(frame.locator(".embed__headline")).to_have_text(
            "Subway Service Restored (UPDATE)", timeout=LIVE
        )
        page.wait_for_function(f"() => document.querySelector('iframe').offsetHeight > {before}")

        messages = [m for m in page.evaluate("window.heard") if m.get("type") == HEIGHT_MESSAGE]
        assert messages, "the frame never told its height"
        assert set(messages[-1]) == {"type", "story", "height"}
        assert messages[-1]["story"] == story.slug
        assert abs(messages[-1]["height"] - frame_element.bounding_box()["height"]) <= 1

        # Its links open the full article in a new tab; the partner's page stays.
        with page.context.expect_page() as opened:
            frame.get_by_role("link", name="Read the full coverage").click()
        article = opened.value
        article.wait_for_load_state()
        assert article.url == f"{server.url}/stories/{story.slug}/"
        assert page.url.startswith(partner)
        # So do links in what authors wrote, rather than loading inside the frame.
        with page.context.expect_page() as opened:
            frame.get_by_role("link", name="the status page").click()
        assert opened.value.url == status_page
        expect(frame.locator("#update-10")).to_be_visible()


def test_a_site_not_listed_cannot_frame_the_widget(page, server, story, editor):
    story.publish_update("Only for allowed partners.", by=editor)
    code = embed_code(story, server.url)
    refusals = []
    page.on("console", lambda message: refusals.append(message.text))

    with partner_site(free_port(), PARTNER_PAGE.replace("{code}", code)) as stranger:
        page.goto(stranger)
        expect(page.get_by_role("heading", name="Partner News")).to_be_visible()
        # Chromium refuses the frame and says why in the console.
        if not any("frame-ancestors" in text for text in refusals):
            page.wait_for_event("console", lambda message: "frame-ancestors" in message.text)
        assert any("frame-ancestors" in text for text in refusals), refusals
        frame = page.frame_locator("iframe[data-liveblog-embed]")
        expect(frame.locator("article.story")).to_have_count(0)
        # The fallback link is there on the partner's page, frame or no frame.
        fallback = page.get_by_role("link", name=f"Follow the live coverage: {story.headline}")
        expect(fallback).to_have_attribute("href", f"{server.url}/stories/{story.slug}/")
