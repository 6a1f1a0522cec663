"""Sign-in lockout (issue 10, finding 6): keyed on the username as sign-in reads it and the
client's address, atomic under concurrent guesses, on the newsroom's and the admin's sign-in;
and no password reset by email (finding 10)."""

import threading

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from tests.conftest import PASSWORD, make_user

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def sign_in(client, username, password, url=LOGIN):
    return client.post(url, {"username": username, "password": password})


def assert_locked_out(response, client):
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.fixture
def rep2(db):
    return make_user("rep2")


def test_five_wrong_passwords_lock_the_account_for_this_address(client, rep2):
    for _ in range(5):
        response = sign_in(client, "rep2", "wrong")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()

    assert_locked_out(sign_in(client, "rep2", PASSWORD), client)


@pytest.mark.parametrize("spelling", ["rep2 ", "ｒｅｐ２", "ｒｅｐ2\u3000"])
def test_every_spelling_that_signs_in_as_rep2_counts_against_rep2(client, rep2, spelling):
    """The old throttle counted the username as typed: these still signed in after the lock."""
    assert sign_in(Client(), spelling, PASSWORD).status_code == 302  # sign-in reads it as rep2
    for _ in range(5):
        assert sign_in(client, spelling, "wrong").status_code == 200

    assert_locked_out(sign_in(client, "rep2", PASSWORD), client)
    assert_locked_out(sign_in(client, spelling, PASSWORD), client)


def test_the_admin_sign_in_is_locked_out_too(client, db):
    User.objects.create_superuser("boss", "boss@example.com", PASSWORD)
    for _ in range(5):
        assert sign_in(client, "boss", "wrong", ADMIN_LOGIN).status_code == 200

    assert_locked_out(sign_in(client, "boss", PASSWORD, ADMIN_LOGIN), client)
    assert_locked_out(sign_in(client, "boss", PASSWORD), client)  # one account, one count


def test_another_address_is_not_locked_out(client, rep2):
    for _ in range(5):
        sign_in(client, "rep2", "wrong")

    elsewhere = Client(REMOTE_ADDR="203.0.113.9")

    assert sign_in(elsewhere, "rep2", PASSWORD).status_code == 302
    assert "_auth_user_id" in elsewhere.session


def test_a_good_sign_in_clears_the_count(client, rep2):
    for _ in range(4):
        sign_in(client, "rep2", "wrong")
    assert sign_in(client, "rep2", PASSWORD).status_code == 302
    client.logout()

    for _ in range(4):
        assert sign_in(client, "rep2", "wrong").status_code == 200
    assert sign_in(client, "rep2", PASSWORD).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_check_at_most_the_limit(monkeypatch):
    """15 wrong guesses at once were all checked against the password (limit 5)."""
    make_user("rep2")
    checked = []
    real_check = User.check_password

    def counting_check(user, raw):
        checked.append(raw)
        return real_check(user, raw)

    monkeypatch.setattr(User, "check_password", counting_check)
    start = threading.Barrier(15)
    results = []

    def guess(n):
        request = RequestFactory().post(LOGIN, {"username": "rep2", "password": f"guess-{n}"})
        start.wait()
        results.append(authenticate(request, username="rep2", password=f"guess-{n}"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(results) == 15
    assert results == [None] * 15
    assert 1 <= len(checked) <= 5


@pytest.mark.parametrize(
    "url",
    ["/accounts/password_reset/", "/accounts/reset/done/", "/accounts/reset/MQ/set-password/"],
)
def test_password_reset_is_not_routed(client, db, url):
    """It was routed but could never send its email, and its timing told which addresses had
    accounts. Editors set new passwords in the admin instead."""
    response = client.get(url)

    assert response.status_code == 404
    assert "We couldn’t find that page" in response.content.decode()


def test_password_change_still_works_for_a_signed_in_user(client, rep2):
    client.force_login(rep2)

    response = client.get("/accounts/password_change/")

    assert response.status_code == 200
    assert "Old password" in response.content.decode()


# --- trusted proxies --------------------------------------------------------------------------


def test_make_serve_passes_the_trusted_proxies_to_uvicorn():
    """Finding 11: --proxy-headers without them made every reader behind a balancer one address."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        ["make", "-n", "serve", "FORWARDED_ALLOW_IPS=10.0.0.0/8,192.0.2.7"],
        cwd=root, capture_output=True, text=True, check=True,
    )  # fmt: skip

    assert '--forwarded-allow-ips "10.0.0.0/8,192.0.2.7"' in done.stdout


@pytest.mark.parametrize("value", ["10.0.0.0/8, 192.0.2.7", "*", "::1"])
def test_trusted_proxies_are_read_strictly(monkeypatch, value):
    from liveblog.env import env_addresses

    monkeypatch.setenv("FORWARDED_ALLOW_IPS", value)
    assert env_addresses("FORWARDED_ALLOW_IPS", []) == [v.strip() for v in value.split(",")]


def test_a_malformed_trusted_proxy_stops_start_up(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from liveblog.env import env_addresses

    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.1,balancer.internal")
    with pytest.raises(ImproperlyConfigured, match="balancer.internal"):
        env_addresses("FORWARDED_ALLOW_IPS", [])
