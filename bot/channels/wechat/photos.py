"""Downloading a photo a WeChat user sent (its MediaId), through the account's API client."""

from __future__ import annotations

from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.mapping import CHANNEL


class WeChatPhotos:
    """A `PhotoSource` over the media API (`/cgi-bin/media/get`)."""

    channel = CHANNEL

    def __init__(self, api: WeChatApi) -> None:
        self.api = api

    async def download(self, platform_id: str, limit: int) -> bytes:
        """The photo's bytes (ChannelError when gone, too big or unreachable)."""
        return await self.api.download_media(platform_id, limit)
