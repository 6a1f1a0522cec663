from django.urls import path, re_path

from incidents.views import api, api_updates

app_name = "api"

urlpatterns = [
    path("stories", api.stories, name="stories"),
    path("stories/<slug:slug>", api.story, name="story"),
    path("stories/<slug:slug>/updates", api_updates.story_updates, name="updates"),
    path("stories/<slug:slug>/updates/<int:number>", api_updates.story_update, name="update"),
    path("openapi.json", api.openapi, name="openapi"),
    re_path(r"^(?P<path>.*)$", api.not_found),
]
