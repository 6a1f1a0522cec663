"""The project's middleware stack, without a thread hop per layer under the ASGI server.

When Django serves a request asynchronously it runs each hook of a `MiddlewareMixin` middleware
(`process_request`, `process_response`, `process_view`) through `sync_to_async`: a hand-off to a
thread and back. Our stack made sixteen of them on every request, a reader's poll or event
stream included, and they cost more than the view (issue 11). The hooks below read and write
headers and cookies and set lazy attributes; they do no I/O, so here they run on the event loop.
Where a hook can do I/O (a session to save, messages to store, a CSRF check that reads a form
body) it still goes to a thread, then and only then. Under the test client and WSGI (sync mode)
these are Django's own middleware, unchanged.

`MIDDLEWARE` names Django's classes (so `check --deploy` knows them); `Handler`, the ASGI
application, loads each in its form from `ON_THE_LOOP`, and serves the readers' own paths (the
poll, the event stream, /healthz) through the few that concern them, `READER_MIDDLEWARE`.
"""

import re

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions import middleware as sessions
from django.core.handlers.asgi import ASGIHandler
from django.middleware import clickjacking, common, csp, csrf, security
from django.utils.csp import CSP, build_policy
from whitenoise.middleware import WhiteNoiseMiddleware

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


async def in_thread(hook, *args):
    return await sync_to_async(hook, thread_sensitive=True)(*args)


class OnTheLoop:
    """Runs `process_request` and `process_response` in place when serving asynchronously,
    unless `response_needs_thread` says this response's hook will do I/O."""

    async def __acall__(self, request):
        response = self.process_request(request) if hasattr(self, "process_request") else None
        response = response or await self.get_response(request)
        if not hasattr(self, "process_response"):
            return response
        if self.response_needs_thread(request, response):
            return await in_thread(self.process_response, request, response)
        return self.process_response(request, response)

    def response_needs_thread(self, request, response) -> bool:
        return False


class SecurityMiddleware(OnTheLoop, security.SecurityMiddleware):
    pass


class ContentSecurityPolicyMiddleware(OnTheLoop, csp.ContentSecurityPolicyMiddleware):
    """Django builds the policy's header for every response; without a nonce in the policy it is
    the same every time, so it is built once per policy."""

    def __init__(self, get_response):
        super().__init__(get_response)
        self.built: dict[int, tuple] = {}

    def process_response(self, request, response):
        config = getattr(response, "_csp_config", settings.SECURE_CSP)
        if (
            CSP.HEADER_ENFORCE in response
            or not config
            or settings.SECURE_CSP_REPORT_ONLY
            or any(CSP.NONCE in values for values in config.values() if values)
        ):
            return super().process_response(request, response)
        kept = self.built.get(id(config))
        if kept is None or kept[0] is not config:
            kept = self.built[id(config)] = (config, build_policy(config))
        response.headers[CSP.HEADER_ENFORCE] = kept[1]
        return response


class CommonMiddleware(OnTheLoop, common.CommonMiddleware):
    pass


class XFrameOptionsMiddleware(OnTheLoop, clickjacking.XFrameOptionsMiddleware):
    pass


class AuthenticationMiddleware(OnTheLoop, auth.AuthenticationMiddleware):
    """Sets the lazy `request.user`; the user is read (in a thread) only when a view asks."""


class SessionMiddleware(OnTheLoop, sessions.SessionMiddleware):
    def response_needs_thread(self, request, response) -> bool:
        session = getattr(request, "session", None)
        return session is not None and (session.modified or settings.SESSION_SAVE_EVERY_REQUEST)


class MessageMiddleware(OnTheLoop, messages.MessageMiddleware):
    def response_needs_thread(self, request, response) -> bool:
        storage = getattr(request, "_messages", None)
        return storage is not None and (storage.used or storage.added_new)


