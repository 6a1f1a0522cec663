from django.urls import path, re_path

from incidents.api import contributors, drafts, openapi, pictures, stories, updates
from incidents.api.endpoint import not_found

app_name = "api"

urlpatterns = [
    path("stories", stories.stories, name="stories"),
    path("stories/<slug:slug>", stories.story, name="story"),
    path("stories/<slug:slug>/updates", updates.story_updates, name="updates"),
    path("stories/<slug:slug>/updates/<int:number>", updates.story_update, name="update"),
    path("stories/<slug:slug>/drafts/<int:pk>", drafts.draft, name="draft"),
    path("stories/<slug:slug>/drafts/<int:pk>/publish", drafts.publish_draft, name="publish_draft"),
    path("stories/<slug:slug>/contributors", contributors.contributors, name="contributors"),
    path(
        "stories/<slug:slug>/contributors/<str:username>",
        contributors.contributor,
        name="contributor",
    ),
    path("pictures", pictures.pictures, name="pictures"),
    path("openapi.json", openapi.openapi, name="openapi"),
    re_path(r"^(?P<path>.*)$", not_found),
]
