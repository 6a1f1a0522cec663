"""The reader's article and front page: what someone following the story sees."""

import re
from datetime import datetime
from html import unescape
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from incidents.models import Byline, Story
from tests.conftest import make_story

ET = ZoneInfo("America/New_York")


def get_page(client, story, **params):
    response = client.get(story.get_absolute_url(), params)
    assert response.status_code == 200
    return response.content.decode()


def numbers_in_order(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="update[^"]*" id="update-(\d+)"', html)]


def test_the_article_shows_headline_suffix_dek_and_byline(client, story, editor):
    story.change_details(headline_suffix="UPDATE: It's Back", by=editor)

    html = get_page(client, story)

    assert "Chat Service Suffers Global Outage" in html
    assert '<span class="story__suffix">(UPDATE: It&#x27;s Back)</span>' in html
    assert "Messages fail to send for users everywhere." in html
    assert '<span class="byline__name">Dana Reyes</span>' in html
    assert '<span class="byline__title">Technology Editor</span>' in html


def test_several_bylines_are_joined_with_and(client, story):
    Byline.objects.create(story=story, name="Sam Ortiz", title="Reporter", position=1)

    html = get_page(client, story)

    assert re.search(r"Dana Reyes</span>.*Technology Editor</span> and .*Sam Ortiz", html)


def test_updates_are_labelled_and_timed_in_the_story_timezone(client, story, editor):
    story.publish_update(
        "Users report **errors**.", by=editor, timestamp=datetime(2026, 7, 26, 11, 40, tzinfo=ET)
    )

    with time_machine.travel(datetime(2026, 7, 26, 15, 0, tzinfo=ET), tick=False):
        html = get_page(client, story)

    assert '<a class="update__label" href="#update-1">UPDATE 1</a>' in html
    assert (
        '<time class="update__time" datetime="2026-07-26T15:40:00+0000"'
        ' title="July 26, 2026, 11:40 a.m. ET">11:40 a.m. ET</time>' in html
    )
    assert "<strong>errors</strong>" in html


def test_a_story_in_another_timezone_shows_its_own_zone(client, editor):
    story = make_story(headline="London Tube Halted", timezone="Europe/London")
    story.publish_update(
        "Trains stopped.", by=editor, timestamp=datetime(2026, 1, 5, 14, 0, tzinfo=ZoneInfo("UTC"))
    )

    html = get_page(client, story)

    assert "2 p.m. GMT" in html


def test_the_article_says_it_has_been_updated_only_after_an_update(client, story, editor):
    assert "This post has been updated." not in get_page(client, story)

    story.publish_update("Something new", by=editor)

    assert "This post has been updated." in get_page(client, story)


def test_updates_are_chronological_by_default_and_newest_first_on_request(client, story, editor):
    for hour in (9, 10, 11):
        story.publish_update(
            f"At {hour}", by=editor, timestamp=datetime(2026, 3, 2, hour, tzinfo=ET)
        )

    assert numbers_in_order(get_page(client, story)) == [1, 2, 3]
    newest = get_page(client, story, order="newest")
    assert numbers_in_order(newest) == [3, 2, 1]
    assert '<strong aria-current="true">Newest first</strong>' in newest
    assert 'href="?order=oldest"' in newest


def test_a_backdated_update_takes_its_place_in_time(client, story, editor):
    story.publish_update("Later", by=editor, timestamp=datetime(2026, 3, 2, 11, tzinfo=ET))
    story.publish_update(
        "Earlier, posted late", by=editor, timestamp=datetime(2026, 3, 2, 9, tzinfo=ET)
    )

    assert numbers_in_order(get_page(client, story)) == [2, 1]


def test_the_pinned_update_shows_as_the_summary_and_keeps_its_place(client, story, editor):
    story.publish_update("One", by=editor)
    second = story.publish_update("Two: what we know", by=editor)
    story.publish_update("Three", by=editor)
    second.set_pinned(True, by=editor)

    html = get_page(client, story)

    summary = html[html.index('id="story-summary"') : html.index('id="key-events"')]
    assert '<h2 class="summary__heading" id="summary-heading">Summary</h2>' in summary
    assert "Two: what we know" in summary and 'href="/stories/' in summary
    assert numbers_in_order(html) == [1, 2, 3]  # the timeline keeps it in its place
    assert html.index('id="story-summary"') < html.index('id="timeline"')


def test_key_events_and_status_labels_are_shown(client, story, editor):
    story.publish_update("Cause found", by=editor, key_event=True, status_label="identified")

    html = get_page(client, story)

    assert "update--key" in html
    assert '<span class="badge badge--key">Key event</span>' in html
    assert '<span class="status status--identified">Identified</span>' in html


def test_a_retracted_update_leaves_a_notice_in_its_place(client, story, editor):
    update = story.publish_update("The CEO has resigned", by=editor)
    update.retract("The report was not confirmed.", by=editor)

    html = get_page(client, story)

    assert 'id="update-1"' in html
    assert "This update was retracted" in html
    assert "The report was not confirmed." in html
    assert "The CEO has resigned" not in html


