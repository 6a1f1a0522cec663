"""Desk actions on the story itself: headline suffix and details, state, contributors."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Change, Contributor, Story
from tests.conftest import make_user

HTMX = {"HX-Request": "true"}


def details(story):
    return reverse("desk:details", args=[story.slug])


def state(story):
    return reverse("desk:state", args=[story.slug])


def test_editor_sets_the_headline_suffix_in_place(client, editor, story):
    client.force_login(editor)

    response = client.post(details(story), {"headline_suffix": "UPDATE: Restored"}, headers=HTMX)

    story.refresh_from_db()
    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<header class="desk-header" id="desk-header">')
    assert b"(UPDATE: Restored)" in response.content
    assert story.headline_suffix == "UPDATE: Restored"
    assert story.dek == "Messages fail to send for users everywhere."  # untouched
    assert Change.objects.filter(story=story, kind=Change.Kind.STORY).count() == 2  # live + this
    assert b"(UPDATE: Restored)" in client.get(story.get_absolute_url()).content
    # The editor's own change is not announced to their desk as a colleague's.
    assert (
        f'?since={story.sequence}" hx-trigger="every 10s, desk:changed"'.encode()
        in response.content
    )


def test_editor_changes_headline_dek_and_intro(client, editor, story):
    client.force_login(editor)

    response = client.post(
        details(story), {"headline": "Chat Back Up", "dek": "Fixed.", "intro": "*Over*"}
    )

    story.refresh_from_db()
    assert response.status_code == 302
    assert (story.headline, story.dek, story.intro_html) == (
        "Chat Back Up",
        "Fixed.",
        "<p><em>Over</em></p>",
    )


def test_too_long_suffix_is_refused_by_its_box(client, editor, story):
    client.force_login(editor)

    response = client.post(details(story), {"headline_suffix": "x" * 101}, headers=HTMX)

    assert response.status_code == 400
    assert b"Ensure this value has at most 100 characters" in response.content
    story.refresh_from_db()
    assert story.headline_suffix == ""


def test_empty_headline_is_refused_on_its_field(client, editor, story):
    client.force_login(editor)

    response = client.post(details(story), {"headline": "", "dek": ""}, headers=HTMX)

    assert response.status_code == 400
    assert b"This field is required." in response.content
    assert b'<details class="desk-header__details" open>' in response.content
    story.refresh_from_db()
    assert story.headline == "Chat Service Suffers Global Outage"
    assert story.dek  # nothing half-saved


def test_details_with_nothing_to_change_is_refused(client, editor, story):
    client.force_login(editor)

    response = client.post(details(story), {}, headers=HTMX)

    assert response.status_code == 400
    assert b"Nothing to change" in response.content


@pytest.mark.parametrize("who", ["reporter", "outsider"])
def test_only_editors_change_story_details(client, request, who, story):
    client.force_login(request.getfixturevalue(who))

    response = client.post(details(story), {"headline_suffix": "Mine"})

    assert response.status_code == 403
    story.refresh_from_db()
    assert story.headline_suffix == ""


def test_editor_ends_live_coverage(client, editor, story):
    client.force_login(editor)

    response = client.post(state(story), {"state": "ended"}, headers=HTMX)

    story.refresh_from_db()
    assert response.status_code == 200
    assert b"Live coverage has ended." in response.content
    assert b"Reopen live coverage" in response.content
    assert story.state == Story.State.ENDED and story.ended_at
    assert b"Live coverage has ended" in client.get(story.get_absolute_url()).content


def test_end_live_coverage_asks_for_confirmation(client, editor, story):
    client.force_login(editor)

    html = client.get(reverse("desk:story", args=[story.slug])).content.decode()

    assert 'hx-confirm="End live coverage?' in html
    assert "End live coverage</button>" in html


def test_editor_takes_a_draft_story_live_and_reopens_an_ended_one(client, editor):
    from tests.conftest import make_story

    story = make_story(headline="Quiet", state=Story.State.DRAFT)
    client.force_login(editor)

    client.post(state(story), {"state": "live"})
    story.refresh_from_db()
    assert story.is_live and story.published_at

    client.post(state(story), {"state": "ended"})
    client.post(state(story), {"state": "live"})
    story.refresh_from_db()
    assert story.is_live and story.ended_at is None


def test_unknown_state_is_refused(client, editor, story):
    client.force_login(editor)

    response = client.post(state(story), {"state": "exploded"}, headers=HTMX)

    assert response.status_code == 400
    assert b"State must be one of" in response.content
    story.refresh_from_db()
    assert story.is_live


def test_ending_twice_changes_nothing(client, editor, story):
    client.force_login(editor)
    client.post(state(story), {"state": "ended"})
    before = Change.objects.filter(story=story).count()

    response = client.post(state(story), {"state": "ended"})

    assert response.status_code == 302
    assert Change.objects.filter(story=story).count() == before


@pytest.mark.parametrize("who", ["reporter", "outsider"])
def test_only_editors_change_the_state(client, request, who, story):
    client.force_login(request.getfixturevalue(who))

    assert client.post(state(story), {"state": "ended"}).status_code == 403
    story.refresh_from_db()
    assert story.is_live


# --- contributors ---------------------------------------------------------------------------


def test_editor_adds_a_contributor_who_can_then_open_the_desk(client, editor, story):
    newcomer = make_user("nia", first_name="Nia")
    client.force_login(editor)

    response = client.post(
        reverse("desk:add_contributor", args=[story.slug]), {"user": newcomer.pk}, headers=HTMX
    )

    assert response.status_code == 200
    assert b"Nia can now work on this story." in response.content
    assert Contributor.objects.get(story=story, user=newcomer).can_publish is False
    client.force_login(newcomer)
    assert client.get(reverse("desk:story", args=[story.slug])).status_code == 200


def test_adding_someone_already_on_the_story_is_refused(client, editor, reporter, story):
    client.force_login(editor)

    response = client.post(
        reverse("desk:add_contributor", args=[story.slug]), {"user": reporter.pk}, headers=HTMX
    )

    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert Contributor.objects.filter(story=story, user=reporter).count() == 1


def test_editor_allows_and_withdraws_publishing(client, editor, reporter, story):
    contributor = Contributor.objects.get(user=reporter)
    client.force_login(editor)
    toggle = reverse("desk:contributor_publishing", args=[story.slug, contributor.pk])

    response = client.post(toggle, {"can_publish": "1"}, headers=HTMX)
    contributor.refresh_from_db()
    assert b"Rory Reporter may now publish on this story." in response.content
    assert contributor.can_publish
    assert story.can_publish(reporter)

    client.post(toggle, {"can_publish": "0"})
    contributor.refresh_from_db()
    assert not contributor.can_publish


def test_editor_removes_a_contributor_who_then_gets_403(client, editor, reporter, story):
    contributor = Contributor.objects.get(user=reporter)
    client.force_login(editor)

    client.post(reverse("desk:remove_contributor", args=[story.slug, contributor.pk]))

    assert not Contributor.objects.filter(pk=contributor.pk).exists()
    client.force_login(reporter)
    assert client.get(reverse("desk:story", args=[story.slug])).status_code == 403


def test_contributor_of_another_story_cannot_be_changed_from_this_desk(
    client, editor, outsider, story
):
    theirs = Contributor.objects.get(user=outsider)
    client.force_login(editor)

    response = client.post(
        reverse("desk:contributor_publishing", args=[story.slug, theirs.pk]), {"can_publish": "0"}
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.can_publish


@pytest.mark.parametrize("who", ["reporter", "outsider"])
def test_only_editors_manage_contributors(client, request, who, story):
    user = request.getfixturevalue(who)
    client.force_login(user)

    response = client.post(reverse("desk:add_contributor", args=[story.slug]), {"user": user.pk})

    assert response.status_code == 403
    assert not Contributor.objects.filter(story=story, user=user, can_publish=True).exists()


@pytest.mark.parametrize("action", ["contributor_publishing", "remove_contributor"])
def test_a_reporter_cannot_change_contributors(client, reporter, story, action):
    contributor = Contributor.objects.get(user=reporter)
    client.force_login(reporter)

    response = client.post(
        reverse(f"desk:{action}", args=[story.slug, contributor.pk]), {"can_publish": "1"}
    )

    assert response.status_code == 403
    assert b"Only editors can do that." in response.content
    contributor.refresh_from_db()
    assert not contributor.can_publish


def test_more_tags_than_the_model_allows_are_refused_on_the_tags_field(client, editor, story):
    client.force_login(editor)
    tags = ", ".join(f"Tag {n}" for n in range(Story.MAX_TAGS + 1))

    response = client.post(
        details(story), {"headline": story.headline, "tags_text": tags}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert f"A story has at most {Story.MAX_TAGS} tags." in html
    assert html.index("A story has at most") > html.index('name="tags_text"')  # by its box
    assert sorted(story.tags.values_list("name", flat=True)) == ["Chat", "Outages"]


def test_reporter_does_not_see_editor_panels(client, reporter, story):
    client.force_login(reporter)

    response = client.get(reverse("desk:story", args=[story.slug]))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<section class="compose" id="compose"' in html  # the reporter's own desk, drawn
    assert "You write drafts on this story; an editor publishes them." in html
    assert "Contributors" not in html
    assert "Reader suggestions" not in html
    assert "End live coverage" not in html


# --- colleagues' changes -------------------------------------------------------------------


def test_desk_hears_of_colleagues_changes(client, editor, story):
    client.force_login(editor)
    since = story.sequence
    url = reverse("desk:changes", args=[story.slug])

    quiet = client.get(url, {"since": since}, headers=HTMX)
    story.publish_update("From a colleague", by=make_user("ed2", editor=True))
    busy = client.get(url, {"since": since}, headers=HTMX)

    assert b"changed since" not in quiet.content
    assert b"This story changed since your timeline was drawn (1 change)" in busy.content
    timeline = client.get(reverse("desk:timeline", args=[story.slug]), headers=HTMX)
    assert b"From a colleague" in timeline.content


def test_changes_poll_survives_junk(client, editor, story):
    client.force_login(editor)

    response = client.get(reverse("desk:changes", args=[story.slug]), {"since": "abc"})

    assert response.status_code == 200


def test_changes_poll_is_not_for_outsiders(client, outsider, story):
    client.force_login(outsider)

    assert client.get(reverse("desk:changes", args=[story.slug])).status_code == 403


def test_editor_changes_tags_and_bylines_later(client, editor, story):
    client.force_login(editor)

    response = client.post(
        details(story),
        {
            "headline": story.headline,
            "tags_text": "Outages, Messaging",
            "bylines_text": "Dana Reyes, Technology Editor\nSam Ortiz, Reporter",
        },
        headers=HTMX,
    )

    assert response.status_code == 200
    assert sorted(story.tags.values_list("name", flat=True)) == ["Messaging", "Outages"]
    assert list(story.bylines.values_list("name", "title")) == [
        ("Dana Reyes", "Technology Editor"),
        ("Sam Ortiz", "Reporter"),
    ]
    page = client.get(story.get_absolute_url()).content.decode()
    assert '<li><a href="/tags/messaging/">Messaging</a></li>' in page and "Sam Ortiz" in page


def test_the_details_form_shows_the_current_tags_and_bylines(client, editor, story):
    client.force_login(editor)

    page = client.get(reverse("desk:story", args=[story.slug])).content.decode()

    assert 'value="Chat, Outages"' in page
    assert "Dana Reyes, Technology Editor</textarea>" in page


def test_a_byline_without_a_name_is_refused_and_nothing_changes(client, editor, story):
    client.force_login(editor)

    response = client.post(
        details(story),
        {"headline": "Changed headline", "tags_text": "New", "bylines_text": ", Editor"},
        headers=HTMX,
    )

    assert response.status_code == 400
    assert b"Line 1 needs a name before the comma." in response.content
    story.refresh_from_db()
    assert story.headline == "Chat Service Suffers Global Outage"
    assert list(story.tags.values_list("name", flat=True)) == ["Chat", "Outages"]


# --- each htmx answer is one region ----------------------------------------------------------


def tables_read(queries) -> set[str]:
    return {table for q in queries for table in re.findall(r'FROM "(\w+)"', q["sql"])}


@pytest.mark.parametrize(
    ("action", "data", "region"),
    [
        ("details", {"headline_suffix": "UPDATE: Restored"}, '<header class="desk-header"'),
        ("state", {"state": "ended"}, '<header class="desk-header"'),
        ("add_contributor", None, '<section class="desk-panel" id="contributors"'),
        ("contributor_publishing", {"can_publish": "1"}, '<section class="desk-panel" id="cont'),
        ("remove_contributor", {}, '<section class="desk-panel" id="contributors"'),
    ],
)
def test_an_htmx_answer_reads_only_what_its_region_shows(
    client, editor, reporter, story, action, data, region
):
    story.publish_update("On the timeline", by=editor)
    newcomer = make_user("nia", first_name="Nia")
    args = [story.slug]
    if action in ("contributor_publishing", "remove_contributor"):
        args.append(Contributor.objects.get(user=reporter).pk)
    client.force_login(editor)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse(f"desk:{action}", args=args), data or {"user": newcomer.pk}, headers=HTMX
        )

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith(region)
    read = tables_read(queries)
    assert "incidents_story" in read
    # Neither the timeline nor the reader suggestions are rebuilt for a header or a panel.
    assert not read & {"incidents_update", "incidents_correctionsuggestion"}
    if "contributor" in action:
        assert not read & {"incidents_tag", "incidents_byline"}  # nor the details form
