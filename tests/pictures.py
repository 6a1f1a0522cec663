"""Pictures for tests, drawn with Pillow (no binary fixtures); conftest's `media_root` keeps
their files in a throwaway folder."""

import io
from pathlib import Path

from PIL import Image, ImageDraw

from incidents.models import Picture


def drawn(width=1200, height=800, format_name="PNG", colour=(200, 40, 40)) -> bytes:
    image = Image.new("RGB", (width, height), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 8, height // 8, width // 2, height // 2), fill=colour)
    draw.ellipse((width // 2, height // 3, width - 10, height - 10), fill=(30, 90, 200))
    out = io.BytesIO()
    image.save(out, format_name)
    return out.getvalue()


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file())


def upload(story, by, alt="The error page: “The connection was interrupted”", **options):
    return Picture.upload(
        story, io.BytesIO(drawn(**options.pop("draw", {}))), alt=alt, by=by, **options
    )
