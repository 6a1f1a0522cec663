"""Pictures in updates (issue 13): uploading (rules on the model), attaching, editing, retraction,
purging, how an update shows them, how they are served and what the CSP allows."""

import io
import os
import subprocess
import sys

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage

from incidents.models import Change, Picture
from incidents.models.picture import ALT_MAX_CHARS
from tests.pictures import drawn, stored_files, upload

pytestmark = pytest.mark.usefixtures("media_root")


# --- uploading ------------------------------------------------------------------------------


def test_reporter_uploads_a_picture_stored_at_every_width(story, reporter, media_root):
    picture = upload(story, reporter, caption=" The page readers saw ", credit="Screenshot")

    assert picture.pk and picture.update is None
    assert (picture.width, picture.height) == (1200, 800)
    assert picture.caption == "The page readers saw"
    widths = sorted({(r["format"], r["width"]) for r in picture.renditions})
    assert widths == [("png", 480), ("png", 960), ("png", 1200)] or widths == [
        ("jpeg", 480), ("jpeg", 960), ("jpeg", 1200), ("webp", 480), ("webp", 960), ("webp", 1200)
    ]  # fmt: skip
    for rendition in picture.renditions:
        assert rendition["name"].startswith("pictures/")
        assert default_storage.exists(rendition["name"])
    assert len(stored_files(media_root)) == len(picture.renditions)


def test_names_are_random_and_never_reused(story, editor):
    first, second = upload(story, editor), upload(story, editor)
    folders = {r["name"].split("/")[1] for r in first.renditions + second.renditions}
    assert len(folders) == 2


def test_outsider_cannot_upload_to_a_story_they_are_not_on(story, outsider, media_root):
    with pytest.raises(PermissionDenied):
        upload(story, outsider)
    assert stored_files(media_root) == []


@pytest.mark.parametrize("alt", ["", "   ", None])
def test_alt_text_is_required(story, reporter, media_root, alt):
    with pytest.raises(ValidationError) as caught:
        upload(story, reporter, alt=alt)
    assert "alt text" in caught.value.message_dict["alt"][0]
    assert stored_files(media_root) == []


def test_too_long_alt_text_is_refused_on_its_field(story, reporter, media_root):
    with pytest.raises(ValidationError) as caught:
        upload(story, reporter, alt="x" * (ALT_MAX_CHARS + 1))
    assert caught.value.message_dict["alt"] == [f"At most {ALT_MAX_CHARS} characters."]
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"%PDF-1.4 not a picture at all", "not an image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"),
        (drawn(format_name="JPEG")[:2000], ""),  # truncated
    ],
    ids=["renamed-non-image", "svg", "truncated-jpeg"],
)
def test_bad_files_are_refused_on_the_file_field_leaving_nothing(
    story, reporter, media_root, data, says
):
    with pytest.raises(ValidationError) as caught:
        Picture.upload(story, io.BytesIO(data), alt="A picture", by=reporter)
    message = caught.value.message_dict["file"][0]
    assert says.lower() in message.lower() and message
    assert Picture.objects.count() == 0
    assert stored_files(media_root) == []


def test_a_failure_while_storing_deletes_what_was_written(story, reporter, media_root, monkeypatch):
    real_save = default_storage.save
    calls = []

    def failing_save(name, content, **kwargs):
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        return real_save(name, content, **kwargs)

    monkeypatch.setattr(default_storage, "save", failing_save)
    with pytest.raises(OSError):
        upload(story, reporter)
    assert len(calls) == 3
    assert Picture.objects.count() == 0
    assert stored_files(media_root) == []


# --- attaching ------------------------------------------------------------------------------


def test_publishing_attaches_pictures_in_the_order_given(story, editor):
    first, second = upload(story, editor, alt="First"), upload(story, editor, alt="Second")
    update = story.publish_update("Two screenshots.", by=editor, pictures=[second.pk, first.pk])

    assert [f.alt for f in update.figures] == ["Second", "First"]
    assert list(update.pictures.order_by("position").values_list("alt", flat=True)) == [
        "Second",
        "First",
    ]


def test_a_draft_keeps_its_pictures(story, reporter):
    picture = upload(story, reporter)
    draft = story.save_draft("Draft with a picture.", by=reporter, pictures=[picture.pk])
    picture.refresh_from_db()
    assert picture.update == draft and draft.picture_data[0]["id"] == picture.pk


def test_a_reporter_cannot_use_someone_elses_picture(story, editor, publisher):
    picture = upload(story, editor)
    with pytest.raises(PermissionDenied):
        story.publish_update("Mine now.", by=publisher, pictures=[picture.pk])
    assert story.updates.count() == 0


