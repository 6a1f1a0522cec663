"""No vector of the XSS corpus runs script anywhere a story is shown, in a real Chromium.

tests/test_rendering_xss.py proves the sanitizer's output is inside the allowlist. This module
publishes every vector of that corpus as an update of one story (and puts a few into the plain-text
fields templates print: headline, suffix, standfirst, byline, tags, retraction reason, correction
note, plus a Markdown intro), then opens every surface a person sees it on:

- the article page, as served;
- an article page left open while all of it is published, following the event stream, and one
  following the poll fallback (static/js/live.js inserts what arrives);
- the poll fragment itself, its <template>s brought to life in the document;
- the standalone HTML export, opened from a file:// path (built directly, and as downloaded);
- the desk, signed in as an editor: the story desk, the edit page with its live preview, a stale
  edit's conflict view, the retract confirmation and the revision history.

Before any page script runs, a hook replaces alert/confirm/prompt/print and every other function
a vector calls (evil, msgbox) with a recorder, and defines `window.__xss`; dialogs, requests to any
other host (answered with script that calls the recorder) and CSP violations are recorded too.
Every served surface is checked twice: with the site's Content-Security-Policy enforced, and with
CSP bypassed, so that it is our escaping and sanitizing that is under test, not the policy that
backs them up (the exported file has no CSP at all). On each page, synthetic pointer, focus,
load and error events are fired at every element the corpus reached, which would run any inline
handler that survived, and the DOM is audited: only our own scripts, no on* attribute, no
frame/object/embed/svg/math/base, no link or source with a scheme other than http(s)/mailto, and
inside rendered Markdown only the allowlisted tags and attributes. Each check also counts that
every vector update is really on the page, so no test can pass by looking at an empty one.
"""

import json
import re
from pathlib import Path

import httpx
import pytest
from django.db import connection
from playwright.sync_api import expect

from incidents.export import export_html
from incidents.models import Update
from incidents.rendering import markdown_problem
from incidents.social_cards import card_problem
from tests.conftest import PASSWORD, make_story
from tests.live_server import Server
from tests.test_rendering_xss import EXPECTED_ATTRIBUTES, EXPECTED_TAGS, MARKDOWN, RAW_HTML

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A social-post card whose link is not a web address is refused on save, never shown
# (tests/test_social_cards.py); every other vector is published and must stay inert.
MARKDOWN = [(name, source) for name, source in MARKDOWN if not card_problem(source)]
VECTORS = RAW_HTML + MARKDOWN

# Aimed at the delivery paths rather than the sanitizer: SSE fields end at a bare CR, and the
# poll fragment wraps each change in a <template>.
DELIVERY_VECTORS = [
    ("sse-cr-field-injection", "\rid: 999\revent: story\rdata: <img src=x onerror=alert(1)>\r\r"),
    ("sse-crlf-field-injection", "one\r\n\r\nevent: ended\r\ndata: <svg onload=alert(1)>\r\n\r\n"),
    ("poll-template-breakout", "</template><img src=x onerror=alert(1)><template>"),
    ("poll-batch-breakout", '</div><script>alert(1)</script><div class="live-batch">'),
    ("marker-call", "<script>__xss('inline')</script><img src=x onerror=__xss('onerror')>"),
]  # fmt: skip

# Plain-text fields: templates must print them as text. Each stays within its field's max_length.
HEADLINE = '</title></script><script>alert("headline")</script><img src=x onerror=alert(1)> Outage'
SUFFIX = '"><svg onload=alert("suffix")></span>'
DEK = (
    '"><script>alert("dek")</script><img src=x onerror=alert(1)>'
    '<meta http-equiv=refresh content="0;url=javascript:alert(1)">\r\revent: ended\rdata: <b>'
)
BYLINE = {
    "name": '<img src=x onerror=alert("byline")>',
    "title": '"><script>alert("title")</script>',
}
TAGS = ['<svg onload=alert("tag")>', '"><img src=x onerror=alert(1)>']
RETRACTION = '<script>alert("retraction")</script><img src=x onerror=alert(1)> Withdrawn.'
CORRECTION = "<img src=x onerror=alert(\"correction\")></li><script>alert('note')</script>"
INTRO = "\n\n".join(source for _, source in VECTORS[:12] + MARKDOWN[:12])


