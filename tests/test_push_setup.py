"""Setting push notifications up (issue 14, item 3): VAPID keys from the environment, written
into the local .env by `make run`, made for production by `manage.py vapid_keys`; the article's
button and the service worker, present only when the site has keys."""

import re

from django.urls import reverse

from liveblog.localenv import read_local_env, write_local_env
from liveblog.vapid import new_keys, problems, public_key_of
from tests.test_production import production_env, run_manage

# --- the article and the service worker -------------------------------------------------------


def test_the_article_offers_notifications_when_the_site_has_keys(client, story, vapid):
    response = client.get(story.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-push-key="{vapid["VAPID_PUBLIC_KEY"]}"' in html
    assert reverse("reader:push_subscribe", args=[story.slug]) in html
    assert "Turn on notifications" in html
    assert "/static/js/push.js" in html
    assert "Set-Cookie" not in response  # still the same cacheable page for every reader


def test_without_keys_the_article_has_no_notifications_button(client, story, settings):
    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = settings.VAPID_SUBJECT = ""

    response = client.get(story.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "Chat Service Suffers Global Outage" in html
    assert "data-push" not in html
    assert "push.js" not in html


def test_an_ended_story_offers_no_notifications(client, story, editor, vapid):
    story.set_state("ended", by=editor)

    response = client.get(story.get_absolute_url())

    assert response.status_code == 200
    assert "Live coverage has ended" in response.content.decode()
    assert "data-push" not in response.content.decode()


def test_the_service_worker_may_serve_the_readers_pages(client, db):
    response = client.get(reverse("reader:push_worker"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/stories/"
    script = response.content.decode()
    assert 'addEventListener("push"' in script
    assert 'addEventListener("notificationclick"' in script
    assert "Set-Cookie" not in response


# --- keys ---------------------------------------------------------------------------------------


def test_new_keys_are_a_matching_pair_in_the_browsers_format():
    keys = new_keys("mailto:desk@example.com")

    assert re.fullmatch(r"[\w-]{43}", keys["VAPID_PRIVATE_KEY"])  # 32 bytes, base64url
    assert re.fullmatch(r"[\w-]{87}", keys["VAPID_PUBLIC_KEY"])  # 65 bytes, uncompressed point
    assert public_key_of(keys["VAPID_PRIVATE_KEY"]) == keys["VAPID_PUBLIC_KEY"]
    assert problems(**{k.removeprefix("VAPID_").lower(): v for k, v in keys.items()}) == []


def test_wrong_keys_are_named():
    keys = new_keys("mailto:desk@example.com")
    other = new_keys("mailto:desk@example.com")

    assert problems("", "", "") == []  # push off
    assert problems(keys["VAPID_PRIVATE_KEY"], "", "") == [
        "VAPID_PUBLIC_KEY, VAPID_SUBJECT must be set too: push needs all three VAPID settings."
    ]
    assert problems(keys["VAPID_PRIVATE_KEY"], other["VAPID_PUBLIC_KEY"], "mailto:a@b.c") == [
        "VAPID_PUBLIC_KEY is not the public half of VAPID_PRIVATE_KEY."
    ]
    assert problems("AAAA", keys["VAPID_PUBLIC_KEY"], "mailto:a@b.c") == [
        "VAPID_PRIVATE_KEY is not a VAPID private key (not a 32-byte P-256 private key)."
    ]
    assert problems(keys["VAPID_PRIVATE_KEY"], keys["VAPID_PUBLIC_KEY"], "desk") == [
        "VAPID_SUBJECT must be a mailto: or https: address, not 'desk'."
    ]


def test_a_wrong_key_in_the_environment_stops_start_up_naming_it():
    keys = new_keys("mailto:desk@example.com")
    env = production_env(VAPID_PRIVATE_KEY=keys["VAPID_PRIVATE_KEY"], VAPID_SUBJECT="nobody")

    result = run_manage("check", **env)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "VAPID_PUBLIC_KEY must be set too" in result.stderr


def test_check_says_push_is_off_without_keys_and_does_not_stop_the_server():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env())

    assert result.returncode == 0, result.stderr
    said = result.stdout + result.stderr
    assert "(incidents.I001) Push notifications are off" in said
    assert "manage.py vapid_keys" in said


def test_check_is_quiet_about_push_with_keys():
    keys = new_keys("mailto:desk@example.com")

    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env(**keys))

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_vapid_keys_prints_a_pair_for_the_environment():
    result = run_manage("vapid_keys", "--subject", "mailto:desk@example.com", **production_env())

    assert result.returncode == 0, result.stderr
    lines = dict(line.split("=", 1) for line in result.stdout.split())
    assert set(lines) == {"VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY", "VAPID_SUBJECT"}
    assert public_key_of(lines["VAPID_PRIVATE_KEY"]) == lines["VAPID_PUBLIC_KEY"]
    assert lines["VAPID_SUBJECT"] == "mailto:desk@example.com"


def test_vapid_keys_wants_a_contact_address():
    result = run_manage("vapid_keys", "--subject", "desk", **production_env())

    assert result.returncode == 1
    assert "--subject must be a mailto: or https: address" in result.stderr


# --- the local .env -----------------------------------------------------------------------------


def test_make_runs_env_file_has_vapid_keys(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    for name in ("VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY", "VAPID_SUBJECT"):
        monkeypatch.delenv(name, raising=False)

    assert write_local_env(env_file) is True
    held = read_local_env(env_file)

    assert public_key_of(held["VAPID_PRIVATE_KEY"]) == held["VAPID_PUBLIC_KEY"]
    assert held["VAPID_SUBJECT"] == "mailto:desk@localhost"
    assert (
        problems(held["VAPID_PRIVATE_KEY"], held["VAPID_PUBLIC_KEY"], held["VAPID_SUBJECT"]) == []
    )


def test_an_older_env_file_gets_vapid_keys_added_and_keeps_the_rest(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=1\nSECRET_KEY=kept-as-it-was\nVAPID_SUBJECT=mailto:me@example.com")

    assert write_local_env(env_file) is True
    text = env_file.read_text()
    assert write_local_env(env_file) is False  # keys there: nothing more added

    assert env_file.read_text() == text
    assert text.startswith(
        "DEBUG=1\nSECRET_KEY=kept-as-it-was\nVAPID_SUBJECT=mailto:me@example.com\n"
    )
    assert text.count("VAPID_SUBJECT=") == 1  # the developer's own contact stays
    private = re.search(r"^VAPID_PRIVATE_KEY=(\S+)$", text, re.MULTILINE)[1]
    public = re.search(r"^VAPID_PUBLIC_KEY=(\S+)$", text, re.MULTILINE)[1]
    assert public_key_of(private) == public
