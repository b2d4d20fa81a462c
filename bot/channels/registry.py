"""Which channels this deployment runs, decided by the settings."""

from __future__ import annotations

from bot.bootstrap import App
from bot.channels import ChannelRuntime


def configured_channels(app: App) -> list[ChannelRuntime]:
    """A runtime for every channel whose credentials are set."""
    channels: list[ChannelRuntime] = []
    if app.settings.telegram_token:
        from bot.channels.telegram import TelegramChannel

        channels.append(TelegramChannel.from_app(app))
    if app.settings.wechat_token:
        from bot.channels.wechat import WeChatChannel

        channels.append(WeChatChannel.from_app(app))
    return channels
