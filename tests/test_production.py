"""Production behaviour: strict settings, clear start-up failures, security headers, health,
request logs, throttled sign-in and error pages in the site's design."""

import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from liveblog.env import env_bool, env_database, env_int
from liveblog.vapid import new_keys
from tests.conftest import PASSWORD, make_user

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    unset = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**extra):
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "news.example.com",
        "SECURE_SSL_REDIRECT": "1",
        "SESSION_COOKIE_SECURE": "1",
        "CSRF_COOKIE_SECURE": "1",
        **extra,
    }


@pytest.mark.parametrize("raw", ["maybe", "2", "enabled"])
def test_a_bad_boolean_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv("SOME_FLAG", raw)

    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be a boolean"):
        env_bool("SOME_FLAG")


def test_a_bad_number_names_the_variable(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "lots")

    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER must be a whole number"):
        env_int("SOME_NUMBER", 3)


def test_a_postgres_url_becomes_postgres_settings(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://news:pw@db.internal:5433/liveblog")

    config = env_database("DATABASE_URL", "sqlite:///x.db")

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "liveblog")


def test_missing_secret_key_in_production_is_one_clear_line():
    result = run_manage("check", ALLOWED_HOSTS="x")

    assert result.returncode == 1
    assert (
        result.stderr.strip() == "liveblog: cannot start: SECRET_KEY must be set when DEBUG is off"
    )
    assert "Traceback" not in result.stderr


def test_a_malformed_database_url_is_one_clear_line():
    result = run_manage("check", DEBUG="1", DATABASE_URL="mysql//nonsense")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_database_is_one_clear_line():
    result = subprocess.run(
        [sys.executable, "-c", "import liveblog.asgi"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "1", "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(
        "liveblog: cannot start: the database (postgresql) is unreachable"
    )


def test_check_deploy_is_clean_with_production_settings():
    # With push notifications' keys: without them check says push is off (tests/test_push_setup.py).
    keys = new_keys("mailto:desk@example.com")

    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env(**keys))

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]


def test_pages_carry_a_strict_content_security_policy(client, story):
    response = client.get(story.get_absolute_url())

    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no nonce: the page is the same for all
    assert "unsafe-eval" not in policy and "unsafe-inline" not in policy
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    html = response.content.decode()
    assert "nonce=" not in html
    assert '"allowEval": false' in html and '"allowScriptTags": false' in html


def test_pages_carry_the_other_security_headers(client, story):
    response = client.get(story.get_absolute_url())

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_each_request_is_logged_as_one_structured_line(client, story, caplog):
    with caplog.at_level(logging.INFO, logger="liveblog.requests"):
        client.get(story.get_absolute_url())
        client.get("/stories/missing/")

    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "liveblog.requests"]
    assert [(line["path"], line["status"]) for line in lines] == [
        (story.get_absolute_url(), 200),
        ("/stories/missing/", 404),
    ]
    assert all(line["method"] == "GET" and line["duration_ms"] >= 0 for line in lines)


def test_sign_in_is_throttled_after_repeated_failures(client, db):
    make_user("target")
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": "target", "password": "wrong"})
        assert response.status_code == 200

    blocked = client.post("/accounts/login/", {"username": "target", "password": PASSWORD})

    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_good_sign_in_after_a_few_failures_works(client, db):
    make_user("target")
    for _ in range(2):
        client.post("/accounts/login/", {"username": "target", "password": "wrong"})

    response = client.post("/accounts/login/", {"username": "target", "password": PASSWORD})

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_a_missing_page_is_shown_in_the_site_design(client, db):
    response = client.get("/stories/nothing-here/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "We couldn’t find that page" in html
    assert 'class="masthead"' in html


def test_a_server_error_is_shown_in_the_site_design(client, db, monkeypatch):
    from incidents.views import reader

    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(reader.Story.objects, "for_front_page", broken)
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
