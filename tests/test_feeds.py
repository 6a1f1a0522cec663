"""Atom and RSS feeds of a story's updates and of the site's stories, found from the pages."""

import calendar
from html.parser import HTMLParser

import feedparser
import pytest
import time_machine
from django.urls import reverse

from incidents.models import Story
from tests.conftest import make_story
from tests.timelines import (
    DRAFT_BODY,
    RETRACTED_BODY,
    RETRACTION_REASON,
    SUFFIX,
    at,
    build_timeline,
)

STORY_URL = "http://testserver/stories/cloudpay-outage/"


@pytest.fixture
def timeline(editor):
    return build_timeline(editor)


def fetch(client, url, content_type):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def atom(client, story):
    url = reverse("export:story_atom", kwargs={"slug": story.slug})
    return fetch(client, url, "application/atom+xml; charset=utf-8")


def rss(client, story):
    url = reverse("export:story_rss", kwargs={"slug": story.slug})
    return fetch(client, url, "application/rss+xml; charset=utf-8")


def stamp(parsed_time) -> int:
    return calendar.timegm(parsed_time)


# --- a story's updates ------------------------------------------------------------------------


@pytest.mark.parametrize("get", [atom, rss], ids=["atom", "rss"])
def test_story_feed_lists_updates_newest_first_with_permalinks(client, timeline, get):
    feed = get(client, timeline)
    assert feed.feed.title == f"CloudPay Outage Takes Down Checkout ({SUFFIX})"
    assert feed.feed.link == STORY_URL
    titles = [entry.title for entry in feed.entries]
    assert titles == [
        "UPDATE 3, Nov. 25, 2026, 10:20 a.m. ET (retracted)",
        "UPDATE 2, Nov. 25, 2026, 10:01 a.m. ET",
        "UPDATE 1, Nov. 25, 2026, 9:38 a.m. ET — Investigating",
    ]
    assert [entry.link for entry in feed.entries] == [
        f"{STORY_URL}updates/3/",
        f"{STORY_URL}updates/2/",
        f"{STORY_URL}updates/1/",
    ]
    # The ids are what they were before the permalinks: feed readers see no entry as new.
    assert [entry.id for entry in feed.entries] == [
        f"{STORY_URL}#update-3",
        f"{STORY_URL}#update-2",
        f"{STORY_URL}#update-1",
    ]
    first = feed.entries[2]
    assert '<a href="https://status.example.com/8812"' in first.summary
    assert "<blockquote>" in first.summary


@pytest.mark.parametrize("get", [atom, rss], ids=["atom", "rss"])
def test_story_feed_shows_retraction_notice_not_withdrawn_text_and_no_drafts(client, timeline, get):
    feed = get(client, timeline)
    text = str(feed)
    assert f"This update was retracted</strong> at 10:45 a.m. ET: {RETRACTION_REASON}" in (
        feed.entries[0].summary
    )
    assert RETRACTED_BODY not in text
    assert DRAFT_BODY not in text
    assert len(feed.entries) == 3


def test_atom_updated_times_come_from_the_change_log(client, timeline):
    feed = atom(client, timeline)
    third, second, first = feed.entries
    assert stamp(first.published_parsed) == at(38).timestamp()
    assert stamp(first.updated_parsed) == at(90).timestamp()  # the correction
    # Pinning is not a change to the text, so it does not make the entry "updated".
    assert stamp(second.updated_parsed) == at(61).timestamp()
    assert stamp(third.updated_parsed) == at(105).timestamp()  # the retraction
    assert stamp(feed.feed.updated_parsed) == at(105).timestamp()


def test_rss_has_publication_dates_and_last_build_date(client, timeline):
    feed = rss(client, timeline)
    assert stamp(feed.entries[2].published_parsed) == at(38).timestamp()
    assert stamp(feed.feed.updated_parsed) == at(105).timestamp()


def test_story_feed_of_a_story_without_updates_is_valid(client, db):
    with time_machine.travel(at(0), tick=False):
        story = make_story(headline="Quiet Night")
    feed = atom(client, story)
    assert feed.entries == []
    assert stamp(feed.feed.updated_parsed) == at(0).timestamp()


def test_draft_story_has_no_feed(client, editor):
    draft = make_story(headline="Secret Draft", state=Story.State.DRAFT)
    draft.publish_update("Not for readers yet.", by=editor)
    for name in ("export:story_atom", "export:story_rss"):
        assert client.get(reverse(name, kwargs={"slug": draft.slug})).status_code == 404
    assert client.get("/stories/no-such-story/feed.atom").status_code == 404


# --- the site's stories -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("export:site_atom", "application/atom+xml; charset=utf-8"),
        ("export:site_rss", "application/rss+xml; charset=utf-8"),
    ],
)
def test_site_feed_lists_public_stories_never_drafts(client, editor, name, content_type):
    build_timeline(editor)
    with time_machine.travel(at(300), tick=False):
        ended = make_story(headline="Rail Signals Fail")
        ended.end_coverage()
    make_story(headline="Secret Draft", state=Story.State.DRAFT)
    feed = fetch(client, reverse(name), content_type)
    assert [entry.title for entry in feed.entries] == [
        "Rail Signals Fail",
        f"CloudPay Outage Takes Down Checkout ({SUFFIX})",
    ]
    assert feed.entries[1].link == STORY_URL
    assert "Live now." in feed.entries[1].summary
    assert "Live coverage ended Nov. 25, 2026, 2 p.m. ET." in feed.entries[0].summary
    assert "Secret Draft" not in str(feed)


def test_site_atom_entries_carry_tags_authors_and_last_update(client, editor):
    build_timeline(editor)
    feed = fetch(client, reverse("export:site_atom"), "application/atom+xml; charset=utf-8")
    entry = feed.entries[0]
    assert [tag.term for tag in entry.tags] == ["Outages", "Payments"]
    assert entry.author == "Dana Reyes, Sam Okafor"
    assert stamp(entry.published_parsed) == at(0).timestamp()
    assert stamp(entry.updated_parsed) == at(105).timestamp()


# --- autodiscovery ----------------------------------------------------------------------------


class AlternateLinks(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.links = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "alternate":
            self.links.append((attrs["type"], attrs["href"]))


def test_article_page_advertises_its_feeds(client, timeline):
    page = client.get(timeline.get_absolute_url()).content.decode()
    links = AlternateLinks(page).links
    assert links == [
        ("application/atom+xml", "/stories/cloudpay-outage/feed.atom"),
        ("application/rss+xml", "/stories/cloudpay-outage/feed.rss"),
    ]
    for content_type, href in links:
        assert client.get(href)["Content-Type"].startswith(content_type)


def test_front_page_advertises_the_site_feeds(client, timeline):
    page = client.get(reverse("reader:front")).content.decode()
    assert AlternateLinks(page).links == [
        ("application/atom+xml", "/feed.atom"),
        ("application/rss+xml", "/feed.rss"),
    ]
