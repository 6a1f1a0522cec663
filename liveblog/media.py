"""Where uploaded pictures live and how they are served (issue 13).

Files under MEDIA_ROOT are served at MEDIA_URL by `serve_media`, cacheable for a year: a
picture's storage names are random and never reused, so a name always means the same bytes.
In production the pictures live in an S3-compatible bucket (django-storages), configured from
the environment by `s3_storage`, and MEDIA_URL is where that bucket (or its CDN) answers.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.static import serve

from liveblog.env import env_str

IMMUTABLE = "public, max-age=31536000, immutable"


def media_origin(media_url: str) -> str:
    """The origin of an absolute MEDIA_URL ("https://media.example.com"), or "" for a path."""
    parts = urlsplit(media_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def s3_storage(bucket: str, media_url: str) -> dict:
    """django-storages' S3 backend for `bucket`. Pictures are public objects read at
    MEDIA_URL (the bucket's address, or a CDN in front of it), so URLs carry no signature and
    never expire; credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the
    machine's role), read by boto3 itself."""
    parts = urlsplit(media_url)
    if not (parts.scheme and parts.netloc):
        raise ImproperlyConfigured(
            "MEDIA_URL must be an absolute URL (https://…/) when MEDIA_S3_BUCKET is set"
        )
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env_str("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": env_str("MEDIA_S3_REGION") or None,
            "custom_domain": f"{parts.netloc}{parts.path.rstrip('/')}",
            "url_protocol": f"{parts.scheme}:",
            "querystring_auth": False,
            "file_overwrite": False,
            "default_acl": env_str("MEDIA_S3_ACL") or None,
            "object_parameters": {"CacheControl": IMMUTABLE},
        },
    }


def serve_media(request, path: str):
    """A stored picture from MEDIA_ROOT (`make run`, and any single-machine install)."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = IMMUTABLE
    return response
