"""Pictures for the photo tests, made with Pillow: a phone-like JPEG with GPS metadata, a PNG."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

GPS_IFD = 0x8825


def jpeg(width: int = 640, height: int = 480, *, gps: bool = True) -> bytes:
    """A JPEG as a phone writes it: with the place it was taken in its EXIF data."""
    image = Image.new("RGB", (width, height), (150, 190, 225))  # sky
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 2 // 3, width, height), fill=(120, 120, 120))  # the lane
    draw.rectangle((0, height // 5, width // 3, height * 2 // 3), fill=(190, 160, 130))  # No. 103
    lock = (width // 2, height * 3 // 4, width // 2 + width // 8, height * 3 // 4 + height // 12)
    draw.rectangle(lock, fill=(240, 200, 0), outline=(40, 40, 40), width=3)  # the ground lock
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (39.0, 53.0, 18.0), 3: "E", 4: (116.0, 27.0, 42.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(width: int = 300, height: int = 200) -> bytes:
    """A PNG screenshot."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 60)).save(out, "PNG")
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    """The picture in some bytes (fails if they are none)."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


async def stored_photo(
    app: object, report_id: int, role: str = "before", person_id: int | None = None
) -> int:
    """A fetched photo of a report (the one it keeps for `role`), straight into the database."""
    from bot.bootstrap import App
    from bot.photos import prepare
    from storage.models import GridReport, Photo

    assert isinstance(app, App)
    data, size = prepare(jpeg())
    async with app.db.transaction() as session:
        now = app.deps.clock()
        report = await session.get(GridReport, report_id)
        kept = report.after_photo_ref if report and role == "after" else None
        kept = report.photo_ref if report and role == "before" else kept
        row = Photo(
            ref=kept or f"telegram:file-{report_id}-{role}",
            channel="telegram",
            report_id=report_id,
            role=role,
            person_id=person_id,
            status="ready",
            attempts=0,
            next_try_at=now,
            content_type="image/jpeg",
            width=size[0],
            height=size[1],
            size=len(data),
            data=data,
            created_at=now,
            fetched_at=now,
        )
        session.add(row)
        await session.flush()
        return row.id