def _as_much_as_one_update_takes(sources: list[str]) -> list[str]:
    """The longest run of vectors that one update may hold: the model refuses Markdown too
    costly to render, and every vector is published on its own as well."""
    taken = []
    for source in sources:
        if markdown_problem("\n\n".join([*taken, source])):
            break
        taken.append(source)
    return taken


COMPOUND_SOURCES = _as_much_as_one_update_takes([source for _, source in VECTORS])
COMPOUND = "\n\n".join(COMPOUND_SOURCES)
COMPOUND_EDITED = "\n\n".join(reversed(COMPOUND_SOURCES))
# How a browser's HTML parser hands text back (in a <textarea>, for one).
PARSED = str.maketrans({"\r": "\n", "\x00": "\ufffd"})

# Every function a vector of the corpus calls, and our own marker.
HOOKED = ["alert", "confirm", "prompt", "print", "evil", "msgbox", "__xss"]
INIT_SCRIPT = """
(() => {
  const hits = (window.__xssHits = []);
  const csp = (window.__cspViolations = []);
  function report(kind, detail) {
    hits.push(kind + ": " + detail);
    try {
      window.__xssReport(kind, String(detail), String(location.href));
    } catch (error) {}
  }
  for (const name of HOOKED) {
    const hook = function () { report(name, Array.from(arguments).join(", ")); };
    try {
      Object.defineProperty(window, name, { value: hook, writable: false, configurable: false });
    } catch (error) {
      window[name] = hook;
    }
  }
  document.addEventListener("securitypolicyviolation", function (event) {
    const blocked = event.blockedURI || "";
    csp.push(event.effectiveDirective + " " + blocked + " " + (event.sample || ""));
  }, true);
})();
""".replace("HOOKED", json.dumps(HOOKED))

# Synthetic events that would run an inline handler which survived (never click, submit or input:
# those would navigate or post on the desk).
_FIRE_EVENTS = """
(selector) => {
  const types = ["mouseover", "mouseenter", "mousemove", "mouseout", "mouseleave", "pointerover",
    "pointerenter", "focus", "focusin", "blur", "load", "error", "animationstart", "animationend",
    "transitionend", "scroll", "wheel"];
  let fired = 0;
  for (const element of document.querySelectorAll(selector)) {
    for (const type of types) {
      element.dispatchEvent(new Event(type, { bubbles: false }));
      fired += 1;
    }
  }
  return fired;
}
"""

