"""The custom menu: CLICK buttons whose keys start the main flows (`linli wechat menu`)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from typing import Any

from bot.bootstrap import App
from bot.channels import ChannelError
from bot.channels.wechat.channel import WeChatChannel
from bot.channels.wechat.mapping import MENU_KEY_PREFIX
from handlers.core.i18n import N_
from handlers.routes import MENU
from storage import migrate

# The menu's groups in order; their buttons are the features' menu entries (handlers/routes.py),
# each button the first of its commands the route table serves (missing ones are left out).
GROUPS = (N_("wechat.menu.residents"), N_("wechat.menu.volunteers"), N_("wechat.menu.mine"))
MAX_TOP, MAX_SUB = 3, 5  # WeChat's limits


def build_menu(commands: Collection[str], t: Callable[[str], str]) -> dict[str, Any]:
    """The menu/create body for the commands that exist, labels from the `wechat` catalog."""
    buttons: list[dict[str, Any]] = []
    for group_key in GROUPS:
        subs = []
        entries = sorted((e for e in MENU if e.group == group_key), key=lambda e: e.rank)
        for label_key, candidates in ((e.label, e.commands) for e in entries):
            command = next((c for c in candidates if c in commands), None)
            if command is not None:
                subs.append(
                    {"type": "click", "name": t(label_key), "key": MENU_KEY_PREFIX + command}
                )
        if len(subs) == 1:
            buttons.append(subs[0])
        elif subs:
            buttons.append({"name": t(group_key), "sub_button": subs[:MAX_SUB]})
    return {"button": buttons[:MAX_TOP]}


async def publish_menu(app: App) -> dict[str, Any]:
    """Publish the custom menu (in the deployment's default language); exit 1 on refusal."""
    await migrate.upgrade(app.db.engine)  # the shared access token lives in the database
    channel = WeChatChannel.from_app(app)
    lang = app.settings.lang
    menu = build_menu(
        channel.dispatcher.routes.commands, lambda key: app.deps.i18n.translate(lang, key)
    )
    try:
        answer = await channel.api.create_menu(menu)
    except ChannelError as exc:
        answer = {"errcode": exc.kind, "errmsg": exc.detail}
    finally:
        await channel.api.close()
    if answer.get("errcode", 0) != 0:
        print(
            app.deps.i18n.translate(lang, "wechat.menu.refused", error=answer.get("errmsg", "")),
            file=sys.stderr,
        )
        raise SystemExit(1)
    count = sum(len(b.get("sub_button", [b])) for b in menu["button"])
    print(app.deps.i18n.translate(lang, "wechat.menu.published", count=count))
    return menu