def test_an_editor_may_use_a_reporters_picture(story, editor, reporter):
    picture = upload(story, reporter)
    update = story.publish_update("Theirs.", by=editor, pictures=[picture.pk])
    assert update.figures[0].id == picture.pk


def test_another_storys_or_an_attached_picture_is_refused(story, other_story, editor):
    elsewhere = upload(other_story, editor)
    used = upload(story, editor)
    story.publish_update("First use.", by=editor, pictures=[used.pk])
    for pk in (elsewhere.pk, used.pk, 999_999):
        with pytest.raises(ValidationError) as caught:
            story.publish_update("Again.", by=editor, pictures=[pk])
        assert "not one of this story’s pictures" in caught.value.message_dict["pictures"][0]
    assert story.updates.count() == 1


# --- editing --------------------------------------------------------------------------------


def test_editing_pictures_is_a_revision_logged_for_readers(story, editor):
    a, b, c = (upload(story, editor, alt=name) for name in ("A", "B", "C"))
    update = story.publish_update("Pictures.", by=editor, pictures=[a.pk, b.pk])
    sequence = story.changes.latest("sequence").sequence

    update.edit(
        "Pictures.",
        by=editor,
        expected_revision=1,
        pictures=[c.pk, {"id": a.pk, "caption": "Now captioned"}],
    )

    update.refresh_from_db()
    assert update.revision == 2
    assert [(f.alt, f.caption) for f in update.figures] == [("C", ""), ("A", "Now captioned")]
    assert [d["alt"] for d in update.revisions.get(revision=1).pictures] == ["A", "B"]
    b.refresh_from_db()
    assert b.update is None  # removed from the update, free to use again
    change = story.changes.latest("sequence")
    assert change.sequence == sequence + 1 and change.kind == Change.Kind.EDITED


def test_an_edit_with_the_same_pictures_changes_nothing(story, editor):
    a = upload(story, editor)
    update = story.publish_update("Same.", by=editor, pictures=[a.pk])
    update.edit("Same.", by=editor, expected_revision=1, pictures=[a.pk])
    update.refresh_from_db()
    assert update.revision == 1 and update.figures[0].id == a.pk


def test_an_edit_cannot_blank_a_pictures_alt_text(story, editor):
    a = upload(story, editor)
    update = story.publish_update("Alt.", by=editor, pictures=[a.pk])
    with pytest.raises(ValidationError) as caught:
        update.edit("Alt.", by=editor, expected_revision=1, pictures=[{"id": a.pk, "alt": " "}])
    assert "alt" in caught.value.message_dict
    a.refresh_from_db()
    assert a.alt.startswith("The error page")


# --- showing --------------------------------------------------------------------------------


def test_the_article_shows_each_picture_as_a_figure_with_srcset(client, story, editor):
    picture = upload(story, editor, caption="The error page", credit="Screenshot by Erin")
    story.publish_update("What readers saw.", by=editor, pictures=[picture.pk])

    response = client.get(story.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    webp = [r for r in picture.renditions if r["format"] == "webp"]
    assert '<source type="image/webp" srcset="' in html
    for rendition in webp:
        assert f"/media/{rendition['name']} {rendition['width']}w" in html
    assert (
        'width="1200" height="800" alt="The error page: “The connection was interrupted”"' in html
    )
    assert 'loading="lazy" decoding="async"' in html
    assert '<figcaption>The error page <span class="credit">Screenshot by Erin</span>' in html


def test_a_retracted_update_shows_no_picture(client, story, editor):
    picture = upload(story, editor)
    update = story.publish_update("Wrong picture.", by=editor, pictures=[picture.pk])
    update.retract("The picture was of another outage.", by=editor)

    response = client.get(story.get_absolute_url())

    assert response.status_code == 200
    assert "This update was retracted" in response.content.decode()
    assert picture.renditions[0]["name"] not in response.content.decode()


def test_media_are_served_with_long_lived_cache_headers(client, story, editor):
    picture = upload(story, editor)
    name = picture.renditions[0]["name"]

    response = client.get(f"/media/{name}")

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content) == default_storage.open(name).read()
    assert client.get("/media/../settings.py").status_code == 400  # outside MEDIA_ROOT


def test_csp_img_src_names_only_our_origin(client, story):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["img-src"] == "'self'"


