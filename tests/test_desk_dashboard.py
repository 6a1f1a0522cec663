"""The dashboard: each user's stories by state, and the editor's form to start a story."""

import pytest
from django.urls import reverse

from incidents.models import Byline, Contributor, CorrectionSuggestion, Story
from tests.conftest import make_story, make_user

HTMX = {"HX-Request": "true"}
CREATE = "/newsroom/stories/new/"


def new_story(**overrides):
    data = {
        "headline": "Bridge Closed After Ship Strike",
        "slug": "",
        "dek": "Traffic diverted for miles.",
        "intro": "",
        "timezone": "America/Chicago",
        "headline_suffix": "",
        "tags_text": "Transport, Breaking",
        "bylines_text": "Dana Reyes, Transport Reporter\nSam Ito",
        "go_live": "on",
    }
    data.update(overrides)
    return data


def test_dashboard_lists_live_draft_and_ended_stories(client, editor):
    make_story(headline="Live One")
    make_story(headline="Draft One", state=Story.State.DRAFT)
    make_story(headline="Ended One", state=Story.State.ENDED)
    client.force_login(editor)

    html = client.get("/newsroom/").content.decode()

    live, drafts, ended = html.index("Live now"), html.index("Drafts"), html.index("Ended <")
    assert live < html.index("Live One") < drafts < html.index("Draft One") < ended
    assert ended < html.index("Ended One")


def test_reporter_sees_only_the_stories_they_work_on(client, reporter, story, other_story):
    client.force_login(reporter)

    html = client.get("/newsroom/").content.decode()

    assert story.headline in html
    assert other_story.headline not in html
    assert "Start a story" not in html


def test_dashboard_counts_open_reader_suggestions_for_editors(client, editor, story):
    CorrectionSuggestion.objects.create(story=story, message="The time is wrong")
    client.force_login(editor)

    assert b"1 reader suggestion" in client.get("/newsroom/").content


def test_editor_creates_a_story_with_tags_bylines_and_contributors(client, editor):
    reporter = make_user("rory")
    client.force_login(editor)

    response = client.post(CREATE, new_story(contributors=[reporter.pk]))

    story = Story.objects.get(slug="bridge-closed-after-ship-strike")
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:story", args=[story.slug])
    assert story.state == Story.State.LIVE
    assert story.created_by == editor
    assert story.timezone == "America/Chicago"
    assert sorted(t.name for t in story.tags.all()) == ["Breaking", "Transport"]
    assert [(b.name, b.title) for b in story.bylines.all()] == [
        ("Dana Reyes", "Transport Reporter"),
        ("Sam Ito", ""),
    ]
    contributor = Contributor.objects.get(story=story)
    assert contributor.user == reporter and not contributor.can_publish


@pytest.mark.parametrize("chosen", ["99999999999999999999999", "-99999999999999999999999"])
def test_a_contributor_id_beyond_any_number_is_refused_on_its_field(client, editor, chosen):
    client.force_login(editor)

    response = client.post(CREATE, new_story(contributors=[chosen]))

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Story.objects.filter(slug="bridge-closed-after-ship-strike").exists()


def test_create_by_htmx_redirects_the_client_to_the_new_desk(client, editor):
    client.force_login(editor)

    response = client.post(CREATE, new_story(slug="bridge"), headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("desk:story", args=["bridge"])


def test_unticked_go_live_keeps_the_story_a_draft(client, editor):
    client.force_login(editor)

    client.post(CREATE, new_story(go_live=""))

    assert Story.objects.get().state == Story.State.DRAFT


def test_invalid_story_form_comes_back_in_place_with_field_errors(client, editor, story):
    client.force_login(editor)

    response = client.post(
        CREATE, new_story(headline="", slug=story.slug, timezone="Mars/Olympus"), headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert html.lstrip().startswith('<form method="post" action="/newsroom/stories/new/"')
    assert "This field is required." in html
    assert "Another story already uses this slug." in html
    assert "is not a known IANA timezone" in html
    assert Story.objects.count() == 1


def test_invalid_story_form_without_javascript_redraws_the_dashboard(client, editor):
    client.force_login(editor)

    response = client.post(CREATE, new_story(bylines_text=", No name"))

    assert response.status_code == 400
    assert b"Line 1 needs a name before the comma." in response.content
    assert b"Live now" in response.content
    assert not Story.objects.exists()


def test_slug_is_proposed_from_the_headline(client, editor):
    client.force_login(editor)

    client.post(CREATE, new_story(headline="Café Fire: Crews On Scene", slug=""))

    assert Story.objects.get().slug == "cafe-fire-crews-on-scene"


def test_reporter_cannot_create_a_story(client, reporter):
    client.force_login(reporter)

    response = client.post(CREATE, new_story())

    assert response.status_code == 403
    assert not Story.objects.filter(slug="bridge-closed-after-ship-strike").exists()


def test_anonymous_cannot_create_a_story(client, db):
    response = client.post(CREATE, new_story())

    assert response.status_code == 302
    assert not Story.objects.exists()


def test_create_form_offers_reporters_not_editors_as_contributors(client, editor):
    make_user("rory", first_name="Rory", last_name="Reporter")
    make_user("ed2", editor=True)
    client.force_login(editor)

    html = client.get("/newsroom/").content.decode()

    assert "Rory Reporter (rory)" in html
    assert "(ed2)" not in html


def test_get_on_create_is_not_allowed(client, editor):
    client.force_login(editor)

    assert client.get(CREATE).status_code == 405


def test_bylines_are_not_duplicated_for_an_empty_list(client, editor):
    client.force_login(editor)

    client.post(CREATE, new_story(bylines_text=""))

    assert not Byline.objects.exists()


def test_every_label_on_the_new_story_form_names_a_control(client, editor):
    """The "Contributors" label pointed at the boxes' wrapper, not at a control; a group of
    boxes is named by its fieldset's legend instead."""
    import re

    make_user("rory", first_name="Rory", last_name="Reporter")
    client.force_login(editor)
    response = client.get(reverse("desk:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    form = page[page.index('id="new-story"') : page.index("</form>", page.index('id="new-story"'))]

    controls = set(re.findall(r'<(?:input|select|textarea)\b[^>]*\bid="([^"]+)"', form))
    labelled = re.findall(r'<label for="([^"]*)"', form)
    assert "id_new_headline" in labelled
    assert set(labelled) <= controls
    assert re.search(r'<fieldset class="field field--group field--contributors"[^>]*>\s*'
                     r"<legend>Contributors</legend>", form)  # fmt: skip
    assert 'name="contributors"' in form
