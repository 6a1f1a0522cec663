"""Sign-in. Repeated failures are locked out by django-axes (liveblog/signin.py), which calls
`locked_out` for the page. There is no password reset by email: an administrator
sets a new password in the admin, or runs `manage.py changepassword`."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render

LOCKED_OUT = (
    "Too many failed sign-ins for this account. Wait {minutes} minutes and try again, "
    "or ask an editor to reset your password."
)

login = auth_views.LoginView.as_view()


def locked_out(request, response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, with why, as 429. The admin's sign-in
    gets the same page: it is one account either way."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        "form": AuthenticationForm(request, initial={"username": request.POST.get("username")}),
        "next": request.POST.get("next", ""),
        "refused": LOCKED_OUT.format(minutes=minutes),
    }
    return render(request, "registration/login.html", context, status=429)
