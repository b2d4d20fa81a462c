"""The WeChat official-account channel (公众号): webhook, passive replies, outbox transport, menu.

Modules: `protocol` (signatures, XML, AES via wechatpy), `mapping` (callbacks → `Message`),
`rendering` (replies → text with numbered options), `api` (httpx calls, shared access token),
`transport` (customer-service / template / held), `channel` (the runtime), `menu`.
"""

from bot.channels.wechat.channel import WeChatChannel, WeChatConfig
from bot.channels.wechat.menu import build_menu, publish_menu
from bot.channels.wechat.transport import WeChatTransport

__all__ = ["WeChatChannel", "WeChatConfig", "WeChatTransport", "build_menu", "publish_menu"]
