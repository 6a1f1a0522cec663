"""A new user recreates the seed article (/work/shared/reference/seed-article.txt) through the JSON
API alone, then readers see it whole on the article page and in the export."""

import re

import pytest
from django.test import Client

from tests.api_support import Api

INTRO = """First Gchat, now Twitter... What's happening with the Internet today?!

This morning we reported that [Google Talk, better known as Gchat](https://example.com/gchat), \
was experiencing a global outage. By 11:40 a.m., Twitter users were noticing service issues.

When we tried accessing Twitter.com on Google Chrome, we received an error message telling us \
that “The connection to twitter.com was interrupted.” [According to the website \
downforeveryoneorjustme.com](https://example.com/down), many users are unable to reach the site."""

UPDATES = [
    (
        "2012-07-26T11:52:00",
        "“Users may be experiencing issues accessing Twitter,” [Twitter has written on its "
        "service status webpage](https://example.com/status). “Our engineers are currently "
        "working to resolve the issue.”",
    ),
    (
        "2012-07-26T12:05:00",
        "Though the mobile version of Twitter isn't working for us (on the iPhone), The Verge "
        "notes that [it has successfully tweeted though Twitter's mobile site]"
        "(https://example.com/verge). So anxious Twitterers, try and ply your blitherings there.",
    ),
    (
        "2012-07-26T12:20:00",
        "We should note that today makes for the second major Twitter blackout this past year. "
        "[In June, the site was downed](https://example.com/june) by a “a cascaded bug in one of "
        "our infrastructure components,” according to a tweet from the company.",
    ),
    (
        "2012-07-26T12:45:00",
        "Twitter appears to be back up, for us at least. [(As well as TechCrunch.)]"
        "(https://example.com/techcrunch) Both mobile and the normal web version are loading "
        "for us, and we were successfully able to tweet.",
    ),
    (
        "2012-07-26T14:00:00",
        "At about 2 p.m. ET, Twitter issued an apology for the morning outage. [The company "
        "explains:](https://example.com/apology)\n\n"
        "> The cause of today's outage came from within our data centers. Data centers are "
        "designed to be redundant: when one system fails (as everything does at one time or "
        "another), a parallel system takes over.\n\n"
        "So it wasn't because of high tweet volume from the Olympics. Phew.",
    ),
]


@pytest.fixture
def newcomer_api(db):
    from tests.conftest import make_user

    return Api(make_user("newcomer", editor=True, first_name="Nia", last_name="Newcomer"))


def test_seed_article_recreated_through_the_api_alone(newcomer_api):
    api = newcomer_api
    created = api.post(
        "/stories",
        {
            "headline": "Twitter Down After Gchat Blackout On July 26",
            "intro": INTRO,
            "timezone": "America/New_York",
            "tags": ["Twitter", "Technology", "Google", "Gchat"],
            "bylines": [{"name": "Dino Grandoni", "title": "Technology Editor, HuffPost Tech"}],
            "state": "live",
        },
    )
    assert created.status_code == 201, created.content
    slug = created.json()["slug"]

    for timestamp, body in UPDATES:
        response = api.post(f"/stories/{slug}/updates", {"body": body, "timestamp": timestamp})
        assert response.status_code == 201, response.content
    suffix = api.patch(f"/stories/{slug}", {"headline_suffix": "UPDATE: It's Back"})
    assert suffix.status_code == 200

    story = api.get(f"/stories/{slug}").json()
    assert [u["number"] for u in story["updates"]] == [1, 2, 3, 4, 5]
    assert story["updates"][4]["timestamp"] == "2012-07-26T14:00:00-04:00"

    page = Client().get(f"/stories/{slug}/")
    assert page.status_code == 200
    html = page.content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Twitter Down After Gchat Blackout On July 26" in html
    assert "(UPDATE: It&#x27;s Back)" in html
    assert "Dino Grandoni" in html and "Technology Editor, HuffPost Tech" in html
    assert "This post has been updated." in html
    assert "Google Talk, better known as Gchat" in html
    for number in range(1, 6):
        assert f'id="update-{number}"' in html
        assert f"UPDATE {number}" in text
    assert "11:52 a.m. ET" in text and "2 p.m. ET" in text
    assert "<blockquote>" in html and "parallel system takes over" in html
    assert html.count('href="https://example.com/') >= 7
    for tag in ("Twitter", "Technology", "Google", "Gchat"):
        assert f'<li><a href="/tags/{tag.lower()}/">{tag}</a></li>' in html
    assert "Suggest a correction" in html

    export = Client().get(story["export_url"].removeprefix("http://testserver"))
    assert export.status_code == 200
    exported = export.content.decode()
    assert "UPDATE: It&#x27;s Back" in exported or "UPDATE: It's Back" in exported
    assert "parallel system takes over" in exported and 'id="update-5"' in exported
