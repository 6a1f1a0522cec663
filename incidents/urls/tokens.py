from django.urls import path

from incidents.views import tokens

app_name = "tokens"

urlpatterns = [
    path("", tokens.profile, name="profile"),
    path("tokens/", tokens.create, name="create"),
    path("tokens/<int:pk>/revoke/", tokens.revoke, name="revoke"),
]
