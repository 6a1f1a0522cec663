from django.urls import path, re_path

from incidents.api import contributors, drafts
from incidents.views import api, api_updates

app_name = "api"

urlpatterns = [
    path("stories", api.stories, name="stories"),
    path("stories/<slug:slug>", api.story, name="story"),
    path("stories/<slug:slug>/updates", api_updates.story_updates, name="updates"),
    path("stories/<slug:slug>/updates/<int:number>", api_updates.story_update, name="update"),
    path("stories/<slug:slug>/drafts/<int:pk>", drafts.draft, name="draft"),
    path("stories/<slug:slug>/drafts/<int:pk>/publish", drafts.publish_draft, name="publish_draft"),
    path("stories/<slug:slug>/contributors", contributors.contributors, name="contributors"),
    path(
        "stories/<slug:slug>/contributors/<str:username>",
        contributors.contributor,
        name="contributor",
    ),
    path("openapi.json", api.openapi, name="openapi"),
    re_path(r"^(?P<path>.*)$", api.not_found),
]
