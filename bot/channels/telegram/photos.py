"""Downloading a Telegram photo a user sent: getFile, then the file, through PTB's own stack."""

from __future__ import annotations

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.channels import ChannelError
from bot.channels.telegram.mapping import CHANNEL


class TelegramPhotos:
    """A `PhotoSource` over a PTB bot (its base file URL points at a local Bot API if set)."""

    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def download(self, platform_id: str, limit: int) -> bytes:
        """getFile, refuse a file larger than `limit` unread, download it."""
        try:
            file = await self.bot.get_file(platform_id)
            if file.file_size and file.file_size > limit:
                raise ChannelError("too_big", f"{file.file_size} bytes")
            return bytes(await file.download_as_bytearray())
        except (BadRequest, Forbidden) as exc:  # a wrong or expired file id: it stays gone
            raise ChannelError("gone", str(exc.message)[:150]) from exc
        except TelegramError as exc:  # network, 5xx, 429: another time
            raise ChannelError("network", str(exc.message)[:150]) from exc
