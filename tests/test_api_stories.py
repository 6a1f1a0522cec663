"""GET/POST /api/v1/stories and GET/PATCH /api/v1/stories/<slug>."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse

from incidents.api import representation
from incidents.models import Byline, Change, Story, Tag
from tests.api_support import Api, error_of
from tests.conftest import make_story

STORY_FIELDS = {
    "slug", "headline", "headline_suffix", "full_headline", "dek", "intro", "intro_html", "state",
    "timezone", "reading_order",
    "tags", "bylines", "created_at", "published_at", "last_updated_at", "ended_at", "url",
    "feed_url", "export_url", "api_url",
}  # fmt: skip


# --- reading ----------------------------------------------------------------------------------


def test_story_shows_every_documented_field(editor, story):
    story.publish_update("First word from the desk.", by=editor)

    response = Api(editor).get(f"/stories/{story.slug}")

    assert response.status_code == 200
    data = response.json()
    assert set(data) == STORY_FIELDS | {"updates"}
    assert data["headline"] == "Chat Service Suffers Global Outage"
    assert data["state"] == "live"
    assert data["tags"] == ["Chat", "Outages"]
    assert data["bylines"] == [{"name": "Dana Reyes", "title": "Technology Editor"}]
    assert data["url"] == f"http://testserver/stories/{story.slug}/"
    assert data["export_url"] == f"http://testserver/stories/{story.slug}/export.html"
    assert data["feed_url"] == f"http://testserver/stories/{story.slug}/feed.atom"
    assert "<strong>trouble</strong>" in data["intro_html"]
    assert [u["number"] for u in data["updates"]] == [1]


def test_story_lists_drafts_after_numbered_updates(editor, story):
    story.save_draft("Not yet", by=editor)
    story.publish_update("First", by=editor)

    updates = Api(editor).get(f"/stories/{story.slug}").json()["updates"]

    assert [(u["number"], u["state"]) for u in updates] == [(1, "published"), (None, "draft")]
    assert updates[1]["url"] is None


def test_unknown_slug_is_json_404(editor):
    response = Api(editor).get("/stories/no-such-story")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_list_filters_by_state_and_pages(editor, story, other_story):
    make_story(headline="Quiet Draft", state=Story.State.DRAFT)
    api = Api(editor)

    drafts = api.get("/stories", {"state": "draft"}).json()
    page = api.get("/stories", {"limit": 1, "offset": 1}).json()

    assert [s["slug"] for s in drafts["stories"]] == ["quiet-draft"]
    assert page["total"] == 3 and page["limit"] == 1 and page["offset"] == 1
    assert len(page["stories"]) == 1
    assert "updates" not in page["stories"][0]


def test_list_rejects_bad_paging_parameters(editor):
    api = Api(editor)

    for params in (
        {"limit": "0"},
        {"limit": "many"},
        {"offset": "-1"},
        {"offset": "9" * 5000},
        {"state": "gone"},
    ):
        response = api.get("/stories", params)
        assert response.status_code == 400, params
        assert set(error_of(response)["fields"]) == set(params)


# --- creating ---------------------------------------------------------------------------------


def test_editor_creates_a_live_story_with_tags_and_bylines(editor):
    response = Api(editor).post(
        "/stories",
        {
            "headline": "Payments Platform Down",
            "dek": "Card payments fail.",
            "intro": "It began at *noon*.",
            "timezone": "Europe/London",
            "tags": ["Payments", "Outages"],
            "bylines": [{"name": "Sam Lee", "title": "Business Reporter"}],
            "state": "live",
        },
    )

    assert response.status_code == 201
    data = response.json()
    assert data["slug"] == "payments-platform-down"
    assert response["Location"] == "http://testserver/api/v1/stories/payments-platform-down"
    story = Story.objects.get(slug="payments-platform-down")
    assert story.state == "live" and story.published_at is not None
    assert story.created_by == editor
    assert story.timezone == "Europe/London"
    assert sorted(t.name for t in story.tags.all()) == ["Outages", "Payments"]
    assert [(b.name, b.title) for b in story.bylines.all()] == [("Sam Lee", "Business Reporter")]
    assert story.intro_html == "<p>It began at <em>noon</em>.</p>"
    assert story.changes.filter(kind=Change.Kind.STORY).exists()


def test_tag_names_keep_commas_and_blank_ones_are_skipped(editor):
    response = Api(editor).post(
        "/stories", {"headline": "Tags", "tags": ["Outages, Global", "  ", "Chat"]}
    )

    assert response.status_code == 201
    assert response.json()["tags"] == ["Chat", "Outages, Global"]


def test_headline_in_another_script_gets_a_neutral_slug(editor):
    response = Api(editor).post("/stories", {"headline": "北京停电"})

    assert response.status_code == 201
    assert response.json()["slug"].startswith("story-")


def test_taken_slug_alone_is_409(editor, story):
    response = Api(editor).post("/stories", {"headline": "Chat Service Suffers Global Outage"})

    assert response.status_code == 409
    assert error_of(response)["code"] == "slug_taken"
    assert Story.objects.count() == 1


def test_story_starts_as_a_draft_by_default(editor):
    response = Api(editor).post("/stories", {"headline": "Quiet Start", "slug": "quiet"})

    assert response.status_code == 201
    assert response.json()["state"] == "draft"
    assert Story.objects.get(slug="quiet").state == "draft"


def test_create_story_needs_a_headline(editor):
    response = Api(editor).post("/stories", {"dek": "No headline"})

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"headline": "This field is required."}
    assert not Story.objects.exists()


def test_create_story_reports_each_bad_field_in_one_answer(editor, story):
    response = Api(editor).post(
        "/stories",
        {
            "headline": "Dup",
            "slug": story.slug,
            "timezone": "Mars/Olympus_Mons",
            "tags": "Outages",
            "bylines": [{"name": ""}],
            "state": "archived",
            "colour": "red",
        },
    )

    assert response.status_code == 400  # a taken slug alone would be a 409
    fields = error_of(response)["fields"]
    assert set(fields) == {"slug", "timezone", "tags", "bylines", "state", "colour"}
    assert "array of strings" in fields["tags"]
    assert fields["slug"] == "Another story already uses this slug."
    assert "IANA" in fields["timezone"]
    assert fields["bylines"] == "Each byline needs a name."
    assert "archived" in fields["state"]
    assert Story.objects.count() == 1


def test_create_story_rejects_a_slug_with_spaces(editor):
    response = Api(editor).post("/stories", {"headline": "Bad Slug", "slug": "bad slug"})

    assert response.status_code == 400
    assert "slug" in error_of(response)["fields"]


def test_failed_create_leaves_nothing_half_saved(editor, monkeypatch):
    def broken(self, state):
        raise ValidationError({"state": "The state machine is broken."})

    monkeypatch.setattr(Story, "_apply_state", broken)

    response = Api(editor).post(
        "/stories",
        {
            "headline": "Half Made",
            "tags": ["Orphan Tag"],
            "bylines": [{"name": "Ann"}],
            "state": "live",
        },
    )

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"state": "The state machine is broken."}
    assert not Story.objects.filter(headline="Half Made").exists()
    assert not Tag.objects.filter(name="Orphan Tag").exists()
    assert not Byline.objects.filter(name="Ann").exists()


# --- changing ---------------------------------------------------------------------------------


def test_editor_changes_headline_suffix_and_dek(editor, story):
    before = story.sequence

    response = Api(editor).patch(
        f"/stories/{story.slug}", {"headline_suffix": "UPDATE: It's Back", "dek": "Restored."}
    )

    assert response.status_code == 200
    assert response.json()["headline_suffix"] == "UPDATE: It's Back"
    story.refresh_from_db()
    assert story.full_headline == "Chat Service Suffers Global Outage (UPDATE: It's Back)"
    assert story.dek == "Restored."
    assert story.changes.filter(sequence__gt=before, kind=Change.Kind.STORY).exists()


def test_editor_replaces_tags_and_bylines(editor, story):
    response = Api(editor).patch(
        f"/stories/{story.slug}",
        {"tags": ["Chat", "Google"], "bylines": [{"name": "A"}, {"name": "B", "title": "Desk"}]},
    )

    assert response.status_code == 200
    assert response.json()["tags"] == ["Chat", "Google"]
    assert list(Byline.objects.filter(story=story).values_list("name", "title")) == [
        ("A", ""),
        ("B", "Desk"),
    ]


def test_editor_ends_coverage(editor, story):
    response = Api(editor).patch(f"/stories/{story.slug}", {"state": "ended"})

    assert response.status_code == 200
    story.refresh_from_db()
    assert story.state == "ended" and story.ended_at is not None
    assert story.changes.filter(kind=Change.Kind.ENDED).exists()


def test_slug_cannot_change(editor, story):
    response = Api(editor).patch(f"/stories/{story.slug}", {"slug": "elsewhere"})

    assert response.status_code == 400
    assert "slug" in error_of(response)["fields"]
    assert Story.objects.filter(slug=story.slug).exists()


def test_failed_patch_changes_nothing(editor, story):
    sequence = story.sequence

    response = Api(editor).patch(
        f"/stories/{story.slug}",
        {"headline": "Half Changed", "timezone": "Nowhere/Special", "tags": ["New Tag"]},
    )

    assert response.status_code == 400
    assert "timezone" in error_of(response)["fields"]
    story.refresh_from_db()
    assert story.headline == "Chat Service Suffers Global Outage"
    assert story.sequence == sequence
    assert [t.name for t in story.tags.all()] == ["Chat", "Outages"]


def test_patch_with_blank_headline_is_400(editor, story):
    for headline in ("", "   "):
        response = Api(editor).patch(f"/stories/{story.slug}", {"headline": headline})

        assert response.status_code == 400
        assert "headline" in error_of(response)["fields"]
    story.refresh_from_db()
    assert story.headline == "Chat Service Suffers Global Outage"


def test_patch_of_unknown_story_is_404(editor):
    assert Api(editor).patch("/stories/nope", {"dek": "x"}).status_code == 404


def test_patch_failing_half_way_rolls_back_earlier_steps(editor, story, monkeypatch):
    sequence = story.sequence

    def broken(self, state):
        raise ValidationError({"state": "The state machine is broken."})

    monkeypatch.setattr(Story, "_apply_state", broken)

    response = Api(editor).patch(
        f"/stories/{story.slug}",
        {"headline": "Half Changed", "tags": ["New Tag"], "state": "ended"},
    )

    assert response.status_code == 400
    story.refresh_from_db()
    assert story.headline == "Chat Service Suffers Global Outage"
    assert [t.name for t in story.tags.all()] == ["Chat", "Outages"]
    assert story.sequence == sequence
    assert not Change.objects.filter(story=story, sequence__gt=sequence).exists()


def test_a_missing_url_name_fails_loudly_instead_of_guessing_a_path(rf, story, monkeypatch):
    def reverse_without_exports(name, **kwargs):
        if name.startswith("export:"):
            raise NoReverseMatch(f"'{name}' is not a registered URL name")
        return reverse(name, **kwargs)

    monkeypatch.setattr(representation, "reverse", reverse_without_exports)

    with pytest.raises(NoReverseMatch):
        representation.story_summary(rf.get("/api/v1/stories"), story)


def test_tags_and_bylines_over_the_models_caps_are_400(editor, story):
    response = Api(editor).patch(
        f"/stories/{story.slug}",
        {
            "tags": ["t"] * (Story.MAX_TAGS + 1),
            "bylines": [{"name": "A"}] * (Story.MAX_BYLINES + 1),
        },
    )

    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert f"A story has at most {Story.MAX_TAGS} tags" in fields["tags"]
    assert f"A story has at most {Story.MAX_BYLINES} bylines" in fields["bylines"]
    assert [t.name for t in story.tags.all()] == ["Chat", "Outages"]


def test_timezone_changes_through_the_same_form_as_the_desk(editor, story):
    response = Api(editor).patch(f"/stories/{story.slug}", {"timezone": "Europe/London"})

    assert response.status_code == 200
    assert response.json()["timezone"] == "Europe/London"
    story.refresh_from_db()
    assert story.timezone == "Europe/London"


def test_one_patch_is_one_change_however_many_fields(editor, story):
    before = story.changes.count()

    response = Api(editor).patch(
        f"/stories/{story.slug}",
        {
            "headline": "Chat Is Back",
            "tags": ["Chat"],
            "bylines": [{"name": "A"}],
            "state": "ended",
        },
    )

    assert response.status_code == 200
    assert response.json()["headline"] == "Chat Is Back"
    assert list(story.changes.values_list("kind", flat=True)[before:]) == [Change.Kind.ENDED]
