from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents"
    verbose_name = "Live stories"

    def ready(self):
        # Receivers of `story_changed`: this process's memory of story heads, its hub, and the
        # webhooks' and the subscriber emails' queues.
        from incidents import subscriber_mail, webhooks  # noqa: F401
        from incidents.live import heads, local  # noqa: F401
