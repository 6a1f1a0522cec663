from django.urls import path

from incidents.views import (
    desk,
    desk_compose,
    desk_history,
    desk_pictures,
    desk_story,
    desk_subscribers,
    desk_suggestions,
    desk_updates,
    desk_webhooks,
)

app_name = "desk"

story = "stories/<slug:slug>/"
update = f"{story}updates/<int:pk>/"
person = f"{story}contributors/<int:pk>/"
suggestion = f"{story}suggestions/<int:pk>/"

urlpatterns = [
    path("", desk.dashboard, name="dashboard"),
    path("stories/new/", desk.create_story, name="create_story"),
    path("webhooks/", desk_webhooks.webhooks, name="webhooks"),
    path("webhooks/<int:pk>/remove/", desk_webhooks.remove_webhook, name="remove_webhook"),
    path(story, desk.story, name="story"),
    path(f"{story}timeline/", desk.timeline, name="timeline"),
    path(f"{story}changes/", desk.changes, name="changes"),
    path(f"{story}preview/", desk_compose.preview, name="preview"),
    path(f"{story}publish/", desk_compose.publish, name="publish"),
    path(f"{story}draft/", desk_compose.save_draft, name="save_draft"),
    path(f"{story}post-card/", desk_compose.post_card_details, name="post_card_details"),
    path(f"{story}details/", desk_story.details, name="details"),
    # Under a prefix of its own: uploads may be larger than forms (REQUEST_BODY_LIMITS).
    path("pictures/<slug:slug>/", desk_pictures.upload, name="upload_picture"),
    path(f"{story}state/", desk_story.state, name="state"),
    path(f"{story}subscribers/", desk_subscribers.subscribers, name="subscribers"),
    path(
        f"{story}subscribers/<int:pk>/delete/",
        desk_subscribers.delete_subscriber,
        name="delete_subscriber",
    ),
    path(f"{story}contributors/", desk_story.add_contributor, name="add_contributor"),
    path(f"{person}publishing/", desk_story.contributor_publishing, name="contributor_publishing"),
    path(f"{person}remove/", desk_story.remove_contributor, name="remove_contributor"),
    path(f"{suggestion}resolve/", desk_suggestions.resolve, name="resolve_suggestion"),
    path(update, desk_updates.update_row, name="update"),
    path(f"{update}edit/", desk_updates.edit_update, name="edit_update"),
    path(f"{update}retract/", desk_updates.retract, name="retract"),
    path(f"{update}pin/", desk_updates.pin, name="pin"),
    path(f"{story}pictures/<int:pk>/purge/", desk_updates.purge_picture, name="purge_picture"),
    path(f"{update}publish/", desk_updates.publish_draft, name="publish_draft"),
    path(f"{update}discard/", desk_updates.discard_draft, name="discard_draft"),
    path(f"{update}history/", desk_history.history, name="history"),
]
