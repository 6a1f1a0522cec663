from django.urls import path, re_path

from incidents.api import openapi, stories, updates
from incidents.api.endpoint import not_found

app_name = "api"

urlpatterns = [
    path("stories", stories.stories, name="stories"),
    path("stories/<slug:slug>", stories.story, name="story"),
    path("stories/<slug:slug>/updates", updates.story_updates, name="updates"),
    path("stories/<slug:slug>/updates/<int:number>", updates.story_update, name="update"),
    path("openapi.json", openapi.openapi, name="openapi"),
    re_path(r"^(?P<path>.*)$", not_found),
]
