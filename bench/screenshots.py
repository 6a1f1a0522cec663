"""The README's screenshots: the demo's live article and its story desk, drawn by Chromium.

    .venv/bin/python bench/screenshots.py            # writes docs/*.png

A temporary SQLite database gets the demo (`make run`'s stories, times relative to now), one
uvicorn process serves it as `make serve` would, and Debian's Chromium (/usr/bin/chromium,
driven by Playwright) draws the article at 1280 and 390 px wide and the desk at 1280 px.
Nothing leaves loopback; the database is removed afterwards.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, Server, fresh_database, setup_django  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "screenshots-only-password"  # noqa: S105 (a throwaway database's demo editor)
OUT = ROOT / "docs"
# (file, path, width, height): what each picture shows and at what size.
SHOTS = [
    ("article.png", "/stories/{live}/", 1280, 1000),
    ("article-phone.png", "/stories/{live}/", 390, 844),
    ("desk.png", "/newsroom/stories/{live}/", 1280, 1000),
]


def load_demo() -> str:
    """The demo stories and their editor, with a password we know; returns the live slug."""
    from incidents.demo import LIVE_DEMO_SLUG, ensure_demo_editor, load_demo_stories

    editor, _ = ensure_demo_editor()
    editor.set_password(PASSWORD)
    editor.save(update_fields=["password"])
    load_demo_stories(editor)
    return LIVE_DEMO_SLUG


def sign_in(context, root: str, username: str) -> None:
    page = context.new_page()
    page.goto(f"{root}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{root}/newsroom/")
    page.close()


def take(browser, root: str, slug: str) -> list[Path]:
    written = []
    for name, path, width, height in SHOTS:
        context = browser.new_context(viewport={"width": width, "height": height})
        if path.startswith("/newsroom/"):
            sign_in(context, root, "editor")
        page = context.new_page()
        page.goto(root + path.format(live=slug))
        page.wait_for_load_state("networkidle")
        target = OUT / name
        page.screenshot(path=target, animations="disabled", caret="initial")
        written.append(target)
        context.close()
    return written


def main() -> None:
    url = fresh_database("sqlite")
    setup_django(url)
    slug = load_demo()
    server = Server(url).start()
    OUT.mkdir(exist_ok=True)
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            written = take(browser, f"http://127.0.0.1:{server.port}", slug)
            browser.close()
    finally:
        server.stop()
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
