"""The route table: every command, keyword and button payload, readable top to bottom."""

from __future__ import annotations

from handlers import start
from handlers.core.dialogs import Flow
from handlers.core.dispatcher import Command, PayloadHandler, Routes

FLOWS: dict[str, Flow] = {flow.name: flow for flow in (start.START, start.LANG)}

COMMANDS: dict[str, Command | Flow] = {
    "start": start.START,
    "help": start.show_help,
    "lang": start.LANG,
    "me": start.show_me,
}

# Words that start a flow on channels without a command menu (WeChat keywords, the console).
KEYWORDS = {
    "帮助": "help",
    "help": "help",
    "菜单": "help",
    "开始": "start",
    "注册": "start",
    "语言": "lang",
    "language": "lang",
    "我的": "me",
    "我的信息": "me",
}

PAYLOADS: dict[str, PayloadHandler] = {}


def build_routes() -> Routes:
    """The routes the dispatcher serves."""
    return Routes(
        commands=dict(COMMANDS), flows=dict(FLOWS), keywords=dict(KEYWORDS), payloads=dict(PAYLOADS)
    )