# What could run script, read from the live DOM after the page and its scripts are done.
_AUDIT = """
({origin, contentSelector, allowedTags, allowedAttrs}) => {
  const problems = [];
  const safe = ["http:", "https:", "mailto:"];
  const never = ["iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg",
    "math", "portal", "fencedframe"];
  const urlAttributes = ["href", "src", "action", "formaction", "data", "background", "poster",
    "lowsrc", "dynsrc", "xlink:href", "ping"];
  const name = (el) => {
    const cls = typeof el.className === "string" && el.className ? "." + el.className : "";
    return el.localName + (el.id ? "#" + el.id : "") + cls.split(" ")[0];
  };
  for (const script of document.querySelectorAll("script")) {
    const src = script.getAttribute("src");
    if (src) {
      const url = new URL(src, document.baseURI);
      const ours = url.origin === origin && url.pathname.startsWith("/static/");
      if (!ours) problems.push("script src " + src);
    } else if (script.type === "application/ld+json") {
      try {
        JSON.parse(script.textContent);
      } catch (error) {
        problems.push("JSON-LD broken: " + script.textContent.slice(0, 120));
      }
    } else {
      problems.push("inline script: " + script.textContent.slice(0, 120));
    }
  }
  for (const el of document.querySelectorAll("*")) {
    const tag = el.localName;
    if (el.namespaceURI !== "http://www.w3.org/1999/xhtml") problems.push("foreign element " + tag);
    if (never.includes(tag)) problems.push("<" + tag + ">");
    if (tag === "meta" && el.hasAttribute("http-equiv")) {
      problems.push("meta http-equiv " + el.getAttribute("http-equiv"));
    }
    // A live change left unapplied; the desk's own row for a picture being added is no such.
    const ownTemplate = el.hasAttribute && el.hasAttribute("data-pending-picture");
    if (tag === "template" && el.content.childNodes.length && !ownTemplate) {
      problems.push("unapplied <template>");
    }
    for (const attr of el.attributes) {
      const handler = attr.name.startsWith("on") || attr.name === "srcdoc"
        || attr.name.startsWith("hx-on") || attr.name.startsWith("data-hx-on");
      if (handler) problems.push(name(el) + "[" + attr.name + "]");
      if (!urlAttributes.includes(attr.name)) continue;
      const value = attr.value.trim();
      if (value.startsWith("#")) continue;
      let protocol;
      try {
        protocol = new URL(value, document.baseURI).protocol;
      } catch (error) {
        continue;  // nothing a browser could follow
      }
      // A relative link stays on the page's own scheme (file: for the export): not script.
      if (safe.includes(protocol) || protocol === location.protocol) continue;
      if (tag === "link" && el.rel === "icon" && value === "data:,") continue;
      problems.push(name(el) + "[" + attr.name + "] " + protocol + " " + value.slice(0, 80));
    }
  }
  for (const region of document.querySelectorAll(contentSelector)) {
    for (const el of region.querySelectorAll("*")) {
      const tag = el.localName;
      if (!allowedTags.includes(tag)) problems.push("in rendered Markdown: <" + tag + ">");
      for (const attr of el.attributes) {
        if (!(allowedAttrs[tag] || []).includes(attr.name)) {
          problems.push("in rendered Markdown: " + tag + "[" + attr.name + "]");
        }
      }
    }
  }
  return problems;
}
"""

# Where author input lands: rendered Markdown, and the plain-text fields around it.
CONTENT = ".update__body, .story__intro"
REACHED = (
    "article.update, article.update *, .story__header, .story__header *, .story__intro *, "
    ".story__footer *, .corrections *, .desk-header *, .desk-update *, .history *, "
    ".conflict *, .compose__preview *, .edit-form__preview *, .retract-quote *, title"
)


def normalized(text: str) -> str:
    return " ".join(text.split())


# --- the story --------------------------------------------------------------------------------


def total_updates() -> int:
    """Vector updates, delivery vectors, the compound update and the retracted one."""
    return len(VECTORS) + len(DELIVERY_VECTORS) + 2


def storable(source: str) -> str:
    """PostgreSQL text cannot hold NUL (the desk's forms and the API refuse it with a message);
    there the one vector with a NUL is stored with what an HTML parser reads NUL as."""
    if connection.vendor == "postgresql":
        return source.replace("\x00", "\ufffd")
    return source


def publish_corpus(story, editor) -> dict:
    """Everything through the model methods, so the change log and the live hub see it."""
    for _, source in VECTORS + DELIVERY_VECTORS:
        story.publish_update(storable(source), by=editor)
    compound = story.publish_update(storable(COMPOUND), by=editor)
    compound.edit(
        storable(COMPOUND_EDITED),
        by=editor,
        expected_revision=1,
        is_correction=True,
        correction_note=CORRECTION,
    )
    retracted = story.publish_update(storable(VECTORS[0][1]), by=editor)
    retracted.retract(RETRACTION, by=editor)
    story.set_bylines([BYLINE], by=editor)
    story.set_tags(TAGS, by=editor)
    story.change_details(headline=HEADLINE, headline_suffix=SUFFIX, dek=DEK, intro=INTRO, by=editor)
    story.refresh_from_db()
    assert story.updates.count() == total_updates()
    return {"compound": compound, "retracted": retracted}


