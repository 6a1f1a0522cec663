from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents"
    verbose_name = "Live stories"

    def ready(self):
        # Receivers of `story_changed`: this process's memory of story heads, its hub, the
        # webhooks' queue and the push notifications' (which also registers its check).
        from incidents import push, webhooks  # noqa: F401
        from incidents.live import heads, local  # noqa: F401
