"""A story of thousands of updates: the article shows 30 at a time (`?page=N`, plain links, and
"Show older updates" through htmx), a permalink lands on the page that holds its update, feeds
link to it, exports and the API still hold every update, and a change costs the next reader one
update's rendering, whatever the story's length."""

import asyncio
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import timeline as pages
from incidents.caching import forget_reader_pages
from incidents.models import Update
from tests.api_support import Api
from tests.timelines import add_updates

PER_PAGE = pages.UPDATES_PER_PAGE


def numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="update[^"]*" id="update-(\d+)"', html)]


def get(client, url, params=None, **headers):
    response = client.get(url, params or {}, headers=headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def long_story(story):
    return add_updates(story, 65)


# --- pages ------------------------------------------------------------------------------------


def test_newest_first_page_one_shows_the_newest_30_and_links_to_older_updates(client, long_story):
    html = get(client, long_story.get_absolute_url(), {"order": "newest"})

    assert numbers(html) == list(range(65, 35, -1))
    assert '<a rel="next" href="?order=newest&amp;page=2">Older updates →</a>' in html
    assert '<span class="timeline-pages__where">Page 1</span>' in html
    assert 'rel="prev"' not in html


def test_newest_first_older_pages_run_back_to_update_1(client, long_story):
    url = long_story.get_absolute_url()

    second = get(client, url, {"order": "newest", "page": "2"})
    last = get(client, url, {"order": "newest", "page": "3"})

    assert numbers(second) == list(range(35, 5, -1))
    assert '<a rel="prev" href="?order=newest&amp;page=1">← Newer updates</a>' in second
    assert numbers(last) == [5, 4, 3, 2, 1]
    assert 'rel="next"' not in last


def test_oldest_first_page_one_shows_the_first_30_and_links_to_newer_updates(client, long_story):
    url = long_story.get_absolute_url()

    first = get(client, url)
    last = get(client, url, {"page": "3"})

    assert numbers(first) == list(range(1, 31))
    assert '<a rel="next" href="?page=2">Newer updates →</a>' in first
    assert numbers(last) == list(range(61, 66))
    assert '<a rel="prev" href="?page=2">← Older updates</a>' in last


def test_a_short_story_has_one_page_and_no_page_links(client, story, editor):
    story.publish_update("Only one.", by=editor)

    html = get(client, story.get_absolute_url())

    assert numbers(html) == [1]
    assert "timeline-pages" not in html


@pytest.mark.parametrize("bad", ["0", "4", "-1", "two", "1.5", "", "9" * 30])
def test_a_page_that_does_not_exist_is_a_404(client, long_story, bad):
    response = client.get(long_story.get_absolute_url(), {"page": bad})

    assert response.status_code == 404


def test_page_last_is_the_last_page(client, long_story):
    assert numbers(get(client, long_story.get_absolute_url(), {"page": "last"})) == [
        61,
        62,
        63,
        64,
        65,
    ]


def test_the_pinned_update_is_the_summary_above_every_page_and_keeps_its_place(
    client, long_story, editor
):
    Update.objects.get(story=long_story, number=40).set_pinned(True, by=editor)
    url = long_story.get_absolute_url()

    first = get(client, url)
    second = get(client, url, {"page": "2"})

    assert numbers(first) == list(range(1, 31))
    assert numbers(second) == list(range(31, 61))  # 40 in its place
    for html in (first, second):
        summary = html[html.index('id="story-summary"') :][:1500]
        assert "<p>Update number 40.</p>" in summary and "UPDATE 40</a>" in summary


def test_only_the_page_with_the_newest_end_is_marked_live(client, long_story):
    url = long_story.get_absolute_url()

    assert "data-live-end" in get(client, url, {"order": "newest"})
    assert "data-live-end" not in get(client, url, {"order": "newest", "page": "2"})
    assert "data-live-end" in get(client, url, {"page": "3"})
    html = get(client, url)
    assert "data-live-end" not in html
    assert '<a href="?page=last">See the latest updates</a>' in html


# --- "Show older updates" through htmx ----------------------------------------------------------


def test_show_older_updates_is_an_htmx_link_that_keeps_its_href(client, long_story):
    html = get(client, long_story.get_absolute_url(), {"order": "newest"})

    assert re.search(
        r'<a class="button timeline-pages__more" href="\?order=newest&amp;page=2" '
        r'hx-get="\?order=newest&amp;page=2"[^>]*>Show older updates</a>',
        html,
    )


def test_htmx_asks_for_the_next_page_alone(client, long_story, editor):
    Update.objects.get(story=long_story, number=50).set_pinned(True, by=editor)
    url = long_story.get_absolute_url()

    response = client.get(url, {"order": "newest", "page": "2"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert numbers(html) == list(range(35, 5, -1))  # the pinned one (50) stays on page 1
    assert 'id="story-summary"' not in html
    assert 'hx-get="?order=newest&amp;page=3"' in html
    assert "<html" not in html and 'id="timeline"' not in html
    assert "HX-Request" in response["Vary"]


def test_the_htmx_answer_and_the_page_are_remembered_apart(client, long_story):
    url = long_story.get_absolute_url()
    params = {"order": "newest", "page": "2"}
    get(client, url, params, HX_Request="true")

    assert "<html" in get(client, url, params)
    assert "<html" not in get(client, url, params, HX_Request="true")


# --- permalinks -------------------------------------------------------------------------------


def test_a_permalink_redirects_to_the_page_that_holds_the_update(client, long_story):
    response = client.get(f"/stories/{long_story.slug}/updates/45/")

    assert response.status_code == 302
    assert response["Location"] == f"/stories/{long_story.slug}/?page=2#update-45"
    assert 45 in numbers(get(client, response["Location"].split("#")[0]))


def test_a_permalink_on_page_one_needs_no_page(client, long_story):
    response = client.get(f"/stories/{long_story.slug}/updates/3/")

    assert response.status_code == 302
    assert response["Location"] == f"/stories/{long_story.slug}/#update-3"


def test_a_permalink_follows_the_story_order_when_newest_first(client, long_story):
    long_story.reading_order = long_story.ReadingOrder.NEWEST
    long_story.save(update_fields=["reading_order"])

    response = client.get(f"/stories/{long_story.slug}/updates/3/")

    assert response.status_code == 302
    assert response["Location"] == f"/stories/{long_story.slug}/?page=3#update-3"


def test_a_backdated_update_is_found_where_its_time_puts_it(client, long_story, editor):
    from datetime import timedelta

    earliest = Update.objects.get(story=long_story, number=1).timestamp
    backdated = long_story.publish_update(
        "Seen earlier.", by=editor, timestamp=earliest - timedelta(minutes=1)
    )

    response = client.get(backdated.get_absolute_url())

    assert response["Location"] == f"/stories/{long_story.slug}/#update-66"
    assert numbers(get(client, long_story.get_absolute_url()))[0] == 66


def test_the_pinned_update_permalink_lands_on_the_page_where_it_sits(client, long_story, editor):
    Update.objects.get(story=long_story, number=60).set_pinned(True, by=editor)

    response = client.get(f"/stories/{long_story.slug}/updates/60/")

    assert response["Location"] == f"/stories/{long_story.slug}/?page=2#update-60"


def test_a_retracted_update_permalink_lands_on_its_notice(client, long_story, editor):
    Update.objects.get(story=long_story, number=50).retract("Not confirmed.", by=editor)

    response = client.get(f"/stories/{long_story.slug}/updates/50/")

    assert response["Location"] == f"/stories/{long_story.slug}/?page=2#update-50"
    html = get(client, response["Location"].split("#")[0])
    notice = html[html.index('id="update-50"') :][:800]
    assert "This update was retracted" in notice
    assert "Update number 50." not in notice


def test_drafts_unknown_numbers_and_draft_stories_have_no_permalink(client, long_story, editor):
    draft = long_story.save_draft("Not yet.", by=editor)
    long_story_url = f"/stories/{long_story.slug}/updates"

    assert client.get(f"{long_story_url}/66/").status_code == 404
    assert client.get(f"{long_story_url}/0/").status_code == 404
    assert draft.number is None
    long_story.set_state("draft", by=editor)
    assert client.get(f"{long_story_url}/1/").status_code == 404


def test_update_absolute_url_is_its_permalink(long_story):
    update = Update.objects.get(story=long_story, number=7)

    assert update.get_absolute_url() == f"/stories/{long_story.slug}/updates/7/"
    assert update.get_absolute_url() == reverse(
        "reader:update", kwargs={"slug": long_story.slug, "number": 7}
    )


def test_the_permalink_is_not_taken_for_the_poll_on_the_readers_path(settings):
    readers = re.compile(settings.READER_PATHS)

    assert readers.fullmatch("/stories/a-story/updates")
    assert not readers.fullmatch("/stories/a-story/updates/7/")


def test_feed_entries_link_to_permalinks(client, long_story):
    response = client.get(reverse("export:story_atom", kwargs={"slug": long_story.slug}))

    assert response.status_code == 200
    feed = response.content.decode()
    assert f'href="http://testserver/stories/{long_story.slug}/updates/65/"' in feed
    assert f"<id>http://testserver/stories/{long_story.slug}/#update-65</id>" in feed


# --- every update where a reader takes the whole story ----------------------------------------


def test_the_exports_hold_every_update(client, long_story):
    def export(fmt):
        url = reverse("export:story", kwargs={"slug": long_story.slug, "fmt": fmt})
        response = client.get(url)
        assert response.status_code == 200
        return response.content.decode()

    assert len(numbers(export("html"))) == 65
    markdown = export("md")
    assert all(f"UPDATE {n}" in markdown for n in (1, 31, 65))
    assert len(json.loads(export("json"))["story"]["updates"]) == 65


def test_the_api_holds_every_update(long_story, editor):
    response = Api(editor).get(f"/stories/{long_story.slug}")

    assert response.status_code == 200
    assert len(response.json()["updates"]) == 65


# --- what a page costs --------------------------------------------------------------------------


def page_one_queries(client, story) -> int:
    forget_reader_pages()
    with CaptureQueriesContext(connection) as queries:
        get(client, story.get_absolute_url(), {"order": "newest"})
    return len(queries.captured_queries)


def test_page_one_costs_the_same_queries_for_100_and_1000_updates(client, story, other_story):
    add_updates(story, 100)
    add_updates(other_story, 1000)

    assert page_one_queries(client, story) == page_one_queries(client, other_story)


def update_renders(client, url, params=None) -> list[str]:
    forget_reader_pages()  # a change makes every process render the page again
    response = client.get(url, params or {})
    assert response.status_code == 200
    return [t.name for t in response.templates].count("incidents/update.html")


def test_a_change_renders_only_the_changed_update_again(client, long_story, editor):
    url = long_story.get_absolute_url()
    newest = {"order": "newest"}
    assert update_renders(client, url, newest) == PER_PAGE
    assert update_renders(client, url, newest) == 0

    long_story.publish_update("A new one.", by=editor)
    assert update_renders(client, url, newest) == 1

    Update.objects.get(story=long_story, number=60).edit("Edited.", by=editor, expected_revision=1)
    assert update_renders(client, url, newest) == 1

    Update.objects.get(story=long_story, number=59).retract("Wrong.", by=editor)
    html = get(client, url, newest)
    assert "Edited." in html and "Update number 59." not in html
    assert update_renders(client, url, newest) == 0


def test_the_rendering_key_names_all_its_html_depends_on(long_story):
    from datetime import date

    update = Update.objects.get(story=long_story, number=1)
    today = date(2026, 11, 26)

    def key(**changes):
        for name, value in changes.items():
            setattr(update, name, value)
        return pages.update_cache_key(update, long_story, today, "v1")

    first = key()
    assert first.startswith(f"reader:update:{update.pk}:")
    seen = {first}
    for change in (
        {"revision": 2},
        {"state": Update.State.RETRACTED},
        {"pinned": True},
        {"key_event": True},
        {"status_label": "resolved"},
    ):
        seen.add(key(**change))
    long_story.timezone = "Europe/London"
    seen.add(key())
    seen.add(pages.update_cache_key(update, long_story, date(2026, 11, 27), "v1"))
    seen.add(pages.update_cache_key(update, long_story, date(2026, 11, 27), "v2"))
    assert len(seen) == 9


# --- under the ASGI server: the readers' short path -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_under_the_asgi_server_a_permalink_redirects_and_htmx_gets_its_page(asgi, long_story):
    permalink = asgi.open(f"/stories/{long_story.slug}/updates/45/")
    asgi.call(asyncio.wait_for(permalink._task, 5))
    older = asgi.open(f"/stories/{long_story.slug}/?order=newest&page=2", {"HX-Request": "true"})
    asgi.call(asyncio.wait_for(older._task, 5))

    assert permalink.status == 302
    assert permalink.headers["location"] == f"/stories/{long_story.slug}/?page=2#update-45"
    assert older.status == 200
    assert numbers(older.body.decode()) == list(range(35, 5, -1))
    assert "<html" not in older.body.decode()


def test_the_corrections_log_reads_the_story_corrections_not_its_updates(
    client, long_story, other_story, editor
):
    first = long_story.updates.get(number=1)
    first.edit(
        "Update 1, corrected.",
        by=editor,
        expected_revision=first.revision,
        is_correction=True,
        correction_note="The first figure was wrong.",
    )
    elsewhere = other_story.publish_update("Elsewhere.", by=editor)
    elsewhere.edit(
        "Elsewhere, corrected.",
        by=editor,
        expected_revision=elsewhere.revision,
        is_correction=True,
        correction_note="Another story's correction.",
    )

    page = get(client, long_story.get_absolute_url())  # asserts the 200

    assert "The first figure was wrong." in page
    assert "Another story&#x27;s correction." not in page
    if connection.vendor == "sqlite":  # PostgreSQL plans by its statistics of the tables
        plan = long_story.corrections().explain()
        assert "USING INDEX revision_correction (story_id=?)" in plan
        assert "incidents_update_story_id" not in plan