@pytest.fixture
def xss_story(db):
    return make_story(headline="Corpus Story", slug="xss-corpus")


@pytest.fixture
def server(browser):
    # After `browser`, which sets DJANGO_ALLOW_ASYNC_UNSAFE for this process and so the server's.
    with Server() as server:
        yield server


# --- the recording browser --------------------------------------------------------------------


class Recorder:
    """One browser context with the hook installed, and what it caught."""

    def __init__(self, browser, server_url: str | None, *, bypass_csp: bool):
        self.bypass_csp = bypass_csp
        self.server_url = server_url
        self.hits: list[str] = []
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.pages = []
        self.context = browser.new_context(
            viewport={"width": 1200, "height": 900}, bypass_csp=bypass_csp
        )
        self.context.set_default_timeout(10_000)
        self.context.expose_binding(
            "__xssReport",
            lambda source, kind, detail, where: self.hits.append(f"{kind}({detail}) at {where}"),
        )
        self.context.add_init_script(INIT_SCRIPT)
        origin = server_url or ""

        def foreign(url: str) -> bool:
            return not url.startswith(("data:", "blob:", "file:")) and not (
                origin and url.startswith(origin)
            )

        def answer(route):
            request = route.request
            self.foreign.append(f"{request.resource_type} {request.url}")
            if request.resource_type == "script":
                route.fulfill(content_type="text/javascript", body='window.__xss("remote script")')
            elif request.resource_type in ("document", "iframe"):
                route.fulfill(
                    content_type="text/html", body='<script>window.__xss("remote page")</script>'
                )
            else:
                route.fulfill(status=404, body="")

        self.context.route(foreign, answer)

    @property
    def label(self) -> str:
        if not self.server_url:
            return "a file: no CSP"
        return "CSP bypassed" if self.bypass_csp else "CSP enforced"

    def new_page(self):
        page = self.context.new_page()
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.pages.append(page)
        return page

    def csp_violations(self) -> list[str]:
        found = []
        for page in self.pages:
            if not page.is_closed():
                found += page.evaluate("window.__cspViolations || []")
        return found

    def close(self):
        self.context.close()


@pytest.fixture
def recorders(browser):
    made = []

    def recorder(server_url=None, *, bypass_csp: bool):
        made.append(Recorder(browser, server_url, bypass_csp=bypass_csp))
        return made[-1]

    yield recorder
    for each in made:
        each.close()


def observe(page, recorder, origin: str) -> dict:
    """Fire events at everything the corpus reached, then gather what ran and what could."""
    fired = page.evaluate(_FIRE_EVENTS, REACHED)
    page.wait_for_timeout(300)  # image errors, load events and any timers a vector set
    problems = page.evaluate(
        _AUDIT,
        {
            "origin": origin,
            "contentSelector": CONTENT,
            "allowedTags": sorted(EXPECTED_TAGS),
            "allowedAttrs": {tag: sorted(names) for tag, names in EXPECTED_ATTRIBUTES.items()},
        },
    )
    return {
        "fired": fired,
        # From the binding (any frame) and the page's own list (should the binding fail).
        "hits": recorder.hits + page.evaluate("window.__xssHits || []"),
        "dialogs": list(recorder.dialogs),
        "foreign": list(recorder.foreign),
        "problems": problems,
        "csp": page.evaluate("window.__cspViolations || []"),
    }


def run_and_audit(page, recorder, origin: str, where: str) -> dict:
    """Nothing ran, nothing asked for a dialog or another host, nothing in the DOM could run."""
    seen = observe(page, recorder, origin)
    where = f"{where} [{recorder.label}]"
    print(f"{where}: fired {seen['fired']} events, {len(seen['csp'])} CSP violations")
    assert seen["hits"] == [], f"{where}: script ran: {seen['hits']}"
    assert seen["dialogs"] == [], f"{where}: dialogs {seen['dialogs']}"
    assert seen["foreign"] == [], f"{where}: requests to other hosts {seen['foreign']}"
    assert seen["problems"] == [], f"{where}: {seen['problems']}"
    assert seen["fired"] > 0
    return seen


