"""The article's "Key events" list and its summary box (the pinned update): what they show, how
they link, and that they stay cheap on a story of thousands of updates and reach open pages."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import now

from incidents.live.events import database_replay, render_regions
from incidents.models import Story, Update
from incidents.rendering import first_sentence

pytestmark = pytest.mark.django_db


def article(client, story) -> str:
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def key_events(html: str) -> str:
    """The key events region of a page (or of a header event)."""
    start = html.index('id="key-events"')
    return html[start : html.index("</section>", start) + len("</section>")]


def listed_titles(html: str) -> list[str]:
    return re.findall(r'<span class="key-event__title">([^<]*)</span>', html)


def test_the_article_lists_key_events_newest_first_with_their_time_and_a_link(
    client, story, editor
):
    first = story.publish_update("Outage confirmed. More to come.", by=editor, key_event=True)
    story.publish_update("Engineers are looking.", by=editor)
    second = story.publish_update("## Cause found\n\nA bad deploy.", by=editor, key_event=True)

    html = article(client, story)

    region = key_events(html)
    assert '<h2 class="key-events__heading" id="key-events-heading">Key events</h2>' in region
    assert listed_titles(region) == ["Cause found", "Outage confirmed."]
    assert f'href="{second.get_absolute_url()}"' in region
    assert f'href="{first.get_absolute_url()}"' in region
    assert f'datetime="{second.timestamp.strftime("%Y-%m-%dT%H:%M")}' in region
    assert "Engineers are looking" not in region
    # After the intro, before the timeline.
    assert html.index("story__intro") < html.index('id="key-events"') < html.index('id="timeline"')


def test_a_key_events_link_leads_to_the_update(client, story, editor):
    update = story.publish_update("Cause found.", by=editor, key_event=True)
    link = re.search(r'class="key-event__link" href="([^"]+)"', article(client, story))[1]

    path, _, anchor = link.partition("#")
    response = client.get(path, follow=True)

    assert response.status_code == 200
    assert f'id="{anchor or update.anchor}"' in response.content.decode()
    assert link == update.get_absolute_url()


def test_drafts_retracted_and_ordinary_updates_are_not_key_events(client, story, editor):
    story.publish_update("Still listed.", by=editor, key_event=True)
    story.save_draft("A draft key event.", by=editor, key_event=True)
    retracted = story.publish_update("Retracted key event.", by=editor, key_event=True)
    retracted.retract("Wrong.", by=editor)
    story.publish_update("Ordinary.", by=editor)

    html = article(client, story)

    assert listed_titles(key_events(html)) == ["Still listed."]
    assert "A draft key event" not in html
    assert "This update was retracted" in html  # in the timeline, not the list


def test_a_story_without_key_events_shows_no_list_but_keeps_its_place(client, story, editor):
    story.publish_update("Ordinary.", by=editor)

    html = article(client, story)

    assert '<div class="key-events-region" id="key-events" data-story-region></div>' in html
    assert "Key events</h2>" not in html


def test_the_newest_ten_show_and_the_rest_wait_behind_show_all(client, story, editor):
    for n in range(1, 13):
        story.publish_update(f"Event {n}.", by=editor, key_event=True)

    region = key_events(article(client, story))

    shown, _, more = region.partition("<details")
    assert listed_titles(shown) == [f"Event {n}." for n in range(12, 2, -1)]
    assert "<summary>Show all key events (12)</summary>" in more
    assert listed_titles(more) == ["Event 2.", "Event 1."]


def test_a_key_events_title_is_the_first_sentence_as_plain_text(client, story, editor):
    story.publish_update(
        "**Payments** fail for [some](https://example.com) users. Second sentence.",
        by=editor,
        key_event=True,
    )
    story.publish_update("Typed `<script>alert(1)</script>` here.", by=editor, key_event=True)

    region = key_events(article(client, story))

    assert listed_titles(region) == [
        "Typed &lt;script&gt;alert(1)&lt;/script&gt; here.",
        "Payments fail for some users.",
    ]
    assert "<script" not in region and "<strong>" not in region


@pytest.mark.parametrize(
    ("body_html", "title"),
    [
        ("<p>One. Two.</p>", "One."),
        ("<p>First line<br>\nsecond line</p>", "First line"),
        ("<h2>Heading</h2><p>Body.</p>", "Heading"),
        ("<p>Version 2.5 ships today. Later.</p>", "Version 2.5 ships today."),
        ("<p>Tom &amp; Jerry &lt;b&gt;</p>", "Tom & Jerry <b>"),
        ("<p>“It is down.” Engineers agree.</p>", "“It is down.”"),
        ("<p>U.S. users say so. More.</p>", "U.S. users say so."),
        ("<ul><li>First item</li><li>Second</li></ul>", "First item"),
        ("", ""),
    ],
)
def test_a_short_title_is_the_first_line_and_sentence(body_html, title):
    assert first_sentence(body_html, Update.KEY_TITLE_CHARS) == title


def test_a_long_first_sentence_is_cut_at_a_word_with_an_ellipsis():
    words = " ".join(["word"] * 40)

    title = first_sentence(f"<p>{words}</p>", Update.KEY_TITLE_CHARS)

    assert title.endswith("word…") and len(title) <= Update.KEY_TITLE_CHARS
    assert first_sentence("<p>" + "x" * 200 + "</p>", 90) == "x" * 89 + "…"


def test_the_pinned_update_is_the_summary_above_the_key_events(client, story, editor):
    story.publish_update("Cause found.", by=editor, key_event=True)
    pinned = story.publish_update("**What we know:** payments fail.", by=editor, pinned=True)

    html = article(client, story)

    assert html.index('id="story-summary"') < html.index('id="key-events"')
    summary = html[html.index('id="story-summary"') : html.index('id="key-events"')]
    assert '<section class="summary" aria-labelledby="summary-heading">' in summary
    assert "<strong>What we know:</strong> payments fail." in summary
    assert f'href="{pinned.get_absolute_url()}">UPDATE 2</a>' in summary
    assert f'id="{pinned.anchor}"' in html  # and in its place in the timeline


def test_an_unpinned_or_retracted_summary_is_gone(client, story, editor):
    pinned = story.publish_update("Summary text.", by=editor, pinned=True)
    assert 'class="summary"' in article(client, story)

    pinned.set_pinned(False, by=editor)
    assert 'class="summary"' not in article(client, story)

    pinned.set_pinned(True, by=editor)
    pinned.retract("Wrong.", by=editor)
    html = article(client, story)
    assert "This update was retracted" in html
    assert 'class="summary"' not in html


# --- live: the header's event carries both --------------------------------------------------


def test_the_live_regions_carry_the_header_the_summary_and_the_key_events(story, editor):
    story.publish_update("Cause found.", by=editor, key_event=True)
    story.publish_update("What we know.", by=editor, pinned=True)
    story.refresh_from_db()

    html = render_regions(story)

    assert html.index('id="story-header"') < html.index('id="story-summary"')
    assert html.index('id="story-summary"') < html.index('id="key-events"')
    assert html.index('id="key-events"') < html.index('id="story-corrections"')
    assert listed_titles(key_events(html)) == ["Cause found."]
    assert "What we know." in html


def test_the_newest_change_carries_the_key_events_as_they_now_read(story, editor):
    story.refresh_from_db()
    start = story.sequence
    update = story.publish_update("Cause found.", by=editor)
    update.edit("Cause found.", by=editor, expected_revision=1, key_event=True)

    _, events = database_replay(story.pk, start)

    assert [(e.kind, e.sequence) for e in events] == [("edited", start + 2)]
    assert listed_titles(key_events(events[0].html)) == ["Cause found."]

    update.edit("Cause found.", by=editor, expected_revision=2, key_event=False)
    _, events = database_replay(story.pk, start + 2)
    assert '<div class="key-events-region" id="key-events" data-story-region></div>' in (
        events[-1].html
    )


# --- a story of 5,000 updates ---------------------------------------------------------------


@pytest.fixture
def huge_story(story, editor):
    """The story with 5,000 published updates, one in a hundred a key event."""
    moment = now()
    Update.objects.bulk_create(
        Update(
            story=story,
            number=n,
            body=f"Update {n}. More.",
            body_html=f"<p>Update {n}. More.</p>",
            author=editor,
            state=Update.State.PUBLISHED,
            published_at=moment,
            timestamp=moment - timedelta(minutes=5_000 - n),
            key_event=n % 100 == 0,
        )
        for n in range(1, 5_001)
    )
    Story.objects.filter(pk=story.pk).update(last_number=5_000)
    story.refresh_from_db()
    return story


def test_a_5000_update_storys_key_events_cost_one_query_of_the_rows_they_show(huge_story):
    with CaptureQueriesContext(connection) as queries:
        html = render_regions(huge_story)

    assert listed_titles(key_events(html))[:2] == ["Update 5000.", "Update 4900."]
    assert "<summary>Show all key events (50)</summary>" in html
    assert len(queries) <= 4  # the pinned update, the key events, corrections, bylines
    key_events_query = [
        q["sql"] for q in queries if "key_event" in q["sql"].partition(" WHERE ")[2]
    ]
    assert len(key_events_query) == 1 and "body" not in key_events_query[0].replace("body_html", "")


def test_a_5000_update_storys_page_after_a_change_reads_its_key_events_in_one_query(
    client, huge_story, editor
):
    article(client, huge_story)  # renders the page, keeping each update's rendering
    huge_story.publish_update("A new key event.", by=editor, key_event=True)

    with CaptureQueriesContext(connection) as queries:
        html = article(client, huge_story)

    assert "<summary>Show all key events (51)</summary>" in html
    assert listed_titles(key_events(html))[0] == "A new key event."
    key_event_queries = [q for q in queries if "key_event" in q["sql"].partition(" WHERE ")[2]]
    assert len(key_event_queries) == 1
