"""The production storage, proven against a local S3 stand-in (moto's server mode): the same
upload path writes every rendition as a public, immutable object; pages point at MEDIA_URL;
a refusal leaves nothing in the bucket and a purge empties it (issue 13, item 3)."""

import io

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from incidents.models import Picture
from liveblog.media import s3_storage
from tests.live_server import free_port
from tests.pictures import upload

BUCKET = "liveblog-media"


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """The bucket, configured as README's Deploying section says, from the environment."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "MEDIA_S3_ENDPOINT_URL": s3_endpoint,
        "MEDIA_S3_REGION": "us-east-1",
        "MEDIA_S3_ACL": "public-read",  # or a bucket policy, or a CDN in front of it
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    media_url = f"{s3_endpoint}/{BUCKET}/"
    settings.MEDIA_URL = media_url
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(BUCKET, media_url)}
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_an_upload_is_stored_in_the_bucket_and_shown_from_media_url(
    bucket, client, story, editor, s3_endpoint
):
    picture = upload(story, editor)
    story.publish_update("From the bucket.", by=editor, pictures=[picture.pk])

    assert keys(bucket) == sorted(r["name"] for r in picture.renditions)
    head = bucket.head_object(Bucket=BUCKET, Key=picture.renditions[0]["name"])
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert head["ContentType"].startswith("image/")
    page = client.get(story.get_absolute_url())
    assert page.status_code == 200
    webp = next(r for r in picture.renditions if r["format"] == "webp")
    url = f"{s3_endpoint}/{BUCKET}/{webp['name']}"
    assert f"{url} {webp['width']}w" in page.content.decode()
    fetched = httpx.get(url)
    assert fetched.status_code == 200 and fetched.content[:4] == b"RIFF"


def test_a_refusal_leaves_nothing_in_the_bucket(bucket, story, editor):
    with pytest.raises(Exception, match="image"):
        Picture.upload(story, io.BytesIO(b"not a picture"), alt="x", by=editor)
    assert keys(bucket) == []


def test_a_purge_empties_the_bucket_of_the_picture(
    bucket, story, editor, django_capture_on_commit_callbacks
):
    picture = upload(story, editor)
    assert keys(bucket)
    with django_capture_on_commit_callbacks(execute=True):
        picture.purge(by=editor)
    assert keys(bucket) == []
