"""Sign-in lockout, through django-axes: after MAX failed sign-ins for one account from one
address, that pair waits. Wired in settings (AXES_*); covers every sign-in form that calls
`authenticate()` with its request, the newsroom's and the admin's alike.

Two things axes does not do by itself, done here:
- The username is counted the way sign-in reads it (stripped, NFKC-normalised, as Django's
  UsernameField does), so "rep2 " and full-width "ｒｅｐ２" count against rep2.
- Each attempt reserves its place *before* its password is checked, with one atomic increment in
  the cache; an attempt past the limit is refused without a check. Axes counts a failure only
  after the check, so concurrent guesses would all be checked before any was counted.
"""

from axes.backends import AxesStandaloneBackend
from axes.handlers.cache import AxesCacheHandler
from axes.helpers import (
    get_cache_timeout,
    get_client_cache_keys,
    get_client_username,
    get_failure_limit,
)
from axes.signals import user_locked_out
from django.contrib.auth.forms import UsernameField
from django.http import HttpRequest

_username_field = UsernameField()


def normalised_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the username as the sign-in form will look it up."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None and request.method == "POST":
        raw = request.POST.get("username")
    if not isinstance(raw, str):
        return None
    return _username_field.to_python(raw)


def client_address(request: HttpRequest) -> str:
    """AXES_CLIENT_IP_CALLABLE: the peer address. uvicorn puts the client's address here from
    X-Forwarded-For only when the peer is a trusted proxy (FORWARDED_ALLOW_IPS)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


class SignInBackend(AxesStandaloneBackend):
    """Axes' backend, except that a call without a request (the test client's login(), a
    management command) is let through to the next backend: there is no address to key on."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class ReservingCacheHandler(AxesCacheHandler):
    """Counts attempts, not failures: one atomic `incr` per attempt before its password is
    checked. A successful sign-in clears the count (AXES_RESET_ON_SUCCESS)."""

    def is_locked(self, request, credentials=None) -> bool:
        timeout = get_cache_timeout(request)
        attempts = 0
        for key in get_client_cache_keys(request, credentials):
            self.cache.add(key, 0, timeout=timeout)
            attempts = max(attempts, self.cache.incr(key))
            self.cache.touch(key, timeout=timeout)
        request.signin_attempt = attempts
        request.axes_failures_since_start = attempts
        return attempts > get_failure_limit(request, credentials)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        attempt = getattr(request, "signin_attempt", None)
        if attempt is None:  # not through our backend: count it the way axes does
            return super().user_login_failed(sender, credentials, request, **kwargs)
        if attempt > get_failure_limit(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )
