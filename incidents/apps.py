from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents"
    verbose_name = "Live stories"

    def ready(self):
        # Receivers of `story_changed`: this process's memory of story heads, and its hub.
        from incidents.live import heads, local  # noqa: F401
