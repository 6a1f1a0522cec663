from django.contrib import admin
from django.urls import include, path

from incidents.views.accounts import login
from incidents.views.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", login, name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("newsroom/profile/", include("incidents.urls.tokens")),
    path("newsroom/", include("incidents.urls.desk")),
    path("api/v1/", include("incidents.urls.api")),
    path("", include("incidents.urls.live")),
    path("", include("incidents.urls.export")),
    path("", include("incidents.urls.reader")),
]
