"""The Markdown and JSON exports of a story: the same timeline as the HTML, in plain formats."""

import html
import json
import re
from datetime import datetime

import markdown
import pytest
from django.urls import reverse
from markdown_it import MarkdownIt

from incidents.export import export_data, export_json, export_markdown
from incidents.models import Tag
from tests.conftest import make_story
from tests.timelines import (
    CORRECTED_BODY,
    CORRECTION_NOTE,
    DRAFT_BODY,
    HEADLINE,
    RETRACTED_BODY,
    RETRACTION_REASON,
    SECOND_BODY,
    SUFFIX,
    at,
    build_timeline,
)

BASE_URL = "https://news.example.com"


@pytest.fixture
def timeline(editor):
    return build_timeline(editor)


# --- Markdown ---------------------------------------------------------------------------------


@pytest.fixture
def md(timeline):
    return export_markdown(timeline, base_url=BASE_URL, exported_at=at(200))


def test_markdown_has_one_title_and_a_heading_per_update_in_order(md):
    html = markdown.markdown(md)
    assert html.count("<h1>") == 1
    assert html.count("<h3>") == 3
    headings = [line for line in md.splitlines() if line.startswith("### ")]
    assert headings == [
        "### UPDATE 1 · Nov. 25, 2026, 9:38 a.m. ET · Investigating",
        "### UPDATE 2 · Nov. 25, 2026, 10:01 a.m. ET · Key event",
        "### UPDATE 3 · Nov. 25, 2026, 10:20 a.m. ET",
    ]


def test_markdown_header_has_headline_suffix_byline_dates_and_link(md):
    lines = md.splitlines()
    assert lines[0] == f"# {HEADLINE} (UPDATE: Payments Are Flowing Again)"
    assert "*Shoppers saw failed orders for most of the morning.*" in lines
    assert "By Dana Reyes, Technology Editor; Sam Okafor, Payments Reporter" in lines
    assert "Published Nov. 25, 2026, 9 a.m. ET · Last updated Nov. 25, 2026, 10:45 a.m. ET" in lines
    assert f"Live story: <{BASE_URL}/stories/cloudpay-outage/>" in lines
    assert "Tags: Outages, Payments" in lines


def test_markdown_lists_the_key_events_with_their_permalinks(md, timeline):
    section = md.split("## Key events\n\n", 1)[1].split("\n\n", 1)[0]

    assert section == (
        "- [UPDATE 2, Nov. 25, 2026, 10:01 a.m. ET: The cause: a bad config.]"
        f"({BASE_URL}/stories/{timeline.slug}/updates/2/)"
    )
    assert md.index("## Key events") < md.index("## Updates")


def test_markdown_without_a_known_site_lists_key_events_unlinked(timeline):
    md = export_markdown(timeline, exported_at=at(200))

    assert "- UPDATE 2, Nov. 25, 2026, 10:01 a.m. ET: The cause: a bad config.\n" in md


def test_markdown_keeps_the_authors_markdown_links_and_quotes(md):
    assert CORRECTED_BODY.strip() in md
    assert "[its status page](https://status.example.com/8812)" in md
    assert "> Some customers may be unable to complete payments." in md
    assert SECOND_BODY in md
    assert "[merchants said](https://forum.example.com/t/1)" in md


def test_markdown_notes_retraction_and_correction_but_not_drafts(md):
    assert (
        f"**This update was retracted** at Nov. 25, 2026, 10:45 a.m. ET: {RETRACTION_REASON}" in md
    )
    assert RETRACTED_BODY not in md
    assert "## Corrections" in md
    assert f"- UPDATE 1, Nov. 25, 2026, 10:30 a.m. ET: {CORRECTION_NOTE}" in md
    assert "*Updated Nov. 25, 2026, 10:30 a.m. ET*" in md
    assert DRAFT_BODY not in md
    assert f"[Permalink]({BASE_URL}/stories/cloudpay-outage/updates/2/)" in md


def test_markdown_escapes_markup_in_plain_text_fields(editor):
    story = make_story(headline="Outage *not bold* [not a link](x) <b>")
    md = export_markdown(story)
    assert md.splitlines()[0] == r"# Outage \*not bold\* \[not a link\](x) &lt;b>"
    title = markdown.markdown(md.splitlines()[0])
    assert title == "<h1>Outage *not bold* [not a link](x) &lt;b&gt;</h1>"


HOSTILE_TAGS = [
    "*Breaking*",
    "[x](https://evil.example)",
    "<b>bold</b>",
    "AT&amp;T",
    "~~gone~~",
    "`code`",
    "a_b_",
    "C#",
    "back\\slash",
]


@pytest.mark.parametrize(
    "render",
    [
        lambda text: markdown.markdown(text, extensions=["pymdownx.tilde"]),
        lambda text: MarkdownIt("commonmark").enable("strikethrough").render(text),
    ],
    ids=["python-markdown", "commonmark"],
)
def test_markdown_writes_tags_as_plain_text(editor, render):
    story = make_story(headline="Tagged")
    story.tags.set(Tag.from_names(HOSTILE_TAGS))
    names = [tag.name for tag in story.tags.all()]  # in the order the export writes them

    [line] = [line for line in export_markdown(story).splitlines() if line.startswith("Tags: ")]
    shown = render(line).strip()

    assert shown.startswith("<p>Tags: ") and shown.endswith("</p>")
    assert re.findall(r"<(?!/?p>)[^>]*>", shown) == []  # no link, emphasis, code or HTML
    assert html.unescape(shown[3:-4]) == "Tags: " + ", ".join(names)


