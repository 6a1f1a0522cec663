"""Accessibility in Chromium. axe-core (bundled by axe-playwright-python) finds no serious or
critical problem on the pages readers and the newsroom use (the front page, a live and an ended
article, sign-in, the dashboard, the story desk, its edit and retract forms), at a desktop and a
phone width; and an editor runs the desk with the keyboard alone, seeing where the focus is."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import expect

from incidents.demo import DEMO_SLUG, LIVE_DEMO_SLUG
from incidents.models import Story
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 390]
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.fixture
def demo(live_server):
    call_command("load_demo", verbosity=0)
    return live_server.url


def serious_problems(axe, page) -> list[str]:
    """What axe finds at the serious and critical levels, one line each, naming the elements."""
    found = axe.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in found
        if v["impact"] in SERIOUS
    ]


def open_at(browser, width, url, *, signed_in_as=None, client=None, root=None):
    context = browser.new_context(viewport={"width": width, "height": 900})
    if signed_in_as:
        client.force_login(signed_in_as)
        cookie = client.cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": root}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    response = page.goto(url)
    assert response.status == 200, f"{url} answered {response.status}"
    return page


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    ("path", "shows"),
    [
        ("/", "CloudPay Outage"),
        (f"/stories/{LIVE_DEMO_SLUG}/", "Brightwave Mobile Data Outage"),
        (f"/stories/{DEMO_SLUG}/", "Live coverage has ended"),
        ("/accounts/login/", "Sign in to the newsroom"),
        ("/tags/outages/", "Brightwave Mobile Data Outage"),
        ("/search/?q=checkout", "UPDATE 3"),
        ("/search/?q=zeppelin", "No results for"),
    ],
    ids=["front", "live-article", "ended-article", "sign-in", "tag", "search", "no-results"],
)
def test_readers_pages_have_no_serious_problem(browser, axe, demo, path, shows, width):
    page = open_at(browser, width, demo + path)
    expect(page.locator("#main")).to_contain_text(shows)

    assert serious_problems(axe, page) == []
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_embeddable_live_widget_has_no_serious_problem(browser, axe, demo, width):
    page = open_at(browser, width, f"{demo}/stories/{LIVE_DEMO_SLUG}/embed/")
    expect(page.locator("#main")).to_contain_text("Read the full coverage")
    expect(page.locator(".update").first).to_be_visible()

    assert serious_problems(axe, page) == []
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    ("path", "shows"),
    [
        ("/newsroom/", "Start a story"),
        (f"/newsroom/stories/{LIVE_DEMO_SLUG}/", "New update"),
        (f"/newsroom/stories/{DEMO_SLUG}/", "Coverage ended"),
    ],
    ids=["dashboard", "live-story-desk", "ended-story-desk"],
)
def test_newsroom_pages_have_no_serious_problem(browser, axe, demo, client, path, shows, width):
    from django.contrib.auth.models import User

    editor = User.objects.get(username="editor")
    page = open_at(browser, width, demo + path, signed_in_as=editor, client=client, root=demo)
    expect(page.locator("#main")).to_contain_text(shows)

    assert serious_problems(axe, page) == []
    page.context.close()


@pytest.mark.parametrize(
    ("path", "form", "error"),
    [
        ("/newsroom/", "#new-story", "#new-story .field--headline .field__error"),
        (f"/newsroom/stories/{LIVE_DEMO_SLUG}/", "#compose-form", "#compose .field__error"),
    ],
    ids=["new-story", "compose"],
)
def test_forms_showing_their_errors_have_no_serious_problem(
    browser, axe, demo, client, path, form, error
):
    from django.contrib.auth.models import User

    editor = User.objects.get(username="editor")
    page = open_at(browser, 1280, demo + path, signed_in_as=editor, client=client, root=demo)
    page.locator(f"{form} button[type=submit]").first.click()
    expect(page.locator(error)).to_be_visible()

    assert serious_problems(axe, page) == []
    page.context.close()


# --- the desk by keyboard alone ---------------------------------------------------------------

# What has the focus, and whether it shows: a ring (outline) or a glow (box-shadow).
FOCUS = """(selector) => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  return {
    html: element.outerHTML.slice(0, 120),
    matches: element.matches(selector),
    ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    glow: style.boxShadow !== "none",
  };
}"""


def focus_shows(page, selector="*") -> bool:
    """Whether the focused element matches `selector`; fails if the focus is lost or unseen."""
    focused = page.evaluate(FOCUS, selector)
    assert focused is not None, "the focus went back to the start of the page"
    assert focused["ring"] or focused["glow"], f"no visible focus on {focused['html']}"
    return focused["matches"]


def focus_lands_on(page, selector) -> None:
    """After a swap, the focus moves (htmx focuses the new [autofocus] as it settles) to
    `selector`, visibly."""
    page.wait_for_function("s => document.activeElement?.matches(s)", arg=selector)
    assert focus_shows(page, selector)


def tab_to(page, selector, *, backwards=False, presses=60):
    """Press Tab (or Shift+Tab) until the element matching `selector` has the focus, checking
    at every stop that the focus can be seen. Where the focus already is counts."""
    if page.evaluate(FOCUS, selector) and focus_shows(page, selector):
        return
    for _ in range(presses):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if focus_shows(page, selector):
            return
    raise AssertionError(f"{presses} presses of Tab never reached {selector}")


def test_an_editor_runs_the_desk_by_keyboard_alone(page, axe, live_server, editor):
    reporter = make_user("rory", first_name="Rory", last_name="Reporter")
    page.goto(f"{live_server.url}/newsroom/")
    tab_to(page, "#id_username")  # already there: the sign-in page focuses it
    page.keyboard.type("erin")
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Newsroom")).to_be_visible()

    # Create a story with a reporter on it: the reporters are a group of boxes named by its
    # legend (the label "Contributors" pointed at no control), ticked with the space bar.
    people = page.get_by_role("group", name="Contributors")
    expect(people.get_by_role("checkbox", name="Rory Reporter")).to_be_visible()
    tab_to(page, "#new-story [name=headline]")
    page.keyboard.type("Ferry Service Halted By Fog")
    tab_to(page, "#new-story [name=dek]")
    page.keyboard.type("Crossings are suspended until the fog lifts.")
    tab_to(page, "#new-story [name=contributors]")
    page.keyboard.press("Space")
    tab_to(page, "#new-story button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/newsroom/stories/ferry-service-halted-by-fog/")

    # Publish: the box takes the focus back, ready for the next update.
    tab_to(page, "#compose-form textarea[name=body]")
    page.keyboard.type("All crossings are cancelled this morning.")
    tab_to(page, "#compose-form button[data-shortcut-target]")
    page.keyboard.press("Enter")
    expect(page.locator("#compose .notice--success")).to_contain_text("UPDATE 1 is published.")
    focus_lands_on(page, "#compose-form textarea[name=body]")

    # Edit: the form opens with its text box focused; the saved row's notice takes the focus.
    tab_to(page, "#desk-timeline a.button[href$='/edit/']")
    page.keyboard.press("Enter")
    expect(page.locator(".desk-update--editing")).to_be_visible()
    focus_lands_on(page, ".desk-update--editing textarea[name=body]")
    assert serious_problems(axe, page) == []
    page.keyboard.press("Control+End")
    page.keyboard.type(" The first sailing is expected at noon.")
    tab_to(page, ".edit-form button[type=submit]")
    page.keyboard.press("Space")
    expect(page.locator("#desk-timeline")).to_contain_text("UPDATE 1 is saved as revision 2.")
    focus_lands_on(page, "#desk-timeline .notice[role=status]")

    # Pin redraws the whole timeline: the focus goes to its notice, not to the page's start.
    tab_to(page, "#desk-timeline form[action$='/pin/'] button")
    page.keyboard.press("Enter")
    expect(page.locator("#desk-timeline")).to_contain_text("UPDATE 1 is pinned to the top.")
    focus_lands_on(page, "#desk-timeline > .notice[role=status]")

    # Retract: forward to "Retract…", then the reason box.
    tab_to(page, "#desk-timeline a[href$='/retract/']")
    page.keyboard.press("Enter")
    expect(page.locator(".retract-form")).to_be_visible()
    focus_lands_on(page, ".retract-form textarea[name=reason]")
    assert serious_problems(axe, page) == []
    page.keyboard.type("The ferry operator had not cancelled them; our error.")
    tab_to(page, ".retract-form a.button", backwards=False)  # past the button, to Cancel
    tab_to(page, ".retract-form button[type=submit]", backwards=True)
    page.keyboard.press("Space")
    expect(page.locator("#desk-timeline")).to_contain_text("This update was retracted")
    focus_lands_on(page, "#desk-timeline .notice[role=status]")

    story = Story.objects.get(slug="ferry-service-halted-by-fog")
    assert story.state == Story.State.LIVE
    assert story.dek == "Crossings are suspended until the fog lifts."
    update = story.updates.get(number=1)
    assert (update.state, update.revision, update.pinned) == ("retracted", 2, False)  # unpinned
    assert update.body == (
        "All crossings are cancelled this morning. The first sailing is expected at noon."
    )
    assert update.retraction_reason == "The ferry operator had not cancelled them; our error."
    assert list(story.contributors.values_list("user", flat=True)) == [reporter.pk]
