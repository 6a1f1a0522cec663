"""Uploaded pictures made safe to show (incidents/images.py): what is refused, with what message,
and what survives of what is accepted. Every image is drawn here with Pillow."""

import io

import pytest
from PIL import Image

from incidents import images
from incidents.images import ImageRefused, prepare_image


def encoded(image: Image.Image, format_name: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format_name, **options)
    return out.getvalue()


def photo(width=1200, height=800, mode="RGB") -> Image.Image:
    """Something with detail, so encoders have real work."""
    grey = Image.effect_mandelbrot((width, height), (-2, -1.2, 1, 1.2), 60)
    return Image.merge("RGB", (grey, grey.rotate(90, expand=False), grey)).convert(mode)


def refusal(data) -> str:
    with pytest.raises(ImageRefused) as caught:
        prepare_image(data)
    return caught.value.messages[0]


def reopened(rendition) -> Image.Image:
    image = Image.open(io.BytesIO(rendition.content))
    image.load()
    return image


# --- accepted, and what survives ----------------------------------------------------------------


@pytest.mark.parametrize("format_name", ["JPEG", "PNG", "WEBP", "GIF"])
def test_each_accepted_format_gives_webp_and_a_fallback_at_each_width(format_name):
    prepared = prepare_image(encoded(photo(2000, 1000), format_name))

    sizes = [(r.format, r.width, r.height) for r in prepared.renditions]
    assert sizes == [
        ("webp", 480, 240),
        ("jpeg", 480, 240),
        ("webp", 960, 480),
        ("jpeg", 960, 480),
        ("webp", 1600, 800),
        ("jpeg", 1600, 800),
    ]
    assert (prepared.width, prepared.height, prepared.source_format) == (1600, 800, format_name)
    for rendition in prepared.renditions:
        assert reopened(rendition).format == rendition.format.upper()


def test_a_small_image_is_never_enlarged():
    prepared = prepare_image(encoded(photo(700, 350), "PNG"))

    assert [(r.width, r.height) for r in prepared.renditions] == [(480, 240)] * 2 + [(700, 350)] * 2


def test_a_tiny_image_keeps_its_own_size_only():
    prepared = prepare_image(encoded(photo(300, 200), "JPEG"))

    assert {(r.width, r.height) for r in prepared.renditions} == {(300, 200)}
    assert len(prepared.renditions) == 2


def test_transparency_is_kept_with_a_png_fallback():
    image = Image.new("RGBA", (600, 300), (255, 0, 0, 0))
    image.paste((0, 0, 255, 255), (100, 100, 200, 200))

    prepared = prepare_image(encoded(image, "PNG"))

    assert prepared.fallback_format == "png"
    fallback = reopened(prepared.renditions[-1])
    assert fallback.mode == "RGBA"
    assert fallback.getpixel((0, 0))[3] == 0 and fallback.getpixel((150, 150)) == (0, 0, 255, 255)


def test_an_opaque_png_gets_a_jpeg_fallback():
    prepared = prepare_image(encoded(photo(600, 300, mode="RGBA"), "PNG"))

    assert prepared.fallback_format == "jpeg"


def test_exif_orientation_is_applied_then_every_piece_of_metadata_is_dropped():
    image = Image.new("RGB", (800, 400), "white")
    image.paste((255, 0, 0), (0, 0, 100, 100))  # a red corner, top left as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; show it rotated 90° clockwise
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[2] = (51.0, 30.0, 0.0)  # GPSLatitude
    gps[4] = (0.0, 7.0, 0.0)  # GPSLongitude
    data = encoded(image, "JPEG", exif=exif.tobytes(), icc_profile=b"\0" * 128, comment=b"secret")

    prepared = prepare_image(data)

    largest = reopened(prepared.renditions[-1])
    assert (largest.width, largest.height) == (400, 800)
    assert largest.getpixel((390, 5))[0] > 200 and largest.getpixel((5, 5)) == (255, 255, 255)
    for rendition in prepared.renditions:
        again = reopened(rendition)
        assert not again.getexif() and "icc_profile" not in again.info
        assert b"Exif" not in rendition.content and b"PhoneMaker" not in rendition.content
        assert b"secret" not in rendition.content


