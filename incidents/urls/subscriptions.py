from django.urls import path

from incidents.views import subscriptions

app_name = "subscriptions"

urlpatterns = [
    path("subscriptions/confirm/<str:token>/", subscriptions.confirm, name="confirm"),
    # RFC 8058's one-click address, in every email's List-Unsubscribe header.
    path("unsubscribe/<str:token>/", subscriptions.unsubscribe, name="unsubscribe"),
]