def assert_shows_as_text(page, selector: str, *texts: str) -> None:
    shown = normalized(page.locator(selector).first.text_content())
    for text in texts:
        assert normalized(text) in shown, f"{text!r} is not shown as text in {selector}"


def assert_the_reader_sees_every_field_as_text(page) -> None:
    assert_shows_as_text(page, ".story__headline", HEADLINE, f"({SUFFIX})")
    assert_shows_as_text(page, ".story__dek", DEK)
    assert_shows_as_text(page, ".story__byline", BYLINE["name"], BYLINE["title"])
    assert page.locator(".update__retraction").count() == 1
    assert_shows_as_text(page, ".update__retraction", RETRACTION)


def load_every_page(page) -> None:
    """A reader's "Show more updates" until the story's last update is on the page."""
    more = page.locator("[data-more-updates]")
    while more.count():
        shown = page.locator("#timeline > article.update").count()
        more.first.click()
        expect(page.locator("#timeline > article.update")).not_to_have_count(shown)


def assert_every_update_is_on_the_page(page, selector="#timeline > article.update") -> None:
    expect(page.locator(selector)).to_have_count(total_updates())
    numbers = page.locator(selector).evaluate_all("els => els.map(el => +el.dataset.number)")
    assert sorted(numbers) == list(range(1, total_updates() + 1))
    bodies = page.locator(f"{selector} .update__body")
    assert bodies.count() == total_updates() - 1  # the retracted one shows only its notice


# --- the reader's surfaces ----------------------------------------------------------------------


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["csp-enforced", "csp-bypassed"])
def test_no_vector_runs_on_the_article_page(recorders, server, xss_story, editor, bypass_csp):
    publish_corpus(xss_story, editor)
    recorder = recorders(server.url, bypass_csp=bypass_csp)
    page = recorder.new_page()

    response = page.goto(f"{server.url}/stories/{xss_story.slug}/")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    load_every_page(page)
    assert_every_update_is_on_the_page(page)
    assert_the_reader_sees_every_field_as_text(page)
    assert_shows_as_text(page, ".story__tags", *TAGS)
    assert_shows_as_text(page, ".corrections", CORRECTION)
    assert normalized(page.title()) == normalized(f"{HEADLINE} ({SUFFIX})")
    assert page.locator(".story__intro p").count() > 0
    run_and_audit(page, recorder, server.url, "article page")
    assert recorder.errors == []