def test_an_edited_update_says_when_it_was_updated(client, story, editor):
    update = story.publish_update("Typo here", by=editor)
    update.edit("No typo here", by=editor, expected_revision=1)

    html = get_page(client, story)

    assert "No typo here" in html
    assert re.search(
        r'<p class="update__edited">Updated <time datetime="[^"]+">[^<]+ ET</time>', html
    )


def test_corrections_are_listed_at_the_foot(client, story, editor):
    update = story.publish_update("The outage began at 9 a.m.", by=editor)
    update.edit(
        "The outage began at 8 a.m.",
        by=editor,
        expected_revision=1,
        is_correction=True,
        correction_note="An earlier version gave the wrong start time.",
    )

    html = get_page(client, story)

    assert '<h2 id="corrections-heading">Corrections</h2>' in html
    assert "An earlier version gave the wrong start time." in html


def test_tags_appear_under_more_and_the_correction_link_is_there(client, story):
    html = get_page(client, story)

    assert '<h2 id="more-heading">More:</h2>' in html
    assert '<li><a href="/tags/chat/">Chat</a></li>' in html
    assert '<li><a href="/tags/outages/">Outages</a></li>' in html
    assert f'href="{reverse("reader:suggest_correction", args=[story.slug])}"' in html
    assert "Suggest a correction" in html


def test_drafts_are_never_shown_to_readers(client, story, editor):
    story.publish_update("Public", by=editor)
    story.save_draft("Secret draft text", by=editor)

    html = get_page(client, story)

    assert "Public" in html
    assert "Secret draft text" not in html


def test_a_draft_story_is_not_found(client, editor):
    draft = make_story(headline="Embargoed", state=Story.State.DRAFT)

    assert client.get(draft.get_absolute_url()).status_code == 404


def test_an_unknown_story_is_not_found(client, db):
    assert client.get("/stories/no-such-story/").status_code == 404


def test_author_html_is_sanitized_on_the_page(client, story, editor):
    story.publish_update('<script>alert(1)</script><a href="javascript:alert(2)">x</a>', by=editor)

    html = get_page(client, story)

    assert "<script>alert(1)" not in html
    assert "javascript:alert" not in html


def test_the_page_works_without_javascript_and_loads_no_third_party_scripts(client, story, editor):
    """Without JavaScript a reader still gets the timeline in the HTML, and every link on the
    page (order, suggest a correction, downloads, feeds) is a plain link that answers."""
    story.publish_update("Engineers **found** the fault.", by=editor)
    story.publish_update("A fix is rolling out.", by=editor)

    html = get_page(client, story)

    assert numbers_in_order(html) == [1, 2]  # drawn by the server, not fetched by a script
    links = {
        urljoin(story.get_absolute_url(), unescape(href))
        for href in re.findall(r'<a [^>]*href="([^"#][^"]*)"', html)
        if not href.startswith(("http:", "https:", "mailto:"))
    }
    suggest = reverse("reader:suggest_correction", args=[story.slug])
    assert {f"{story.get_absolute_url()}?order=newest", suggest} <= links
    assert len(links) >= 8  # front page, order, suggest, three downloads, two feeds
    for link in links:
        assert client.get(link).status_code == 200, link
    assert numbers_in_order(get_page(client, story, order="newest")) == [2, 1]
    # The suggestion form is an ordinary POST form: it works without a script.
    forms = re.findall(r"<form [^>]*>", client.get(suggest).content.decode())
    form = next(form for form in forms if "masthead__search" not in form)
    assert 'method="post"' in form and "hx-" not in form
    sources = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assert sources  # the scripts there are...
    assert all(src.startswith("/static/") for src in sources)  # ...all ours,
    assert len(re.findall(r"<script[^>]+\bdefer\b", html)) == len(sources)  # and none blocks


def test_the_front_page_lists_live_stories_before_ended_ones(client, editor):
    ended = make_story(headline="Yesterday's Outage", state=Story.State.ENDED)
    live = make_story(headline="Today's Outage")
    make_story(headline="Draft Outage", state=Story.State.DRAFT)

    html = client.get(reverse("reader:front")).content.decode()

    assert html.index(live.headline.replace("'", "&#x27;")) < html.index(
        ended.headline.replace("'", "&#x27;")
    )
    assert "Draft Outage" not in html


@pytest.mark.parametrize("order", ["", "oldest", "nonsense"])
def test_an_unknown_order_falls_back_to_chronological(client, story, editor, order):
    story.publish_update("A", by=editor, timestamp=datetime(2026, 3, 2, 9, tzinfo=ET))
    story.publish_update("B", by=editor, timestamp=datetime(2026, 3, 2, 10, tzinfo=ET))

    assert numbers_in_order(get_page(client, story, order=order)) == [1, 2]
