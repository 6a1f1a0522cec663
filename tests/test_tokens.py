"""API tokens: issued by `manage.py issue_token` and from the newsroom profile page, revocable."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from incidents.models import ApiToken
from tests.api_support import Api
from tests.conftest import make_user


def _issue(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("issue_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


# --- the management command -------------------------------------------------------------------


def test_issue_token_prints_a_working_token_once(editor, story):
    raw, advice = _issue("erin", "--name", "status bot")

    token = ApiToken.objects.get(user=editor)
    assert token.name == "status bot"
    assert raw.startswith("lb_") and "\n" not in raw
    assert token.key_hash != raw and raw not in advice
    assert "shown only now" in advice
    assert Api(raw=raw).get(f"/stories/{story.slug}").status_code == 200


def test_issue_token_for_unknown_user_fails(db):
    with pytest.raises(CommandError, match="no user called “nobody”"):
        _issue("nobody")
    assert not ApiToken.objects.exists()


def test_issue_token_for_deactivated_user_fails(db):
    make_user("gone", is_active=False)

    with pytest.raises(CommandError, match="deactivated"):
        _issue("gone")


# --- the profile page -------------------------------------------------------------------------


@pytest.fixture
def signed_in(reporter):
    client = Client()
    client.force_login(reporter)
    return client


def test_profile_needs_sign_in(db):
    response = Client().get("/newsroom/profile/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_creating_a_token_shows_it_once(signed_in, reporter, story):
    response = signed_in.post("/newsroom/profile/tokens/", {"name": "My script"})

    assert response.status_code == 201
    assert response["Cache-Control"].startswith("max-age=0")
    token = ApiToken.objects.get(user=reporter)
    raw = response.context["new_token"]
    assert raw.startswith(token.hint)
    assert f'value="{raw}"' in response.content.decode()
    assert "My script" in response.content.decode()
    assert Api(raw=raw).get(f"/stories/{story.slug}").status_code == 200

    again = signed_in.get("/newsroom/profile/").content.decode()
    assert raw not in again
    assert f"{token.hint}…" in again


def test_profile_lists_only_my_tokens(signed_in, reporter, editor):
    ApiToken.issue(reporter, name="mine")
    ApiToken.issue(editor, name="the editor's")

    page = signed_in.get("/newsroom/profile/").content.decode()

    assert "mine" in page
    assert "the editor&#x27;s" not in page and "the editor's" not in page


def test_revoking_a_token_stops_it_working(signed_in, reporter, story):
    token, raw = ApiToken.issue(reporter, name="old bot")

    response = signed_in.post(f"/newsroom/profile/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Api(raw=raw).get(f"/stories/{story.slug}").status_code == 401
    page = signed_in.get("/newsroom/profile/").content.decode()
    assert "Revoked" in page


def test_revoking_with_htmx_returns_the_token_region(signed_in, reporter):
    token, _ = ApiToken.issue(reporter)

    response = signed_in.post(
        f"/newsroom/profile/tokens/{token.pk}/revoke/", headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="tokens"')
    assert "no longer works" in body


def test_cannot_revoke_someone_elses_token(signed_in, editor):
    token, _ = ApiToken.issue(editor)

    response = signed_in.post(f"/newsroom/profile/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_name_too_long_is_400_on_the_field(signed_in, reporter):
    response = signed_in.post("/newsroom/profile/tokens/", {"name": "x" * 101})

    assert response.status_code == 400
    assert "at most 100 characters" in response.content.decode()
    assert not ApiToken.objects.filter(user=reporter).exists()


def test_revoke_needs_post(signed_in, reporter):
    token, _ = ApiToken.issue(reporter)

    assert signed_in.get(f"/newsroom/profile/tokens/{token.pk}/revoke/").status_code == 405
