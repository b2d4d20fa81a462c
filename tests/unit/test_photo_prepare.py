"""What the photo fetcher keeps: a picture re-encoded as JPEG without metadata, at most 2048 px a
side; refused: what is not a picture, a format we do not keep, too many pixels."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.photos import MAX_SIDE, NotAPicture, prepare
from tests.support.photos import jpeg, opened, png


def _encoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def test_a_phone_photo_loses_its_gps_position() -> None:
    original = opened(jpeg())
    assert original.getexif().get_ifd(0x8825)  # the place it was taken
    data, size = prepare(jpeg())
    kept = opened(data)
    assert kept.format == "JPEG" and size == (640, 480) and not dict(kept.getexif())


def test_a_png_is_kept_as_jpeg_and_a_big_one_is_scaled_down() -> None:
    assert opened(prepare(png())[0]).format == "JPEG"
    big = _encoded(Image.new("RGB", (4000, 3000), (1, 2, 3)), "PNG")
    data, size = prepare(big)
    assert size == (MAX_SIDE, 1536) and opened(data).size == size


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4 not a photo",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        _encoded(Image.new("RGB", (10, 10)), "BMP"),  # a picture, but not a format we keep
        _encoded(Image.new("1", (8000, 6000)), "PNG"),  # 48 megapixels: refused undecoded
        jpeg()[:200],  # cut short
    ],
)
def test_what_is_refused(data: bytes) -> None:
    with pytest.raises(NotAPicture):
        prepare(data)
