from django.urls import path

from incidents.live import poll, stream

app_name = "live"

urlpatterns = [
    path("stories/<slug:slug>/events", stream.events, name="events"),
    path("stories/<slug:slug>/updates", poll.updates, name="updates"),
]
