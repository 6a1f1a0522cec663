"""The live article tells search engines what it is: schema.org LiveBlogPosting JSON-LD with its
coverage times and newest updates (issue 14, item 6), as current as the page."""

import json
import re
from datetime import timedelta

from django.utils.timezone import now

from incidents.json_ld import LIVE_JSON_LD_UPDATES
from incidents.models import Story
from tests.conftest import make_story

LD_SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def article_json_ld(client, story) -> dict:
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    scripts = LD_SCRIPT.findall(response.content.decode())
    assert len(scripts) == 1
    return json.loads(scripts[0])


def test_a_live_article_is_a_live_blog_posting_with_its_coverage_start(client, editor):
    story = make_story(headline="Checkout Is Down", dek="Payments fail across Europe")
    story.publish_update("Engineers are looking into it.", by=editor)

    data = article_json_ld(client, story)

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "LiveBlogPosting"
    assert data["headline"] == "Checkout Is Down"
    assert data["description"] == "Payments fail across Europe"
    assert data["url"] == f"http://testserver/stories/{story.slug}/"
    assert data["coverageStartTime"] == story.published_at.isoformat(timespec="seconds")
    assert "coverageEndTime" not in data
    [update] = data["liveBlogUpdate"]
    assert update["headline"] == "UPDATE 1"
    assert update["articleBody"] == "Engineers are looking into it."
    assert update["url"].startswith("http://testserver/stories/checkout-is-down/")
    assert update["url"].endswith("update-1") or update["url"].endswith("/updates/1/")


def test_ended_coverage_carries_its_end_time(client, editor):
    story = make_story()
    story.publish_update("Resolved.", by=editor)
    story.end_coverage(by=editor)
    story.refresh_from_db()

    data = article_json_ld(client, story)

    assert data["coverageEndTime"] == story.ended_at.isoformat(timespec="seconds")


def test_it_lists_the_newest_updates_newest_first_without_drafts_or_retracted_text(client, editor):
    story = make_story()
    start = now() - timedelta(hours=5)
    for number in range(1, LIVE_JSON_LD_UPDATES + 3):
        story.publish_update(
            f"Update text {number}.", by=editor, timestamp=start + timedelta(minutes=number)
        )
    story.updates.get(number=LIVE_JSON_LD_UPDATES + 2).retract("Wrong figure", by=editor)
    story.save_draft("A secret draft.", by=editor)

    data = article_json_ld(client, story)

    headlines = [update["headline"] for update in data["liveBlogUpdate"]]
    assert len(headlines) == LIVE_JSON_LD_UPDATES
    assert headlines[0] == f"UPDATE {LIVE_JSON_LD_UPDATES + 2} (retracted)"
    assert headlines[1:3] == [
        f"UPDATE {LIVE_JSON_LD_UPDATES + 1}",
        f"UPDATE {LIVE_JSON_LD_UPDATES}",
    ]
    bodies = " ".join(update["articleBody"] for update in data["liveBlogUpdate"])
    assert "This update was retracted: Wrong figure" in bodies
    assert f"Update text {LIVE_JSON_LD_UPDATES + 2}." not in bodies
    assert "A secret draft." not in bodies


def test_a_new_update_is_in_the_json_ld_of_the_next_page_served(client, editor):
    story = make_story()
    story.publish_update("First.", by=editor)
    assert len(article_json_ld(client, story)["liveBlogUpdate"]) == 1

    story.publish_update("Second.", by=editor)

    assert article_json_ld(client, story)["liveBlogUpdate"][0]["articleBody"] == "Second."


def test_story_text_cannot_break_out_of_the_json_ld_script(client, editor):
    story = make_story(headline="Outage </script><script>alert(1)</script>")
    story.publish_update("Body with </script> & <!-- a comment", by=editor)

    response = client.get(story.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    [script] = LD_SCRIPT.findall(html)
    assert "<" not in script and ">" not in script and "&" not in script
    assert json.loads(script)["headline"] == "Outage </script><script>alert(1)</script>"


def test_a_draft_story_has_no_public_article_to_describe(client, editor):
    story = make_story(state=Story.State.DRAFT)

    assert client.get(story.get_absolute_url()).status_code == 404
