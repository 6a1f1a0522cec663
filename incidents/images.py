"""Pictures a journalist uploads, made safe to show: the one place Pillow is called (issue 13).

Nothing of the uploaded file is ever stored or served. It is checked (a JPEG, PNG, WebP or GIF
image of at most MAX_UPLOAD_BYTES and MAX_PIXELS, decoded whole), turned upright by its EXIF
orientation, and re-encoded at a few widths, as WebP and as a JPEG (or, where it has
transparency, a PNG) fallback. Re-encoding drops every byte we did not draw: EXIF (GPS
included), XMP, ICC profiles, comments, and whatever a polyglot file hides after the picture.

Every refusal is an `ImageRefused` (a ValidationError) whose message is for the journalist.
"""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

# The formats we open, by Pillow's name, and what the journalist calls them.
ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF"}
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Rendition widths, in CSS pixels at 1x; an image narrower than one is not enlarged to it.
RENDITION_WIDTHS = (480, 960, 1600)
WEBP_QUALITY = 80
JPEG_QUALITY = 85

_ACCEPTED_NAMES = ", ".join(list(ACCEPTED_FORMATS.values())[:-1]) + " or GIF"
# Pillow decodes a JPEG at 1/2, 1/4 or 1/8 scale for the asking (`draft`), several times faster.
_DRAFTABLE = {"JPEG"}


class ImageRefused(ValidationError):
    def __init__(self, message: str):
        super().__init__(message, code="image")


@dataclass(frozen=True, slots=True)
class Rendition:
    width: int
    height: int
    format: str  # "webp", "jpeg" or "png"
    content: bytes

    @property
    def content_type(self) -> str:
        return f"image/{self.format}"

    @property
    def extension(self) -> str:
        return "jpg" if self.format == "jpeg" else self.format


@dataclass(frozen=True, slots=True)
class PreparedImage:
    width: int  # of the largest rendition
    height: int
    source_format: str  # Pillow's name of what was uploaded: JPEG, PNG, WEBP or GIF
    animated: bool  # an animation was uploaded; its first frame is kept
    renditions: tuple[Rendition, ...]

    @property
    def fallback_format(self) -> str:
        return next(r.format for r in self.renditions if r.format != "webp")


def prepare_image(upload) -> PreparedImage:
    """Check an uploaded file (bytes or a binary file object) and render it at every width.
    Raises ImageRefused with a message for the journalist; on success nothing of the original
    is kept."""
    data = _read_bounded(upload)
    if _looks_like_svg(data):
        raise ImageRefused(
            "SVG images are not accepted: they can carry script. "
            "Export the picture as PNG or JPEG and upload that."
        )
    image = _open(data)
    animated = bool(getattr(image, "is_animated", False))
    image = _upright_without_metadata(image)
    has_alpha = image.mode == "RGBA"
    fallback = "png" if has_alpha else "jpeg"
    renditions = []
    for width in _widths(image.width):
        resized = _resized(image, width)
        renditions.append(_encode(resized, "webp"))
        renditions.append(_encode(resized, fallback))
    largest = renditions[-1]
    return PreparedImage(
        largest.width, largest.height, image.format_name, animated, tuple(renditions)
    )


def _read_bounded(upload) -> bytes:
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRefused(
            f"This file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB, the most an "
            "image may be. Export it smaller and upload it again."
        )
    if not data:
        raise ImageRefused("The file is empty.")
    return data


def _looks_like_svg(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head[:1024]


def _open(data: bytes) -> Image.Image:
    """The image decoded whole, or a refusal that says why not."""
    try:
        with warnings.catch_warnings():
            # Pillow warns of a possible decompression bomb and raises beyond twice its limit;
            # our own limit, lower, is checked from the header before anything is decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
            pixels = image.width * image.height
            if pixels > MAX_PIXELS:
                raise ImageRefused(
                    f"This image is {image.width:,} × {image.height:,} pixels "
                    f"({pixels / 1_000_000:.0f} megapixels); the most is "
                    f"{MAX_PIXELS // 1_000_000} megapixels. Scale it down and upload it again."
                )
            format_name = image.format
            if format_name in _DRAFTABLE and image.width > 2 * max(RENDITION_WIDTHS):
                scale = image.width // max(RENDITION_WIDTHS)
                image.draft("RGB", (image.width // scale, image.height // scale))
            image.load()
    except ImageRefused:
        raise
    except UnidentifiedImageError:
        raise ImageRefused(
            f"This file is not an image we accept: upload a {_ACCEPTED_NAMES} picture."
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(
            f"This image would decode to more than {MAX_PIXELS // 1_000_000} megapixels. "
            "Scale it down and upload it again."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageRefused(
            f"This image is damaged or incomplete and cannot be read ({error}). "
            "Save it again and upload the new file."
        ) from None
    image.format_name = format_name
    return image


def _upright_without_metadata(image: Image.Image) -> Image.Image:
    """The first frame, turned by its EXIF orientation, as plain 8-bit RGB or RGBA pixels with
    no metadata attached."""
    format_name = image.format_name
    if getattr(image, "is_animated", False):
        image.seek(0)
    upright = ImageOps.exif_transpose(image)
    pixels = _as_rgb(upright)
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    clean.format_name = format_name
    return clean


def _as_rgb(image: Image.Image) -> Image.Image:
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        # 16-bit (or wider) grey: scale it to 8 bits rather than clip everything above 255.
        peak = 65535 if image.mode.startswith("I;16") else max(255, image.getextrema()[1])
        image = image.convert("F").point(lambda value: value * (255 / peak)).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        image = image.convert("RGBA")
        if image.getextrema()[3][0] == 255:  # an alpha channel with nothing transparent
            return image.convert("RGB")
        return image
    return image.convert("RGB")


def _widths(width: int) -> list[int]:
    largest = min(width, max(RENDITION_WIDTHS))
    return [w for w in RENDITION_WIDTHS if w < largest] + [largest]


def _resized(image: Image.Image, width: int) -> Image.Image:
    if width == image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _encode(image: Image.Image, format_name: str) -> Rendition:
    out = io.BytesIO()
    if format_name == "webp":
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    elif format_name == "jpeg":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        image.save(out, "PNG", optimize=False)
    return Rendition(image.width, image.height, format_name, out.getvalue())