def settings_with(**env) -> subprocess.CompletedProcess:
    """Load the settings in a fresh process with these environment variables."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(*map(str, settings.SECURE_CSP['img-src']), settings.STORAGES['default']['BACKEND'])"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "liveblog.settings", "DEBUG": "1"}
    environment.update(LOCAL_ENV_FILE="", **env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=60
    )


def test_an_absolute_media_url_adds_only_its_origin_to_img_src():
    loaded = settings_with(MEDIA_URL="https://media.example.com/live/", MEDIA_S3_BUCKET="b")

    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == [
        "'self'",
        "https://media.example.com",
        "storages.backends.s3.S3Storage",
    ]


def test_a_bucket_needs_an_absolute_media_url():
    loaded = settings_with(MEDIA_S3_BUCKET="b")

    assert loaded.returncode != 0
    assert "MEDIA_URL must be an absolute URL" in loaded.stderr


# --- takedowns ------------------------------------------------------------------------------


def test_an_editor_purges_a_picture_everywhere(
    client, story, editor, media_root, django_capture_on_commit_callbacks
):
    kept, purged = upload(story, editor, alt="Kept"), upload(story, editor, alt="Purged")
    update = story.publish_update("Two.", by=editor, pictures=[kept.pk, purged.pk])
    update.edit("Two, edited.", by=editor, expected_revision=1)
    sequence = story.changes.latest("sequence").sequence

    with django_capture_on_commit_callbacks(execute=True):  # files go once the purge is kept
        purged.purge(by=editor)

    update.refresh_from_db()
    assert update.revision == 3
    assert [f.alt for f in update.figures] == ["Kept"]
    purged.refresh_from_db()
    assert purged.purged_at and purged.renditions == [] and purged.alt == ""
    assert stored_files(media_root) == sorted(r["name"] for r in kept.renditions)
    history = [r.pictures for r in update.revisions.order_by("revision")]
    assert history[0][1] == {"id": purged.pk, "removed": True}
    assert "Purged" not in str(history)
    change = story.changes.latest("sequence")
    assert change.sequence == sequence + 1 and change.kind == Change.Kind.EDITED
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200 and 'alt="Kept"' in response.content.decode()
    assert 'alt="Purged"' not in response.content.decode()


def test_only_editors_purge(story, editor, publisher, media_root):
    picture = upload(story, publisher)
    with pytest.raises(PermissionDenied):
        picture.purge(by=publisher)
    assert len(stored_files(media_root)) == len(picture.renditions)


# --- the desk -------------------------------------------------------------------------------


def desk_upload(client, story, data=None, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    payload = {"alt": "A chart of failed requests", **fields}
    if data is not False:
        payload["file"] = SimpleUploadedFile("chart.png", data or drawn(), "image/png")
    return client.post(f"/newsroom/pictures/{story.slug}/", payload)


def test_desk_upload_answers_with_the_pictures_row(client, story, reporter):
    client.force_login(reporter)

    response = desk_upload(client, story, caption="Requests failing")

    assert response.status_code == 200
    picture = Picture.objects.get()
    html = response.content.decode()
    assert f'<input type="hidden" name="pictures" value="{picture.pk}">' in html
    assert f'name="picture_alt_{picture.pk}" value="A chart of failed requests"' in html
    assert picture.caption == "Requests failing" and picture.uploaded_by == reporter


@pytest.mark.parametrize(
    ("data", "fields", "field", "says"),
    [
        (None, {"alt": ""}, "alt", "alt text"),
        (b"GIF89a but not really", {}, "file", "not an image"),
        (False, {}, "file", "Choose a picture"),
    ],
    ids=["missing-alt", "non-image", "no-file"],
)
def test_desk_upload_refusals_name_the_field(
    client, story, reporter, media_root, data, fields, field, says
):
    client.force_login(reporter)

    response = desk_upload(client, story, data, **fields)

    assert response.status_code == 400
    assert says.lower() in response.json()["errors"][field][0].lower()
    assert Picture.objects.count() == 0 and stored_files(media_root) == []


def test_desk_uploads_count_against_the_write_limit(client, story, reporter, settings):
    settings.API_WRITES_PER_MINUTE = 1
    client.force_login(reporter)
    assert desk_upload(client, story).status_code == 200

    response = desk_upload(client, story)

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "1 changes a minute" in response.json()["errors"]["file"][0]
    assert Picture.objects.count() == 1


def test_desk_upload_by_an_outsider_is_forbidden(client, story, outsider, media_root):
    client.force_login(outsider)
    response = desk_upload(client, story)
    assert response.status_code in (403, 404)
    assert Picture.objects.count() == 0 and stored_files(media_root) == []


def test_desk_publish_attaches_the_forms_pictures_with_their_texts(client, story, editor):
    client.force_login(editor)
    first, second = upload(story, editor, alt="First"), upload(story, editor, alt="Second")

    response = client.post(
        f"/newsroom/stories/{story.slug}/publish/",
        {
            "body": "Two pictures.",
            "pictures": [str(second.pk), str(first.pk)],
            f"picture_alt_{second.pk}": "Second, described better",
            f"picture_caption_{second.pk}": "A caption",
            f"picture_alt_{first.pk}": "First",
        },
    )

    assert response.status_code == 302
    update = story.updates.get()
    assert [(f.alt, f.caption) for f in update.figures] == [
        ("Second, described better", "A caption"),
        ("First", ""),
    ]


def test_desk_publish_with_blank_alt_keeps_the_pictures_in_the_box(client, story, editor):
    client.force_login(editor)
    picture = upload(story, editor)

    response = client.post(
        f"/newsroom/stories/{story.slug}/publish/",
        {"body": "No alt.", "pictures": [str(picture.pk)], f"picture_alt_{picture.pk}": " "},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "alt text" in html
    assert (
        f'name="picture_alt_{picture.pk}" value="" maxlength="300" required'
        ' aria-required="true" aria-invalid="true"' in html
    )
    assert story.updates.count() == 0


def test_desk_preview_shows_the_pictures(client, story, editor):
    client.force_login(editor)
    picture = upload(story, editor)

    response = client.post(
        f"/newsroom/stories/{story.slug}/preview/",
        {"body": "Look.", "pictures": [str(picture.pk)], f"picture_alt_{picture.pk}": "Previewed"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert 'alt="Previewed"' in response.content.decode()


def test_an_editor_purges_from_the_admin(
    client, superuser, story, editor, media_root, django_capture_on_commit_callbacks
):
    picture = upload(story, editor)
    story.publish_update("Takedown.", by=editor, pictures=[picture.pk])
    client.force_login(superuser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/incidents/picture/",
            {"action": "purge", "_selected_action": [picture.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert "Purged 1 picture(s)." in response.content.decode()
    picture.refresh_from_db()
    assert picture.purged_at is not None and stored_files(media_root) == []
    assert story.updates.get().picture_data == []


def test_desk_edit_shows_the_pictures_and_saves_a_new_order_and_removal(client, story, editor):
    a, b, c = (upload(story, editor, alt=name) for name in ("A", "B", "C"))
    update = story.publish_update("Three.", by=editor, pictures=[a.pk, b.pk, c.pk])
    client.force_login(editor)
    url = f"/newsroom/stories/{story.slug}/updates/{update.pk}/edit/"

    form = client.get(url)
    assert form.status_code == 200
    assert f'name="picture_alt_{b.pk}" value="B"' in form.content.decode()

    response = client.post(
        url,
        {
            "body": "Three.",
            "revision": "1",
            "pictures_sent": "1",
            "pictures": [str(c.pk), str(a.pk)],
            f"picture_alt_{c.pk}": "C, described",
            f"picture_alt_{a.pk}": "A",
        },
    )

    assert response.status_code == 302
    update.refresh_from_db()
    assert [f.alt for f in update.figures] == ["C, described", "A"]
    assert update.revision == 2
    assert [d["alt"] for d in update.revisions.get(revision=1).pictures] == ["A", "B", "C"]


def test_an_edit_form_without_pictures_leaves_them(client, story, editor):
    a = upload(story, editor, alt="A")
    update = story.publish_update("One.", by=editor, pictures=[a.pk])
    client.force_login(editor)

    response = client.post(
        f"/newsroom/stories/{story.slug}/updates/{update.pk}/edit/",
        {"body": "One, edited.", "revision": "1"},
    )

    assert response.status_code == 302
    update.refresh_from_db()
    assert update.body == "One, edited." and [f.alt for f in update.figures] == ["A"]


def test_prune_deletes_only_old_pictures_never_shown(
    story, editor, media_root, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils.timezone import now

    abandoned, fresh, shown, removed = (upload(story, editor, alt=n) for n in "AFSR")
    update = story.publish_update("Shown.", by=editor, pictures=[shown.pk, removed.pk])
    update.edit("Shown.", by=editor, expected_revision=1, pictures=[shown.pk])  # R in history
    old = now() - timedelta(hours=25)
    Picture.objects.exclude(pk=fresh.pk).update(uploaded_at=old)
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("prune_pictures", stdout=out)

    assert "Deleted 1 unused picture(s)." in out.getvalue()
    assert sorted(Picture.objects.values_list("alt", flat=True)) == ["F", "R", "S"]
    left = {r["name"] for p in Picture.objects.all() for r in p.renditions}
    assert set(stored_files(media_root)) == left
