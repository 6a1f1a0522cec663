"""Editing in place, conflicts, corrections, retraction, pinning, drafts and history."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Contributor, Revision, Update
from tests.conftest import make_user

HTMX = {"HX-Request": "true"}


def url(name, update):
    return reverse(f"desk:{name}", args=[update.story.slug, update.pk])


def edit(client, update, body, revision=None, headers=None, **extra):
    data = {"body": body, "revision": revision or update.revision, **extra}
    return client.post(url("edit_update", update), data, headers=headers or {})


@pytest.fixture
def published(story, editor):
    return story.publish_update("Power is out in **three** districts.", by=editor)


@pytest.fixture
def draft(story, reporter):
    return story.save_draft("Crews are on the way.", by=reporter)


# --- editing --------------------------------------------------------------------------------


def test_edit_form_opens_in_place(client, editor, published):
    client.force_login(editor)

    response = client.get(url("edit_update", published), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(
        f'<article class="desk-update desk-update--editing" id="desk-update-{published.pk}"'
    )
    assert 'name="revision" value="1"' in html
    assert "Power is out in **three** districts.</textarea>" in html


def test_edit_works_without_javascript(client, editor, published):
    client.force_login(editor)

    page = client.get(url("edit_update", published))
    response = edit(client, published, "Power is out in four districts.")

    assert page.status_code == 200 and b"<h1>Edit UPDATE 1</h1>" in page.content
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.body == "Power is out in four districts."


def test_editor_edit_makes_a_new_revision_and_readers_see_updated(client, editor, published, story):
    client.force_login(editor)

    response = edit(client, published, "Power is out in four districts.", headers=HTMX)

    published.refresh_from_db()
    assert response.status_code == 200
    assert b"UPDATE 1 is saved as revision 2." in response.content
    assert published.revision == 2
    assert Revision.objects.get(update=published).body == "Power is out in **three** districts."
    reader = client.get(story.get_absolute_url()).content.decode()
    assert "Power is out in four districts." in reader
    assert 'class="update__edited">Updated' in reader


def test_saved_edit_moves_the_desk_change_counter_on(client, editor, published, story):
    client.force_login(editor)

    response = edit(client, published, "New text", headers=HTMX)

    story.refresh_from_db()
    assert f"?since={story.sequence}".encode() in response.content
    assert b'hx-swap-oob="true"' in response.content


def test_edit_can_change_status_key_event_and_time(client, editor, published, story):
    client.force_login(editor)

    edit(
        client,
        published,
        published.body,
        status_label="resolved",
        key_event="on",
        timestamp="2026-01-05T08:30",
    )

    published.refresh_from_db()
    assert published.status_label == "resolved" and published.key_event
    assert published.timestamp == datetime(2026, 1, 5, 8, 30, tzinfo=ZoneInfo(story.timezone))


def test_an_untouched_time_keeps_its_seconds(client, editor, published, story):
    client.force_login(editor)
    before = published.timestamp
    local = before.astimezone(ZoneInfo(story.timezone)).strftime("%Y-%m-%dT%H:%M")

    edit(client, published, "Changed text", timestamp=local)

    published.refresh_from_db()
    assert published.timestamp == before


def test_empty_edit_is_refused_on_the_body_field(client, editor, published):
    client.force_login(editor)

    response = edit(client, published, "", headers=HTMX)

    assert response.status_code == 400
    assert b"An update needs some text." in response.content
    published.refresh_from_db()
    assert published.revision == 1


def test_edit_without_a_revision_is_refused(client, editor, published):
    client.force_login(editor)

    response = client.post(url("edit_update", published), {"body": "x"}, headers=HTMX)

    assert response.status_code == 400
    published.refresh_from_db()
    assert published.body.startswith("Power")


def test_reporter_edits_their_own_draft(client, reporter, draft):
    client.force_login(reporter)

    response = edit(client, draft, "Crews arrived.", headers=HTMX)

    draft.refresh_from_db()
    assert response.status_code == 200
    assert draft.body == "Crews arrived." and draft.is_draft
    assert b"The draft is saved as revision 2." in response.content
    assert b"This is a correction" not in client.get(url("edit_update", draft)).content


def test_reporter_cannot_edit_anothers_draft(client, reporter, story, editor):
    other = make_user("rita")
    Contributor.objects.create(story=story, user=other)
    theirs = story.save_draft("Rita's notes", by=other)
    client.force_login(reporter)

    assert client.get(url("edit_update", theirs)).status_code == 403
    assert edit(client, theirs, "Mine now").status_code == 403
    theirs.refresh_from_db()
    assert theirs.body == "Rita's notes"


def test_reporter_cannot_edit_a_published_update(client, reporter, published):
    client.force_login(reporter)

    response = edit(client, published, "Rewritten")

    assert response.status_code == 403
    published.refresh_from_db()
    assert published.revision == 1


def test_reporters_draft_published_meanwhile_is_now_the_editors(client, reporter, editor, draft):
    client.force_login(reporter)
    draft.publish(by=editor)

    response = edit(client, draft, "Late change")

    assert response.status_code == 403
    assert b"has been published; only editors can change it" in response.content


def test_outsider_cannot_edit(client, outsider, published):
    client.force_login(outsider)

    assert edit(client, published, "Hijack").status_code == 403


def test_anonymous_cannot_edit(client, published):
    response = edit(client, published, "Hijack")

    assert response.status_code == 302
    published.refresh_from_db()
    assert published.revision == 1


# --- conflicts ------------------------------------------------------------------------------


def test_second_editor_with_a_stale_revision_gets_a_conflict_view(client, editor, published):
    second = make_user("ed2", editor=True, first_name="Ed", last_name="Second")
    client.force_login(second)
    edit(client, published, "Power is out in four districts.", revision=1)
    client.force_login(editor)

    response = edit(client, published, "Power is out in five districts.", revision=1, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 409
    assert "Ed Second saved a new version" in html
    assert "Theirs — saved, revision 2" in html
    assert "<p>Power is out in four districts.</p>" in html  # theirs, as readers see it
    assert "Power is out in five districts.</pre>" in html  # yours
    assert "<del>four</del><ins>five</ins>" in html
    assert 'name="revision" value="2"' in html  # saving the merge goes through
    published.refresh_from_db()
    assert published.body == "Power is out in four districts."
    assert published.revision == 2


def test_merged_version_saves_after_a_conflict(client, editor, published):
    client.force_login(editor)
    edit(client, published, "Version A", revision=1)
    edit(client, published, "Version B", revision=1)

    response = edit(client, published, "Version A and B", revision=2)

    published.refresh_from_db()
    assert response.status_code == 302
    assert published.body == "Version A and B"
    assert list(published.revisions.values_list("body", flat=True)) == [
        "Power is out in **three** districts.",
        "Version A",
    ]


def test_conflict_without_javascript_shows_the_full_page(client, editor, published):
    client.force_login(editor)
    edit(client, published, "Version A", revision=1)

    response = edit(client, published, "Version B", revision=1)

    assert response.status_code == 409
    assert b"<h1>Edit UPDATE 1</h1>" in response.content
    assert b"saved a new version" in response.content


def test_editing_an_update_retracted_meanwhile_is_refused_and_text_kept(client, editor, published):
    client.force_login(editor)
    form = client.get(url("edit_update", published))
    assert form.status_code == 200
    published.retract("Wrong district", by=editor)

    response = edit(client, published, "My careful rewrite", revision=1, headers=HTMX)

    assert response.status_code == 409
    assert b"retracted" in response.content
    published.refresh_from_db()
    assert published.is_retracted and published.revision == 1


# --- corrections ----------------------------------------------------------------------------


def test_correction_with_a_note_is_listed_for_readers(client, editor, published, story):
    client.force_login(editor)

    edit(
        client,
        published,
        "Power is out in four districts.",
        is_correction="on",
        correction_note="An earlier version gave the wrong number of districts.",
    )

    reader = client.get(story.get_absolute_url()).content.decode()
    assert 'id="corrections"' in reader
    assert "An earlier version gave the wrong number of districts." in reader


def test_correction_without_a_note_is_refused_on_the_note(client, editor, published):
    client.force_login(editor)

    response = edit(client, published, "Four", is_correction="on", headers=HTMX)

    assert response.status_code == 400
    assert b"A correction needs a note for readers." in response.content
    published.refresh_from_db()
    assert published.revision == 1


def test_silent_typo_fix_stays_out_of_the_corrections_log(client, editor, published, story):
    client.force_login(editor)

    response = edit(client, published, "Power is out in **three** districts, all fixed.")

    assert response.status_code == 302
    published.refresh_from_db()
    assert published.revision == 2
    assert published.body == "Power is out in **three** districts, all fixed."
    assert not published.revisions.get().is_correction
    page = client.get(story.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "<strong>three</strong> districts, all fixed." in html  # the fix is live
    assert 'id="corrections"' not in html


# --- retraction -----------------------------------------------------------------------------


def test_retract_form_opens_in_place(client, editor, published):
    client.force_login(editor)

    response = client.get(url("retract", published), headers=HTMX)

    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<form method="post"')
    assert b"Readers will see a retraction notice" in response.content


def test_editor_retracts_with_a_reason(client, editor, published, story):
    client.force_login(editor)

    response = client.post(url("retract", published), {"reason": "Wrong district"}, headers=HTMX)

    published.refresh_from_db()
    assert response.status_code == 200
    assert b"This update was retracted" in response.content
    assert published.is_retracted and published.retraction_reason == "Wrong district"
    reader = client.get(story.get_absolute_url()).content.decode()
    assert "Wrong district" in reader


def test_retraction_needs_a_reason(client, editor, published):
    client.force_login(editor)

    response = client.post(url("retract", published), {"reason": "  "}, headers=HTMX)

    assert response.status_code == 400
    assert response["HX-Retarget"] == f"#retract-form-{published.pk}"
    assert b"Say why the update is retracted; readers see it." in response.content
    published.refresh_from_db()
    assert published.is_published


def test_retracting_twice_is_a_conflict_not_an_error(client, editor, published):
    client.force_login(editor)
    client.post(url("retract", published), {"reason": "Wrong"})

    response = client.post(url("retract", published), {"reason": "Also wrong"})

    assert response.status_code == 409
    assert b"Only a published update can be retracted." in response.content
    published.refresh_from_db()
    assert published.retraction_reason == "Wrong"


def test_retract_without_javascript_redirects_to_the_desk(client, editor, published):
    client.force_login(editor)

    response = client.post(url("retract", published), {"reason": "Wrong"})

    assert response.status_code == 302


@pytest.mark.parametrize("who", ["reporter", "outsider"])
def test_only_editors_retract(client, request, who, published):
    Contributor.objects.filter(user__username="rory").update(can_publish=True)
    client.force_login(request.getfixturevalue(who))

    response = client.post(url("retract", published), {"reason": "Mine"})

    assert response.status_code == 403
    published.refresh_from_db()
    assert published.is_published


# --- pinning --------------------------------------------------------------------------------


def test_editor_pins_and_unpins(client, editor, published, story):
    second = story.publish_update("Second", by=editor)
    client.force_login(editor)

    response = client.post(url("pin", published), {"pinned": "1"}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "UPDATE 1 is pinned to the top." in html
    # As readers see it: in its place in time (the article shows it above, as the summary).
    assert html.index(f'desk-update-{second.pk}"') < html.index(f'desk-update-{published.pk}"')
    assert "desk-update--pinned" in html
    published.refresh_from_db()
    assert published.pinned

    client.post(url("pin", published), {"pinned": "0"})
    published.refresh_from_db()
    assert not published.pinned


def test_the_pin_answer_is_the_timeline_alone(client, editor, published):
    client.force_login(editor)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(url("pin", published), {"pinned": "1"}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="desk-timeline" id="desk-timeline"')
    assert "UPDATE 1 is pinned to the top." in html
    sql = " ".join(q["sql"] for q in queries)
    # Not the details form (tags), the contributors or the reader suggestions.
    for table in ("incidents_contributor", "incidents_correctionsuggestion", "incidents_tag"):
        assert f'FROM "{table}"' not in sql


def test_pinning_a_retracted_update_is_refused(client, editor, published):
    published.retract("Wrong", by=editor)
    client.force_login(editor)

    response = client.post(url("pin", published), {"pinned": "1"}, headers=HTMX)

    assert response.status_code == 409
    assert b"A retracted update cannot be pinned." in response.content


def test_reporter_cannot_pin(client, reporter, published):
    client.force_login(reporter)

    response = client.post(url("pin", published), {"pinned": "1"})

    assert response.status_code == 403
    assert b"Only editors can do that." in response.content  # the model's sentence
    assert b"masthead" in response.content  # on the site's 403 page
    published.refresh_from_db()
    assert not published.pinned


# --- publishing drafts ----------------------------------------------------------------------


def test_editor_publishes_a_reporters_draft(client, editor, draft):
    client.force_login(editor)

    response = client.post(url("publish_draft", draft), headers=HTMX)

    draft.refresh_from_db()
    assert response.status_code == 200
    assert b"The draft is published as UPDATE 1." in response.content
    assert draft.number == 1 and draft.is_published


def test_publishing_a_draft_twice_gives_it_one_number(client, editor, draft, story):
    client.force_login(editor)
    client.post(url("publish_draft", draft))

    response = client.post(url("publish_draft", draft), headers=HTMX)

    assert b"Someone had already published this draft as UPDATE 1." in response.content
    story.refresh_from_db()
    assert story.last_number == 1


def test_reporter_cannot_publish_a_draft_without_permission(client, reporter, draft):
    client.force_login(reporter)

    assert client.post(url("publish_draft", draft)).status_code == 403
    draft.refresh_from_db()
    assert draft.is_draft


def test_reporter_allowed_to_publish_publishes_their_draft(client, reporter, draft):
    Contributor.objects.filter(user=reporter).update(can_publish=True)
    client.force_login(reporter)

    client.post(url("publish_draft", draft))

    draft.refresh_from_db()
    assert draft.number == 1


def test_reporter_who_may_publish_publishes_only_their_own_drafts(client, reporter, story):
    colleague = make_user("cora", first_name="Cora")
    Contributor.objects.create(story=story, user=colleague)
    theirs = story.save_draft("Cora's draft", by=colleague)
    mine = story.save_draft("Rory's draft", by=reporter)
    Contributor.objects.filter(user=reporter).update(can_publish=True)
    client.force_login(reporter)

    desk = client.get(reverse("desk:story", args=[story.slug])).content.decode()
    response = client.post(url("publish_draft", theirs))

    assert f'action="{url("publish_draft", mine)}"' in desk
    assert f'action="{url("publish_draft", theirs)}"' not in desk  # no button that would 403
    assert response.status_code == 403
    assert "Only an editor can publish someone else’s draft." in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.is_draft


def test_publishing_a_draft_on_an_ended_story_is_refused(client, editor, draft, story):
    story.end_coverage(by=editor)
    client.force_login(editor)

    response = client.post(url("publish_draft", draft), headers=HTMX)

    assert response.status_code == 409
    assert b"Coverage of this story has ended" in response.content
    draft.refresh_from_db()
    assert draft.is_draft


def test_drafts_are_listed_apart_on_the_desk(client, editor, draft, published, story):
    client.force_login(editor)

    html = client.get(reverse("desk:story", args=[story.slug])).content.decode()

    assert html.index("Crews are on the way.") < html.index("Timeline <small>")
    assert html.index("Timeline <small>") < html.index("Power is out")


# --- history --------------------------------------------------------------------------------


def test_history_shows_who_when_and_a_diff(client, editor, published):
    second = make_user("ed2", editor=True, first_name="Ed", last_name="Second")
    client.force_login(second)
    edit(
        client,
        published,
        "Power is out in **four** districts.",
        is_correction="on",
        correction_note="Four, not three.",
    )
    client.force_login(editor)

    response = client.get(url("history", published), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Revision 2</strong> (current)" in html
    assert "edited by Ed Second" in html
    assert "<del>**three**</del><ins>**four**</ins>" in html
    assert "Note to readers: Four, not three." in html
    assert "written by Erin Editor" in html


def test_history_is_a_page_without_javascript(client, editor, published):
    client.force_login(editor)
    edit(client, published, "Changed")

    response = client.get(url("history", published))

    assert response.status_code == 200
    assert b"<h1>History of UPDATE 1</h1>" in response.content


def test_outsider_cannot_read_history(client, outsider, published):
    client.force_login(outsider)

    assert client.get(url("history", published)).status_code == 403


def test_update_of_another_story_is_404_on_this_desk(client, editor, story, other_story):
    elsewhere = other_story.publish_update("Elsewhere", by=editor)
    client.force_login(editor)

    response = client.get(reverse("desk:edit_update", args=[story.slug, elsewhere.pk]))

    assert response.status_code == 404


def test_cancel_returns_the_row(client, editor, published):
    client.force_login(editor)

    response = client.get(url("update", published), headers=HTMX)

    assert response.status_code == 200
    assert response.content.lstrip().startswith(
        b'<article class="desk-update desk-update--published"'
    )
    assert Update.objects.get(pk=published.pk).revision == 1


# --- discarding drafts ----------------------------------------------------------------------


def test_the_author_discards_their_draft(client, reporter, draft):
    client.force_login(reporter)

    response = client.post(url("discard_draft", draft), headers=HTMX)

    assert response.status_code == 200
    assert "The draft is discarded." in response.content.decode()
    assert not Update.objects.filter(pk=draft.pk).exists()


def test_an_editor_discards_a_reporters_draft_without_javascript(client, editor, draft):
    client.force_login(editor)

    response = client.post(url("discard_draft", draft))

    assert response.status_code == 302
    assert not Update.objects.filter(pk=draft.pk).exists()


def test_another_reporter_cannot_discard_a_draft(client, story, draft):
    colleague = make_user("colleague")
    Contributor.objects.create(story=story, user=colleague, can_publish=True)
    client.force_login(colleague)

    assert client.post(url("discard_draft", draft)).status_code == 403
    assert Update.objects.filter(pk=draft.pk).exists()


def test_a_published_update_cannot_be_discarded(client, editor, published):
    client.force_login(editor)

    response = client.post(url("discard_draft", published), headers=HTMX)

    assert response.status_code == 409
    assert "retract a published update" in response.content.decode()
    assert Update.objects.filter(pk=published.pk).exists()


def test_discarding_needs_a_post(client, editor, draft):
    client.force_login(editor)

    assert client.get(url("discard_draft", draft)).status_code == 405
