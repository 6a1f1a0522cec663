"""Pictures from the desk to an open reader's page in Chromium (issue 13): a screenshot pasted
into the compose box, described, published, and arriving live. Served by uvicorn, as the live
stream needs ASGI."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.live_server import Server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE = 3_000  # ms

# A screenshot made in the page: a canvas drawn, turned into a PNG File, and pasted into the
# update's text box the way the clipboard delivers one.
PASTE_SCREENSHOT = """async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 640; canvas.height = 400;
  const g = canvas.getContext("2d");
  g.fillStyle = "#f4f4f4"; g.fillRect(0, 0, 640, 400);
  g.fillStyle = "#c0392b"; g.fillRect(40, 40, 300, 120);
  g.fillStyle = "#222"; g.font = "28px sans-serif";
  g.fillText("The connection was interrupted", 40, 260);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  const file = new File([blob], "image.png", { type: "image/png" });
  const data = new DataTransfer();
  data.items.add(file);
  const box = document.querySelector("#compose-form textarea[name=body]");
  box.focus();
  const paste = { clipboardData: data, bubbles: true, cancelable: true };
  box.dispatchEvent(new ClipboardEvent("paste", paste));
}"""


@pytest.fixture
def server(tmp_path):
    with Server(env={"MEDIA_ROOT": str(tmp_path / "media")}) as server:
        yield server


def test_a_pasted_screenshot_is_published_and_arrives_on_an_open_page(
    browser, page, server, story, editor
):
    reader = browser.new_context().new_page()
    reader.goto(f"{server.url}/stories/{story.slug}/")
    expect(reader.locator("article.story")).to_have_attribute("data-connection", "stream")
    problems = []
    for watched in (page, reader):
        watched.on("pageerror", lambda e: problems.append(str(e)))
        watched.on(
            "console",
            lambda m: m.type == "error" and problems.append(m.text),
        )

    page.goto(f"{server.url}/accounts/login/?next=/newsroom/stories/{story.slug}/")
    page.get_by_label("Username").fill("erin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#compose-form textarea[name=body]").fill("Readers saw this error page.")

    page.evaluate(PASTE_SCREENSHOT)
    pending = page.locator("[data-pending]")
    expect(pending).to_contain_text("image.png")
    # Alt text is required: adding without it says so on the field.
    pending.get_by_role("button", name="Add picture").click()
    expect(pending.locator("[data-error-for=alt]")).to_contain_text("alt text")
    expect(pending.get_by_label("Alt text (required)")).to_be_focused()
    pending.get_by_label("Alt text (required)").fill(
        "Browser error: The connection was interrupted"
    )
    pending.get_by_label("Credit").fill("Screenshot")
    pending.get_by_role("button", name="Add picture").click()

    row = page.locator(".picture-row[data-picture]")
    expect(row.locator("img.picture-row__thumb")).to_be_visible()
    expect(page.locator("#compose-preview figure img")).to_have_attribute(
        "alt", "Browser error: The connection was interrupted"
    )
    page.locator("#compose-form").get_by_role("button", name="Publish").click()
    expect(page.locator("#compose .notice--success")).to_contain_text("UPDATE 1 is published.")

    figure = reader.locator("#update-1 figure")
    expect(figure).to_be_visible(timeout=LIVE)
    image = figure.locator("img")
    expect(image).to_have_attribute("alt", "Browser error: The connection was interrupted")
    expect(figure.locator("figcaption .credit")).to_have_text("Screenshot")
    image.scroll_into_view_if_needed()
    reader.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert reader.evaluate("() => document.querySelector('#update-1 img').currentSrc").endswith(
        ".webp"
    )
    assert problems == []


def test_the_export_opened_from_disk_shows_every_picture_without_the_network(
    page, story, editor, media_root, tmp_path
):
    from incidents.export import export_html
    from tests.pictures import upload

    chart = upload(story, editor, alt="Chart of failed logins", caption="By hour")
    screen = upload(story, editor, alt="The error page", draw={"width": 700, "height": 500})
    story.publish_update("Two pictures.", by=editor, pictures=[chart.pk, screen.pk])
    path = tmp_path / "story.html"
    path.write_text(export_html(story, base_url="https://news.example.com"), encoding="utf-8")
    requests = []
    page.on("request", lambda request: requests.append(request.url))

    page.goto(path.as_uri())
    page.wait_for_load_state("load")

    images = page.locator(".update__picture img")
    expect(images).to_have_count(2)
    shown = page.evaluate(
        "() => [...document.querySelectorAll('.update__picture img')]"
        ".map(img => img.complete && img.naturalWidth > 0)"
    )
    assert shown == [True, True]
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []


def test_pictures_are_added_described_and_reordered_by_keyboard(
    browser, page, server, story, editor
):
    page.goto(f"{server.url}/accounts/login/?next=/newsroom/stories/{story.slug}/")
    page.get_by_label("Username").fill("erin")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/newsroom/stories/{story.slug}/")
    picker = page.locator("#compose-form [data-picture-picker]")
    from tests.pictures import drawn

    for name in ("first", "second"):
        picker.set_input_files({"name": f"{name}.png", "mimeType": "image/png", "buffer": drawn()})
        alt = page.locator("[data-pending] input[data-field=alt]")
        expect(alt).to_be_focused()  # a new picture asks for its alt text first
        page.keyboard.type(f"The {name} picture")
        page.keyboard.press("Enter")  # adds the picture, does not publish
        expect(
            page.locator(f".picture-row[data-picture] input[value='The {name} picture']")
        ).to_be_visible()
    rows = page.locator(".picture-row[data-picture]")
    expect(rows).to_have_count(2)

    up = rows.nth(1).get_by_role("button", name="Move picture up")
    up.focus()
    page.keyboard.press("Enter")

    expect(rows.nth(0).locator("input[type=text]").first).to_have_value("The second picture")
    expect(page.get_by_role("button", name="Move picture up").first).to_be_focused()
    page.locator("#compose-form textarea[name=body]").fill("Two, reordered.")
    page.locator("#compose-form textarea[name=body]").press("Control+Enter")
    expect(page.locator("#compose .notice--success")).to_contain_text("UPDATE 1 is published.")
    update = story.updates.get()
    assert [f.alt for f in update.figures] == ["The second picture", "The first picture"]
