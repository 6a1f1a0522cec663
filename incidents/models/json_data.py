"""A JSON column whose system check needs no database connection."""

from django.db import models


class JSONData(models.JSONField):
    """Django's JSONField asks each database, during `manage.py check`, whether it supports
    JSON, which opens a connection (tests/test_project.py checks with none). Both databases we
    run on do: SQLite has JSON built in since 3.38, PostgreSQL always."""

    def _check_supported(self, databases):
        return []