class CsrfViewMiddleware(OnTheLoop, csrf.CsrfViewMiddleware):
    """A safe method's check reads nothing but headers: on the loop. Any other reads the form
    body, which may be a file: in a thread."""

    def __init__(self, get_response):
        super().__init__(get_response)
        if self.async_mode:
            self.process_view = self.process_view_on_loop

    async def process_view_on_loop(self, request, callback, callback_args, callback_kwargs):
        check = csrf.CsrfViewMiddleware.process_view
        args = (self, request, callback, callback_args, callback_kwargs)
        if request.method in SAFE_METHODS or getattr(callback, "csrf_exempt", False):
            return check(*args)
        return await in_thread(check, *args)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, which is synchronous only, made async-capable: a request for a static file is
    served from a thread (the file is opened there), any other passes straight on."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        super().__init__(get_response)
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self.acall(request)
        return super().__call__(request)

    async def acall(self, request):
        if self.autorefresh:  # development: files may appear at any time
            static_file = await in_thread(self.find_file, request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is None:
            return await self.get_response(request)
        return await in_thread(self.serve, static_file, request)


ON_THE_LOOP = {
    "django.middleware.security.SecurityMiddleware": SecurityMiddleware,
    "django.middleware.csp.ContentSecurityPolicyMiddleware": ContentSecurityPolicyMiddleware,
    "whitenoise.middleware.WhiteNoiseMiddleware": StaticFilesMiddleware,
    "django.contrib.sessions.middleware.SessionMiddleware": SessionMiddleware,
    "django.middleware.common.CommonMiddleware": CommonMiddleware,
    "django.middleware.csrf.CsrfViewMiddleware": CsrfViewMiddleware,
    "django.contrib.auth.middleware.AuthenticationMiddleware": AuthenticationMiddleware,
    "django.contrib.messages.middleware.MessageMiddleware": MessageMiddleware,
    "django.middleware.clickjacking.XFrameOptionsMiddleware": XFrameOptionsMiddleware,
}


def loop_form(path: str) -> str:
    found = ON_THE_LOOP.get(path)
    return path if found is None else f"{found.__module__}.{found.__qualname__}"


def loaded(middleware: list[str]) -> ASGIHandler:
    """An ASGI handler with these middleware, each in its on-the-loop form."""
    listed = settings.MIDDLEWARE
    settings.MIDDLEWARE = [loop_form(path) for path in middleware]
    try:
        return ASGIHandler()
    finally:
        settings.MIDDLEWARE = listed


class Handler:
    """The ASGI application: Django's handler with each middleware of `MIDDLEWARE` in its
    on-the-loop form. The paths in `READER_PATHS` (the poll, the event stream, /healthz), and
    the pages in `READER_PAGES` (the article) when no session or message cookie comes with the
    request, are for readers: no session, no form, no sign-in. They pass only the shorter
    `READER_MIDDLEWARE`."""

    def __init__(self):
        self.everyone = loaded(settings.MIDDLEWARE)
        self.readers = loaded(settings.READER_MIDDLEWARE)
        self.reader_paths = re.compile(settings.READER_PATHS)
        self.reader_pages = re.compile(settings.READER_PAGES)
        self.signed_in = re.compile(
            rf"(^|[;\s])({settings.SESSION_COOKIE_NAME}|{CookieStorage.cookie_name})=".encode()
        )

    def for_readers(self, scope) -> bool:
        path = scope["path"]
        if self.reader_paths.fullmatch(path):
            return True
        if not self.reader_pages.fullmatch(path):
            return False
        cookies = b";".join(value for name, value in scope.get("headers", ()) if name == b"cookie")
        return not self.signed_in.search(cookies)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self.for_readers(scope):
            # Not in a ThreadSensitiveContext of its own, as Django would: the request signals
            # of all these requests run on one shared thread, rather than on a thread started
            # and joined for each request (issue 11). Their slower work (a look-up, a render)
            # takes a thread of its own (liveblog/offload.py).
            return await self.readers.handle(scope, receive, send)
        return await self.everyone(scope, receive, send)