def test_no_vector_runs_in_pages_open_while_it_is_published(recorders, server, xss_story, editor):
    """Four readers: stream and poll fallback, each with CSP enforced and bypassed."""
    readers = []
    for bypass_csp in (False, True):
        for way in ("stream", "polling"):
            recorder = recorders(server.url, bypass_csp=bypass_csp)
            page = recorder.new_page()
            if way == "polling":
                page.add_init_script("delete window.EventSource")
            page.goto(f"{server.url}/stories/{xss_story.slug}/")
            expect(page.locator("article.story")).to_have_attribute("data-connection", way)
            page.evaluate("window.notReloaded = true")
            readers.append((way, recorder, page))

    publish_corpus(xss_story, editor)
    xss_story.refresh_from_db()

    for way, recorder, page in readers:
        where = f"open page, {way}"
        expect(page.locator("article.story")).to_have_attribute(
            "data-sequence", str(xss_story.sequence), timeout=30_000
        )
        button = page.locator("[data-new-updates]")
        if button.is_visible():
            button.click()
        assert page.evaluate("window.notReloaded === true"), f"{where}: the page reloaded"
        assert_every_update_is_on_the_page(page)
        # The header arrives as a live "story" change; the intro, tags and corrections do not.
        assert_the_reader_sees_every_field_as_text(page)
        assert normalized(page.title()) == normalized(f"{HEADLINE} ({SUFFIX})")
        run_and_audit(page, recorder, server.url, where)
        assert recorder.errors == [], f"{where}: {recorder.errors}"


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["csp-enforced", "csp-bypassed"])
def test_no_vector_runs_from_the_poll_fragment(recorders, server, xss_story, editor, bypass_csp):
    publish_corpus(xss_story, editor)
    recorder = recorders(server.url, bypass_csp=bypass_csp)
    page = recorder.new_page()

    response = page.goto(f"{server.url}/stories/{xss_story.slug}/updates?since=0")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # A replay holds each update once, as it is now, and the header once.
    updates = page.locator("template[data-kind]:not([data-kind=story]):not([data-kind=ended])")
    assert updates.count() == total_updates()
    # Bring every change to life in the document, the way live.js applies them.
    applied = page.evaluate(
        """() => {
          const templates = Array.from(document.querySelectorAll("template[data-kind]"));
          const holder = document.createElement("section");
          holder.id = "timeline";
          document.body.append(holder);
          for (const template of templates) {
            holder.append(template.content.cloneNode(true));
            template.remove();
          }
          return templates.length;
        }"""
    )
    assert applied == total_updates() + 1  # and the header
    updates = page.locator("#timeline > article.update")
    numbers = set(updates.evaluate_all("els => els.map(el => +el.dataset.number)"))
    assert numbers == set(range(1, total_updates() + 1))
    assert_shows_as_text(page, "body", HEADLINE, DEK, RETRACTION, BYLINE["name"])
    run_and_audit(page, recorder, server.url, "poll fragment")


def test_no_vector_runs_in_the_html_export(recorders, server, xss_story, editor, tmp_path):
    publish_corpus(xss_story, editor)
    built = tmp_path / "built.html"
    built.write_text(export_html(xss_story, base_url="https://news.example"), encoding="utf-8")
    served = httpx.get(f"{server.url}/stories/{xss_story.slug}/export.html", timeout=10)
    assert served.status_code == 200
    downloaded = tmp_path / "downloaded.html"
    downloaded.write_bytes(served.content)

    for path in (built, downloaded):
        recorder = recorders(None, bypass_csp=False)
        page = recorder.new_page()
        page.goto(Path(path).as_uri())
        assert_every_update_is_on_the_page(page)
        assert_the_reader_sees_every_field_as_text(page)
        assert_shows_as_text(page, ".story__tags", *TAGS)
        assert_shows_as_text(page, ".corrections", CORRECTION)
        assert normalized(page.title()).startswith(normalized(f"{HEADLINE} ({SUFFIX})"))
        ld = page.evaluate(
            "JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)"
        )
        # The JSON-LD block holds the fields whole: "</script>" in them did not end it.
        assert ld["headline"] == f"{HEADLINE} ({SUFFIX})"
        assert ld["description"] == DEK
        assert ld["keywords"] == sorted(TAGS)
        assert len(ld["liveBlogUpdate"]) == total_updates()
        run_and_audit(page, recorder, "null", f"export ({path.name})")
        assert recorder.errors == []


# --- the desk -----------------------------------------------------------------------------------


