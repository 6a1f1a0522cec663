"""Processing time of an uploaded photo (incidents/images.py): a 12-megapixel JPEG, drawn here
with detail and noise like a phone's photo (several MB) so the decoder and encoders have real
work, checked, turned upright and rendered at every width as WebP and JPEG.

    python -m bench.images --runs 5

The median of `--runs` runs counts (the first warms Pillow's codecs up and is left out).
Prints one JSON line.
"""

import argparse
import io
import json
import statistics
import time


def twelve_megapixel_jpeg() -> bytes:
    from PIL import Image

    size = (4000, 3000)
    grey = Image.effect_mandelbrot(size, (-2, -1.2, 1, 1.2), 200)
    # Sensor noise, as in a real photo: it makes the JPEG as large as a phone's (several MB).
    noisy = Image.blend(grey, Image.effect_noise(size, 60), 0.35)
    picture = Image.merge("RGB", (noisy, grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT), noisy))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=92)
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from incidents.images import prepare_image

    data = twelve_megapixel_jpeg()
    prepare_image(data)
    times = []
    for _ in range(args.runs):
        began = time.perf_counter()
        prepared = prepare_image(data)
        times.append((time.perf_counter() - began) * 1000)
    result = {
        "scenario": "images",
        "db": "none",
        "megapixels": 12,
        "upload_mb": round(len(data) / 1024 / 1024, 1),
        "renditions": len(prepared.renditions),
        "median_ms": round(statistics.median(times)),
        "max_ms": round(max(times)),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
