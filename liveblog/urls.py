from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from incidents.views.accounts import login
from incidents.views.favicon import favicon
from incidents.views.health import healthz
from liveblog.media import serve_media

# Readers' paths first: they are most of the traffic, and each pattern tried costs a little.
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("incidents.urls.live")),
    path("", include("incidents.urls.reader")),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/login/", login, name="login"),
    # No password reset by email: an administrator sets a new password in the admin, or with
    # `manage.py changepassword` (README).
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("newsroom/profile/", include("incidents.urls.tokens")),
    path("newsroom/", include("incidents.urls.desk")),
    path("api/v1/", include("incidents.urls.api")),
    path("", include("incidents.urls.export")),
    path("", include("incidents.urls.subscriptions")),
]
if not settings.MEDIA_S3_BUCKET and settings.MEDIA_URL.startswith("/"):
    # Pictures stored on this machine (liveblog/media.py); a bucket serves its own.
    prefix = settings.MEDIA_URL.strip("/")
    urlpatterns.append(re_path(rf"^{prefix}/(?P<path>.+)$", serve_media, name="media"))