def test_a_cmyk_jpeg_is_converted_to_rgb():
    prepared = prepare_image(encoded(photo(500, 300, mode="CMYK"), "JPEG"))

    assert {reopened(r).mode for r in prepared.renditions} == {"RGB"}


def test_a_sixteen_bit_png_is_scaled_to_eight_bits_not_clipped():
    row = (65535).to_bytes(2, "little") * 250 + (32768).to_bytes(2, "little") * 250
    image = Image.frombytes("I;16", (500, 200), row * 200)
    assert image.getpixel((400, 100)) == 32768

    prepared = prepare_image(encoded(image, "PNG"))

    fallback = reopened(prepared.renditions[-1])
    assert fallback.getpixel((10, 10)) == (255, 255, 255)
    assert 120 <= fallback.getpixel((400, 100))[0] <= 135


def test_an_animated_gif_keeps_its_first_frame_and_says_so():
    frames = [Image.new("RGB", (200, 100), colour) for colour in ("red", "lime", "blue")]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)

    prepared = prepare_image(data)

    assert prepared.animated
    first = reopened(prepared.renditions[-1])
    assert first.getpixel((50, 50))[0] > 240 and first.getpixel((50, 50))[2] < 20


def test_a_polyglot_file_keeps_only_the_picture():
    payload = b"<script>alert(document.cookie)</script>PK\x03\x04zip-inside"
    data = encoded(photo(600, 400), "JPEG") + payload

    prepared = prepare_image(data)

    assert prepared.renditions
    for rendition in prepared.renditions:
        assert b"<script>" not in rendition.content and b"zip-inside" not in rendition.content


def test_a_twelve_megapixel_photo_is_decoded_at_a_reduced_scale_and_still_sharp_at_1600():
    prepared = prepare_image(encoded(photo(4000, 3000), "JPEG", quality=90))

    assert (prepared.width, prepared.height) == (1600, 1200)


def test_a_file_object_is_read_from_its_start():
    upload = io.BytesIO(encoded(photo(600, 300), "PNG"))
    upload.read(10)

    assert prepare_image(upload).width == 600


# --- refused, with a message on the field -------------------------------------------------------


def test_a_renamed_text_file_is_refused():
    message = refusal(b"Just some notes, saved as photo.jpg\n" * 20)

    assert (
        message == "This file is not an image we accept: upload a JPEG, PNG, WebP or GIF picture."
    )


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
        b"\xef\xbb\xbf  <!DOCTYPE svg><svg onload=alert(1)></svg>",
    ],
)
def test_an_svg_is_refused_because_it_can_carry_script(svg):
    assert refusal(svg).startswith("SVG images are not accepted: they can carry script.")


def test_a_file_over_fifteen_megabytes_is_refused_before_it_is_decoded():
    message = refusal(io.BytesIO(b"\xff\xd8\xff" + b"\0" * (50 * 1024 * 1024)))

    assert message.startswith("This file is larger than 15 MB, the most an image may be.")


def test_an_image_over_forty_megapixels_is_refused_from_its_header():
    bomb = encoded(Image.new("1", (8000, 6000)), "PNG")  # 48 MP in a few kilobytes

    assert len(bomb) < 100_000
    assert refusal(bomb).startswith("This image is 8,000 × 6,000 pixels (48 megapixels)")


def test_a_decompression_bomb_is_refused_without_decoding_it(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 10**12)  # only Pillow's own guard left
    bomb = encoded(Image.new("1", (20000, 20000)), "PNG")  # 400 MP, far past Pillow's limit

    assert "megapixels" in refusal(bomb)


def test_a_truncated_jpeg_is_refused_as_damaged():
    data = encoded(photo(800, 600), "JPEG")

    message = refusal(data[: len(data) // 2])

    assert message.startswith("This image is damaged or incomplete and cannot be read")


def test_an_empty_file_is_refused():
    assert refusal(b"") == "The file is empty."


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a/*\x00\x00*/=alert(1)//",
        b"\x89PNG\r\n\x1a\n" + b"\0" * 40,
        b"RIFF\x10\x00\x00\x00WEBPVP8 ",
        b"\xff\xd8\xff\xe0" + b"\0" * 30,
    ],
)
def test_a_file_that_only_starts_like_an_image_is_refused(data):
    message = refusal(data)

    assert message.startswith(("This file is not an image", "This image is damaged"))
