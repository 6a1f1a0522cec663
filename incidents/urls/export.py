from django.urls import path, register_converter

from incidents import feeds
from incidents.export import FORMATS
from incidents.views import export


class ExportFormatConverter:
    regex = "|".join(FORMATS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormatConverter, "export_format")

app_name = "export"

urlpatterns = [
    # reverse("export:story", kwargs={"slug": ..., "fmt": "html" | "md" | "json"})
    path("stories/<slug:slug>/export.<export_format:fmt>", export.story_export, name="story"),
    path("stories/<slug:slug>/feed.atom", feeds.StoryAtomFeed(), name="story_atom"),
    path("stories/<slug:slug>/feed.rss", feeds.StoryRssFeed(), name="story_rss"),
    path("feed.atom", feeds.SiteAtomFeed(), name="site_atom"),
    path("feed.rss", feeds.SiteRssFeed(), name="site_rss"),
]
