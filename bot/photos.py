"""Report photos fetched from the chat platforms once, off the request path, and kept as bytes.

A use case that keeps a photo reference (`telegram:<file_id>`, `wechat:<media_id>`) queues a
row in `photos` (storage/repos/photos.py). Wherever the outbox senders run (`linli serve`,
`linli worker`), one fetcher per channel claims due rows under a lease, downloads the file
through that channel's API (capped at `MAX_DOWNLOAD` bytes), checks it is a picture with
Pillow (JPEG, PNG, GIF or WebP, at most `MAX_PIXELS`), and keeps it re-encoded as a JPEG of at
most `MAX_SIDE` pixels a side: the metadata a phone writes (GPS position, device) is dropped,
and whatever else the file held is not served. Network failures are retried with back-off;
a file the platform no longer has, one too big, or one that is not a picture fails for good.

The office shows the bytes (bot/office/photos.py), and a channel sending another channel's
photo uploads them (`upload_for`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from PIL import Image, ImageOps, UnidentifiedImageError

from bot.channels import ChannelError
from storage.db import Database
from storage.repos import photos

log = logging.getLogger(__name__)

MAX_DOWNLOAD = 10 * 1024 * 1024  # both platforms keep photos under 10 MB
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
MAX_SIDE = 2048
FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})
CONTENT_TYPE = "image/jpeg"
LEASE = timedelta(minutes=2)
BATCH = 4
# A message carrying another channel's photo waits this long for its bytes, then goes without.
WAIT_FOR_PHOTO = timedelta(minutes=5)
WAIT_ATTEMPTS = 4  # and at most this many tries of the message (the sender gives up at 8)


class NotAPicture(ValueError):
    """The bytes are not a picture we keep."""


@runtime_checkable
class PhotoSource(Protocol):
    """A channel's way of downloading a file it gave us a reference to."""

    channel: str

    async def download(self, platform_id: str, limit: int) -> bytes:
        """The file's bytes; ChannelError("gone" | "too_big" | "network" | …) otherwise."""
        ...


@runtime_checkable
class HasPhotos(Protocol):
    """A channel runtime that can download its users' photos."""

    def photo_source(self) -> PhotoSource | None:
        """Its source, when configured to reach the platform's API."""
        ...


def prepare(data: bytes) -> tuple[bytes, tuple[int, int]]:
    """A picture re-encoded as JPEG (EXIF orientation applied, metadata dropped), and its size."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise NotAPicture(f"format {probe.format}")
            if probe.width * probe.height > MAX_PIXELS:
                raise NotAPicture("too many pixels")
            probe.load()
            image = ImageOps.exif_transpose(probe)
            image = image.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise NotAPicture(type(exc).__name__) from exc
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue(), image.size


@dataclass
class FetchStats:
    """Counts since start."""

    stored: int = 0
    retried: int = 0
    failed: int = 0


class PhotoFetcher:
    """Fetches one channel's queued photos."""

    def __init__(
        self,
        db: Database,
        source: PhotoSource,
        clock: Callable[[], datetime],
        *,
        batch: int = BATCH,
    ) -> None:
        self.db = db
        self.source = source
        self.clock = clock
        self.batch = batch
        self.stats = FetchStats()

    async def round(self) -> int:
        """Claim and fetch one batch; returns how many were claimed."""
        async with self.db.transaction() as session:
            claimed = await photos.claim(
                session, self.source.channel, self.clock(), limit=self.batch, lease=LEASE
            )
        for photo_id, platform_id in claimed:
            await self._fetch(photo_id, platform_id)
        return len(claimed)

    async def drain(self, max_rounds: int = 100) -> FetchStats:
        """Fetch until nothing is due (tests, and a worker catching up)."""
        for _ in range(max_rounds):
            if not await self.round():
                break
        return self.stats

    async def run(self, stop: asyncio.Event, idle_s: float = 2.0) -> None:
        """Fetch continuously until `stop` is set."""
        while not stop.is_set():
            try:
                busy = await self.round()
            except Exception:  # a database hiccup must not end the fetcher
                log.exception("photo fetch round failed", extra={"channel": self.source.channel})
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle_s)

    async def _fetch(self, photo_id: int, platform_id: str) -> None:
        error, permanent = "", False
        try:
            raw = await self.source.download(platform_id, MAX_DOWNLOAD)
            if len(raw) > MAX_DOWNLOAD:
                raise ChannelError("too_big", f"{len(raw)} bytes")
            data, size = await asyncio.to_thread(prepare, raw)
        except ChannelError as exc:
            error, permanent = f"{exc.kind}: {exc.detail}", exc.kind in ("gone", "too_big")
        except NotAPicture as exc:
            error, permanent = f"not a picture: {exc}", True
        async with self.db.transaction() as session:
            now = self.clock()
            if not error:
                await photos.store(session, photo_id, data, CONTENT_TYPE, size, now)
                self.stats.stored += 1
                return
            status = await photos.retry_or_fail(session, photo_id, error, now, permanent=permanent)
        if status == "failed":
            self.stats.failed += 1
            log.warning("photo %s not fetched: %s", photo_id, error)
        else:
            self.stats.retried += 1
            log.info("photo %s: %s; trying again later", photo_id, error)


def start_fetchers(
    db: Database, channels: Sequence[object], clock: Callable[[], datetime], stop: asyncio.Event
) -> list[asyncio.Task[None]]:
    """A fetcher task for every channel that can download photos."""
    tasks = []
    for channel in channels:
        source = channel.photo_source() if isinstance(channel, HasPhotos) else None
        if source is not None:
            fetcher = PhotoFetcher(db, source, clock)
            tasks.append(asyncio.create_task(fetcher.run(stop)))
    return tasks


# -- another channel's photo, as an upload ---------------------------------------------------------

WAIT = "wait"


async def upload_for(db: Database, ref: str, now: datetime) -> bytes | str | None:
    """The bytes of another channel's photo to upload; `WAIT` while a young one is still being
    fetched; None when there are none (never fetched, failed, or erased)."""
    async with db.transaction() as session:
        row = await photos.by_ref(session, ref)
        if row is None:
            return None
        if row.status == "ready" and row.data:
            return bytes(row.data)
        if row.status == "pending" and now - row.created_at < WAIT_FOR_PHOTO:
            return WAIT
        return None