# --- JSON -------------------------------------------------------------------------------------


@pytest.fixture
def data(timeline):
    return json.loads(export_json(timeline, base_url=BASE_URL, exported_at=at(200)))


def test_json_describes_the_story(data):
    assert data["format"] == "liveblog-story-export"
    assert data["version"] == 2
    assert data["exported_at"] == "2026-11-25T17:20:00+00:00"
    story = data["story"]
    assert story["slug"] == "cloudpay-outage"
    assert story["headline"] == HEADLINE
    assert story["headline_suffix"] == SUFFIX
    assert story["full_headline"] == f"{HEADLINE} ({SUFFIX})"
    assert story["state"] == "live"
    assert story["timezone"] == "America/New_York"
    assert story["tags"] == ["Outages", "Payments"]
    assert story["bylines"] == [
        {"name": "Dana Reyes", "title": "Technology Editor"},
        {"name": "Sam Okafor", "title": "Payments Reporter"},
    ]
    assert story["url"] == f"{BASE_URL}/stories/cloudpay-outage/"
    assert datetime.fromisoformat(story["published_at"]) == at(0)
    assert datetime.fromisoformat(story["last_updated_at"]) == at(105)
    assert story["ended_at"] is None


def test_json_updates_are_in_order_with_text_html_and_permalinks(data):
    updates = data["story"]["updates"]
    assert [u["number"] for u in updates] == [1, 2, 3]
    first, second, third = updates
    assert first["body"] == CORRECTED_BODY
    assert '<a href="https://status.example.com/8812"' in first["html"]
    assert "<blockquote>" in first["html"]
    assert datetime.fromisoformat(first["timestamp"]) == at(38)
    assert first["time_display"] == "9:38 a.m. ET"
    assert first["status_label"] == "investigating"
    assert first["revision"] == 2
    assert datetime.fromisoformat(first["edited_at"]) == at(90)
    assert first["url"] == f"{BASE_URL}/stories/cloudpay-outage/updates/1/"
    assert second["key_event"] is True and second["pinned"] is True
    assert second["edited_at"] is None


def test_json_carries_retraction_notice_not_withdrawn_text(data):
    third = data["story"]["updates"][2]
    assert third["state"] == "retracted"
    assert third["body"] is None and third["html"] is None
    assert third["retraction_reason"] == RETRACTION_REASON
    assert datetime.fromisoformat(third["retracted_at"]) == at(105)
    assert RETRACTED_BODY not in json.dumps(data)


def test_json_lists_corrections_and_leaves_out_drafts(data):
    assert data["story"]["corrections"] == [
        {"update": 1, "note": CORRECTION_NOTE, "revision": 1, "edited_at": at(90).isoformat()}
    ]
    assert DRAFT_BODY not in json.dumps(data)


def test_json_without_a_known_site_has_no_absolute_urls(timeline):
    data = export_data(timeline)
    assert data["story"]["url"] is None
    assert data["story"]["updates"][0]["url"] == "#update-1"


# --- downloads --------------------------------------------------------------------------------


def test_reader_downloads_markdown_and_json(client, timeline):
    md = client.get(reverse("export:story", kwargs={"slug": timeline.slug, "fmt": "md"}))
    assert md.status_code == 200
    assert md["Content-Type"] == "text/markdown; charset=utf-8"
    assert md["Content-Disposition"] == 'attachment; filename="cloudpay-outage.md"'
    assert md.content.decode().startswith(f"# {HEADLINE}")

    js = client.get(reverse("export:story", kwargs={"slug": timeline.slug, "fmt": "json"}))
    assert js.status_code == 200
    assert js["Content-Type"] == "application/json"
    assert js["Content-Disposition"] == 'attachment; filename="cloudpay-outage.json"'
    assert js.json()["story"]["url"] == "http://testserver/stories/cloudpay-outage/"


def test_json_export_and_api_share_one_story_and_update_shape(client, timeline, editor):
    from tests.api_support import Api

    api = Api(editor).get(f"/stories/{timeline.slug}").json()
    exported = export_data(timeline, base_url=BASE_URL)["story"]

    api_story = set(api) - {"updates", "feed_url", "export_url", "api_url"}
    assert set(exported) - {"updates", "corrections"} == api_story
    assert set(exported["updates"][0]) - {"time_display", "anchor"} == set(api["updates"][0])
    assert exported["headline"] == api["headline"] and exported["tags"] == api["tags"]


def test_json_export_shows_updates_as_readers_see_them(timeline):
    updates = export_data(timeline)["story"]["updates"]

    assert {update["author"] for update in updates} == {None}  # readers never see who typed it
    assert updates[2]["body"] is None and updates[2]["retraction_reason"] == RETRACTION_REASON
