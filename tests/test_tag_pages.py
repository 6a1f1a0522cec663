"""Tag pages and pages of stories (issue 12): the tags under "More:" lead to a page of that tag's
public stories, live first; the front page and tag pages run over pages with plain links; a page
that does not exist is a 404; anonymous pages stay cacheable with no cookie. In the export, a tag
links to the site only when the site's address is known."""

from datetime import timedelta

import pytest
from django.utils.timezone import now

from incidents.export import export_html
from incidents.models import Story, Tag
from incidents.paging import STORIES_PER_PAGE
from tests.conftest import make_story


def tagged(headline: str, *tags: str, state=Story.State.LIVE, updated_days_ago: int = 0) -> Story:
    story = make_story(headline=headline, state=state)
    story.tags.set(Tag.from_names(tags))
    Story.objects.filter(pk=story.pk).update(
        last_updated_at=now() - timedelta(days=updated_days_ago)
    )
    return story


def headlines(response) -> list[str]:
    return [story.headline for story in response.context["stories"]]


def test_tags_under_more_link_to_their_pages(client, story):
    response = client.get(story.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="/tags/outages/">Outages</a>' in html
    assert '<a href="/tags/chat/">Chat</a>' in html


def test_a_tag_page_lists_its_public_stories_live_first_then_by_last_update(client, db):
    tagged("Old Ended Outage", "Outages", state=Story.State.ENDED, updated_days_ago=9)
    tagged("Recent Ended Outage", "Outages", state=Story.State.ENDED, updated_days_ago=1)
    tagged("Quiet Live Outage", "Outages", updated_days_ago=5)
    tagged("Busy Live Outage", "Outages", updated_days_ago=0)
    tagged("Rail Strike", "Transport")
    tagged("Secret Outage Draft", "Outages", state=Story.State.DRAFT)

    response = client.get("/tags/outages/")

    assert response.status_code == 200
    assert "Stories tagged" in response.content.decode()
    assert headlines(response) == [
        "Busy Live Outage",
        "Quiet Live Outage",
        "Recent Ended Outage",
        "Old Ended Outage",
    ]
    assert "Secret Outage Draft" not in response.content.decode()


def test_a_tag_only_draft_stories_carry_is_not_public(client, db):
    tagged("Acme Buys Initech", "Acquisitions", state=Story.State.DRAFT)
    tagged("Chat Outage", "Outages")

    assert client.get("/tags/outages/").status_code == 200
    assert client.get("/tags/acquisitions/").status_code == 404


def test_an_unknown_tag_is_not_found(client, story):
    response = client.get("/tags/no-such-tag/")

    assert response.status_code == 404
    assert "couldn’t find that page" in response.content.decode()


def test_a_tag_page_is_cacheable_and_sets_no_cookie(client, story):
    response = client.get("/tags/outages/")

    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    assert response.has_header("ETag")
    assert response.cookies == {}
    assert client.get("/tags/outages/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_the_front_page_runs_over_pages_with_plain_links(client, db):
    for n in range(STORIES_PER_PAGE + 2):
        tagged(f"Story number {n:02d}", "Everything", updated_days_ago=n)

    first = client.get("/")
    second = client.get("/", {"page": "2"})

    assert first.status_code == 200
    assert len(headlines(first)) == STORIES_PER_PAGE
    assert headlines(first)[0] == "Story number 00"
    assert 'href="?page=2"' in first.content.decode()
    assert "Page 1 of 2" in first.content.decode()
    assert second.status_code == 200
    assert headlines(second) == ["Story number 20", "Story number 21"]
    assert 'href="?page=1"' in second.content.decode()
    assert "public" in second["Cache-Control"] and second.cookies == {}


def test_a_tag_page_runs_over_pages(client, db):
    for n in range(STORIES_PER_PAGE + 1):
        tagged(f"Tagged story {n:02d}", "Outages", updated_days_ago=n)

    second = client.get("/tags/outages/", {"page": "2"})

    assert second.status_code == 200
    assert headlines(second) == ["Tagged story 20"]
    assert "Page 2 of 2" in second.content.decode()


def test_stories_updated_at_the_same_moment_never_fall_between_pages(client, db):
    for n in range(STORIES_PER_PAGE + 5):
        tagged(f"Same moment {n:02d}", "Outages")
    Story.objects.update(last_updated_at=now())

    first, second = (client.get("/", {"page": page}) for page in ("1", "2"))

    assert first.status_code == second.status_code == 200
    seen = headlines(first) + headlines(second)
    assert sorted(seen) == sorted(f"Same moment {n:02d}" for n in range(STORIES_PER_PAGE + 5))


@pytest.mark.parametrize("page", ["2", "0", "-1", "last", "1.5", "1e400", "9" * 30, ""])
@pytest.mark.parametrize("address", ["/", "/tags/outages/"])
def test_a_page_that_does_not_exist_is_a_404(client, story, address, page):
    response = client.get(address, {"page": page})

    assert response.status_code == 404
    assert "couldn’t find that page" in response.content.decode()


def test_the_front_page_with_no_stories_is_page_one(client, db):
    response = client.get("/")

    assert response.status_code == 200
    assert "No live coverage right now." in response.content.decode()
    assert 'class="pagination"' not in response.content.decode()


# --- the export ---------------------------------------------------------------------------------


def test_an_export_links_tags_to_the_site_when_its_address_is_known(story):
    html = export_html(story, base_url="https://news.example.com/")

    assert '<a href="https://news.example.com/tags/outages/">Outages</a>' in html


def test_an_export_without_the_sites_address_names_tags_without_links(story, settings):
    settings.SITE_URL = ""

    html = export_html(story)

    assert "<li>Outages</li>" in html
    assert 'href="/tags/' not in html
