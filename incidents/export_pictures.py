"""Pictures in the exports (issue 13): the HTML export carries each inside itself, the Markdown
export references files `export_story` writes beside it, JSON-LD and JSON give addresses."""

import base64
from collections.abc import Callable

from django.core.files.storage import default_storage

from incidents.models import Story, Update
from incidents.models.picture import Figure


def media_address(site: str = "") -> Callable[[str], str]:
    """Makes a picture's storage URL absolute under the site's address when it is known (a
    bucket's URLs already are); otherwise leaves it as it is."""

    def absolute(url: str) -> str:
        return f"{site}{url}" if site and url.startswith("/") else url

    return absolute


def image_object(figure: Figure, media_url) -> dict:
    image = {
        "@type": "ImageObject",
        "description": figure.alt,
        "width": figure.width,
        "height": figure.height,
    }
    if figure.caption:
        image["caption"] = figure.caption
    if figure.credit:
        image["creditText"] = figure.credit
    url = media_url(figure.fallback_url)
    if "://" in url:
        image["contentUrl"] = url
    return image


def embed_pictures(updates: list[Update]) -> None:
    """Each picture once, inside the file: its bounded fallback rendition (at most 960 pixels
    wide, JPEG or PNG) as a data: URI, so the archive shows it with no network at all."""
    for update in updates:
        if update.is_retracted or not update.picture_data:
            continue
        figures = update.figures
        for figure in figures:
            fallback = figure.fallback
            with default_storage.open(fallback["name"]) as file:
                encoded = base64.b64encode(file.read()).decode("ascii")
            figure.embedded = f"data:image/{fallback['format']};base64,{encoded}"
        update.shown_figures = figures


def picture_path(story: Story, figure: Figure) -> str:
    """Where the Markdown export expects a picture's file, beside it (`export_story` puts it
    there): its bounded fallback rendition."""
    fallback = figure.fallback
    extension = "jpg" if fallback["format"] == "jpeg" else fallback["format"]
    return f"{story.slug}-pictures/{figure.id}.{extension}"


def markdown_figure(story: Story, figure: Figure, escape: Callable[[str], str]) -> list[str]:
    """The picture in the Markdown export, under its alt text (escaped by `escape`)."""
    alt = escape(figure.alt)
    lines = [f"![{alt}]({picture_path(story, figure)})", ""]
    words = " ".join(escape(t) for t in (figure.caption, figure.credit) if t)
    return lines + ([f"*{words}*", ""] if words else [])
