"""The article is rendered once per change of the story, not once per reader, and each update
once per change of that update: a reader arriving after another gets the same HTML without the
updates being read or rendered again, and every change a reader can see shows up on the very
next request."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents import timeline as pages
from incidents.caching import forget_reader_pages

ET = ZoneInfo("America/New_York")


def page(client, story, **params):
    response = client.get(story.get_absolute_url(), params)
    assert response.status_code == 200
    return response.content.decode()


def timeline(html: str) -> str:
    return re.search(r'<section class="timeline".*?</section>', html, re.S).group(0)


def corrections(html: str) -> str:
    found = re.search(r'<section class="corrections".*?</section>', html, re.S)
    return found.group(0) if found else ""


def queried_tables(client, story, **params) -> str:
    with CaptureQueriesContext(connection) as queries:
        page(client, story, **params)
    return " ".join(query["sql"] for query in queries.captured_queries)


@pytest.fixture
def updates(story, editor):
    first = story.publish_update(
        "Users report **errors**.", by=editor, timestamp=datetime(2026, 7, 26, 11, 40, tzinfo=ET)
    )
    second = story.publish_update(
        "Engineers are investigating.",
        by=editor,
        timestamp=datetime(2026, 7, 26, 11, 55, tzinfo=ET),
        status_label="investigating",
    )
    return first, second


def test_a_second_reader_gets_the_timeline_without_the_updates_being_read_again(
    client, story, updates
):
    first_visit = queried_tables(client, story)
    second_visit = queried_tables(client, story)

    assert "incidents_update" in first_visit
    assert "incidents_update" not in second_visit
    assert "incidents_revision" not in second_visit


def test_the_kept_timeline_is_exactly_what_a_fresh_render_gives(client, story, updates, editor):
    first, _ = updates
    first.edit(
        "Users report errors in Europe.",
        by=editor,
        expected_revision=1,
        is_correction=True,
        correction_note="The first version did not say where.",
    )
    for order in ({}, {"order": "newest"}):
        kept = page(client, story, **order)
        assert timeline(page(client, story, **order)) == timeline(kept)  # from the cache

        cache.clear()
        fresh = page(client, story, **order)

        assert timeline(fresh) == timeline(kept)
        assert corrections(fresh) == corrections(kept) != ""


def test_a_new_update_shows_at_once(client, story, updates, editor):
    page(client, story)

    story.publish_update("Service is coming back.", by=editor)

    html = page(client, story)
    assert "Service is coming back." in html
    assert 'id="update-3"' in html


def test_an_edit_shows_at_once(client, story, updates, editor):
    first, _ = updates
    page(client, story)

    first.edit("Users report errors in Europe.", by=editor, expected_revision=1)

    html = page(client, story)
    assert "Users report errors in Europe." in html
    assert "Users report <strong>errors</strong>." not in html
    assert 'class="update__edited"' in html


def test_a_correction_joins_the_corrections_list_at_once(client, story, updates, editor):
    first, _ = updates
    assert 'id="corrections"' not in page(client, story)

    first.edit(
        "Users report errors in Europe.",
        by=editor,
        expected_revision=1,
        is_correction=True,
        correction_note="The first version did not say where.",
    )

    assert "The first version did not say where." in corrections(page(client, story))


def test_a_retraction_shows_at_once(client, story, updates, editor):
    _, second = updates
    page(client, story)

    second.retract("Not confirmed.", by=editor)

    html = page(client, story)
    assert "This update was retracted" in html
    assert "Engineers are investigating." not in html


def test_a_pin_shows_the_summary_at_once(client, story, updates, editor):
    _, second = updates
    assert 'class="summary"' not in page(client, story)

    second.set_pinned(True, by=editor)

    html = page(client, story)
    assert 'class="summary"' in html
    summary = html[html.index('class="summary"') : html.index('id="key-events"')]
    assert second.body_html in summary


def test_a_new_timezone_shows_at_once(client, story, updates, editor):
    assert "11:40 a.m. ET" in page(client, story)

    story.change_details(timezone="Europe/London", by=editor)

    html = timeline(page(client, story))
    assert "4:40 p.m. BST" in html
    assert "a.m. ET" not in html


def test_each_order_is_kept_apart(client, story, updates):
    oldest_first = timeline(page(client, story))
    newest_first = timeline(page(client, story, order="newest"))

    assert oldest_first.index('id="update-1"') < oldest_first.index('id="update-2"')
    assert newest_first.index('id="update-2"') < newest_first.index('id="update-1"')
    assert timeline(page(client, story)) == oldest_first


def test_the_end_of_coverage_shows_at_once_in_the_header(client, story, updates, editor):
    page(client, story)

    story.end_coverage(by=editor)

    assert "Live coverage has ended" in page(client, story)


def update_renders(client, story) -> int:
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return [template.name for template in response.templates].count("incidents/update.html")


def test_new_templates_are_rendered_afresh(client, story, updates, monkeypatch):
    assert update_renders(client, story) == 2
    # A deploy: new processes (which remember no page yet) with new templates, and the old
    # renderings still in the cache they share (Redis).
    forget_reader_pages()
    assert update_renders(client, story) == 0  # the same templates: every update from the cache
    forget_reader_pages()
    monkeypatch.setattr(pages, "templates_version", lambda: "a-deploy-later")

    assert update_renders(client, story) == 2


# --- the story's bylines and tags ---------------------------------------------------------------


def test_after_a_change_the_page_reads_neither_bylines_nor_tags_again(
    client, story, updates, editor
):
    page(client, story)

    story.publish_update("Service is coming back.", by=editor)
    after_the_change = queried_tables(client, story)

    assert "incidents_update" in after_the_change  # the page was drawn again
    assert "incidents_byline" not in after_the_change
    assert "incidents_story_tags" not in after_the_change
    html = page(client, story)
    assert "Dana Reyes" in html
    assert 'href="/tags/outages/"' in html


def test_new_bylines_and_tags_from_the_desk_show_at_once(client, story, updates, editor):
    page(client, story)

    story.revise(by=editor, bylines=[{"name": "Sam Okafor", "title": ""}], tags=["Networks"])

    html = page(client, story)
    assert "Sam Okafor" in html
    assert 'href="/tags/networks/"' in html
    assert "Dana Reyes" not in html
    assert 'href="/tags/outages/"' not in html


def test_a_tag_renamed_in_the_admin_shows_on_the_next_page_drawn(client, story, updates):
    page(client, story)
    tag = story.tags.get(slug="outages")

    tag.name = "Service outages"
    tag.save()
    forget_reader_pages()  # the page itself is kept while the story stands, as before

    html = page(client, story)
    assert "Service outages" in html