def sign_in(page, server_url: str, next_path: str) -> None:
    page.goto(f"{server_url}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill("erin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server_url}{next_path}")


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["csp-enforced", "csp-bypassed"])
def test_no_vector_runs_on_the_desk(recorders, server, xss_story, editor, bypass_csp):
    made = publish_corpus(xss_story, editor)
    compound = made["compound"]
    desk = f"/newsroom/stories/{xss_story.slug}/"
    recorder = recorders(server.url, bypass_csp=bypass_csp)
    page = recorder.new_page()

    sign_in(page, server.url, desk)
    rows = page.locator(".desk-update")
    expect(rows).to_have_count(total_updates())
    assert page.locator(".desk-update article.update").count() == total_updates()
    assert_shows_as_text(page, ".desk-header__headline", HEADLINE, SUFFIX)
    assert_shows_as_text(page, f"#desk-update-{made['retracted'].pk}", RETRACTION)
    assert page.locator("#id_suffix").input_value() == SUFFIX
    # The compose preview renders whatever is typed, through the same partial.
    page.locator("#compose-form textarea[name=body]").fill(COMPOUND.translate(PARSED))
    expect(page.locator("#compose-preview article.update")).to_have_count(1)
    run_and_audit(page, recorder, server.url, "desk")

    # The revision history shows both Markdown sources, as text.
    page.goto(f"{server.url}{desk}updates/{compound.pk}/history/")
    assert_shows_as_text(page, ".history", CORRECTION, COMPOUND_SOURCES[0], COMPOUND_SOURCES[-1])
    run_and_audit(page, recorder, server.url, "revision history")

    # The retract confirmation quotes the update's rendered body.
    page.goto(f"{server.url}{desk}updates/{compound.pk}/retract/")
    expect(page.locator(".retract-quote")).to_be_attached()
    run_and_audit(page, recorder, server.url, "retract confirmation")

    # The edit page, its preview, and the conflict view after someone else saved first.
    page.goto(f"{server.url}{desk}updates/{compound.pk}/edit/")
    box = page.locator("textarea[name=body]")
    stored = Update.objects.get(pk=compound.pk).body
    assert box.input_value() == stored.replace("\r\n", "\n").translate(PARSED)
    box.fill(COMPOUND.translate(PARSED) + "\n\nMine.")  # forms refuse NUL, with a message
    expect(page.locator(".edit-form__preview article.update")).to_have_count(1)
    compound.refresh_from_db()
    compound.edit(storable(COMPOUND), by=editor, expected_revision=compound.revision)
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".conflict")).to_be_visible()
    assert_shows_as_text(page, ".conflict__yours", "Mine.")
    run_and_audit(page, recorder, server.url, "edit conflict")
    assert recorder.errors == []


PLANTED = (
    '<div class="update__body"><img src=x onerror=alert(1)><p onmouseover="__xss(2)">x</p>'
    '<iframe srcdoc="<script>alert(3)</script>"></iframe>'
    '<script src="https://xss.example/planted.js"></script></div>'
)


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["csp-enforced", "csp-bypassed"])
def test_the_harness_catches_html_that_runs(recorders, server, xss_story, bypass_csp):
    """The harness itself, on unsanitized HTML planted in the page: with CSP bypassed the hook
    sees what runs by itself (onerror, a frame's script) and what only the synthetic events reach
    (onmouseover); with CSP enforced the same attempts show up as violations instead. Either way
    the DOM audit names every piece."""
    recorder = recorders(server.url, bypass_csp=bypass_csp)
    page = recorder.new_page()
    page.goto(f"{server.url}/stories/{xss_story.slug}/")
    page.evaluate(
        """(html) => {
          const update = document.createElement("article");
          update.className = "update";
          update.innerHTML = html;
          // innerHTML never runs <script>; a script element made by the DOM does.
          const script = document.createElement("script");
          script.src = "https://xss.example/planted.js";
          update.append(script);
          document.getElementById("timeline").append(update);
        }""",
        PLANTED,
    )
    page.wait_for_timeout(300)

    seen = observe(page, recorder, server.url)

    hits = " ".join(seen["hits"])
    if bypass_csp:
        for call in ("alert(1)", "__xss(2)", "alert(3) at about:srcdoc", "__xss(remote script)"):
            assert call in hits
        assert seen["foreign"] == ["script https://xss.example/planted.js"]
    else:
        assert hits == ""
        directives = " ".join(seen["csp"])
        assert directives.count("script-src-attr") >= 2  # onerror and onmouseover
        assert "script-src-elem https://xss.example/planted.js" in directives
    problems = seen["problems"]
    assert "in rendered Markdown: <img>" in problems
    assert "in rendered Markdown: <iframe>" in problems
    assert any(problem.startswith("script src https://xss.example/") for problem in problems)
    assert any("[onmouseover]" in problem for problem in problems)
    assert any(re.search(r"^img.*\[onerror\]", problem) for problem in problems)
