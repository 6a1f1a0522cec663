"""The project's settings, with a URLconf that adds one minimal view to compare the poll with."""

from liveblog.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
