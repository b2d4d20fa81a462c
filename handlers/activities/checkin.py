"""Check-in on site with the code the organizer shows: `/checkin 4821`, or 签到 then the code."""

from __future__ import annotations

import secrets
import unicodedata

from handlers.activities.common import Env
from handlers.core import dialogs
from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, Flow, Step
from handlers.core.errors import InvalidInput
from handlers.core.messages import Message, Reply
from storage.repos import activities as repo

# Codes from 1000 to 9999: four digits with no leading zero, and never a small number that a
# text-only channel would read as "pick choice N".
CODE_LOW, CODE_HIGH = 1000, 9999


async def new_code(env: Env) -> str:
    """A 4-digit check-in code not used by any open activity."""
    used = await repo.codes_in_use(env.session, env.now)
    if len(used) >= CODE_HIGH - CODE_LOW:
        raise RuntimeError("every check-in code is in use")
    while True:
        code = str(CODE_LOW + secrets.randbelow(CODE_HIGH - CODE_LOW + 1))
        if code not in used:
            return code


async def check_in(ctx: Ctx, typed: str) -> Reply:
    """Check the person in with a code; InvalidInput if the code is not one of an open activity.

    Only confirmed sign-ups, only from an hour before the start (configurable) to the end, once.
    """
    code = unicodedata.normalize("NFKC", typed).strip()
    if not (code.isdigit() and len(code) == 4):
        raise InvalidInput("activities.code_format")
    candidates = await repo.by_code(ctx.session, code)
    if not candidates:
        raise InvalidInput("activities.code_wrong")
    found = None
    for activity in candidates:  # codes are unique among open activities; be safe anyway
        entry = await repo.signup_of(ctx.session, activity.id, ctx.person.id)
        if entry is not None and entry.status != "cancelled":
            found = (activity, entry)
            break
    if found is None:
        return ctx.reply("activities.checkin_not_signed_up", title=candidates[0].title)
    activity, entry = found
    if entry.checked_in_at is not None:
        return ctx.reply(
            "activities.checkin_already", title=activity.title, at=ctx.when(entry.checked_in_at)
        )
    if ctx.now > activity.ends_at:
        return ctx.reply("activities.checkin_over", title=activity.title)
    if entry.status != "confirmed":
        return ctx.reply("activities.checkin_not_confirmed", title=activity.title)
    opens = activity.starts_at - Env.of(ctx).rules.checkin_opens
    if ctx.now < opens:
        return ctx.reply("activities.checkin_too_early", title=activity.title, at=ctx.when(opens))
    entry.checked_in_at = ctx.now
    return ctx.reply("activities.checked_in", title=activity.title, place=activity.place)


async def checkin_command(ctx: Ctx) -> list[Reply]:
    """/checkin CODE; without a code (the keyword 签到), ask for it."""
    await require_registered(ctx)
    if not ctx.args:
        return await dialogs.begin(ctx, CHECKIN)
    return [await check_in(ctx, ctx.args)]


async def _ask_code(ctx: Ctx) -> Reply:
    return ctx.reply("activities.ask_code")


async def _take_code(ctx: Ctx, message: Message) -> str | None:
    ctx.data["result"] = (await check_in(ctx, message.text)).text
    return DONE


async def _done(ctx: Ctx) -> list[Reply]:
    return [Reply(ctx.data.get("result", ""))]


CHECKIN = Flow(
    name="activity_checkin",
    steps=(Step("code", _ask_code, _take_code),),
    finish=_done,
)
