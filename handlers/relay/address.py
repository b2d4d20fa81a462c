"""/address: the unit and door below one's building (optional), for whoever serves one at home."""

from __future__ import annotations

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.errors import UserError
from handlers.core.messages import Choice, Reply
from handlers.core.text import clean_text

ADDRESS_LIMIT = 60
CLEAR_WORDS = frozenset({"clear", "delete", "none", "清除", "删除", "不留"})


async def set_address(ctx: Ctx) -> list[Reply]:
    """/address [TEXT|clear]: show, set or clear the unit and door ("3单元 502")."""
    await require_registered(ctx)
    given = clean_text(ctx.args).strip()
    person = ctx.person
    if not given:
        if not person.address:
            return [ctx.reply("relay.address_none")]
        clear = Choice(ctx.t("relay.address_clear"), "/address clear")
        return [ctx.reply("relay.address_show", address=person.address, choices=[clear])]
    if given.lower() in CLEAR_WORDS:
        person.address = None
        return [ctx.reply("relay.address_cleared")]
    if len(given) > ADDRESS_LIMIT:
        raise UserError("relay.address_too_long", limit=ADDRESS_LIMIT)
    person.address = given
    return [ctx.reply("relay.address_set", address=given)]


def profile_line(ctx: Ctx) -> str:
    """The /me line: the door on file (or how to give one) and who sees it."""
    if ctx.person.address:
        return ctx.t("relay.me_address", address=ctx.person.address)
    return ctx.t("relay.me_no_address")
