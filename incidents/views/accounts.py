"""Sign-in, throttled: after repeated failures for one account from one address, wait."""

import hashlib

from django.contrib.auth import views as auth_views
from django.core.cache import cache

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


def _key(request, username: str) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{username.lower()}|{address}".encode()).hexdigest()
    return f"signin-failures:{digest}"


class ThrottledLoginView(auth_views.LoginView):
    def post(self, request, *args, **kwargs):
        key = _key(request, request.POST.get("username", ""))
        if cache.get(key, 0) >= MAX_FAILURES:
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                "Too many failed sign-ins for this account. Wait 15 minutes and try again, "
                "or ask an editor to reset your password.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        key = _key(self.request, self.request.POST.get("username", ""))
        cache.add(key, 0, timeout=WINDOW_SECONDS)
        cache.incr(key)
        return super().form_invalid(form)

    def form_valid(self, form):
        cache.delete(_key(self.request, self.request.POST.get("username", "")))
        return super().form_valid(form)


login = ThrottledLoginView.as_view()
