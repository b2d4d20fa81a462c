"""Check-in on site with the code the organizer shows: `/checkin K7P3QX`, or 签到 then the code.

Codes are 6 characters from an alphabet without look-alikes (about 10⁹ codes), unique among open
activities, and every code typed that checks nobody in counts against the person: after
`TRIES_PER_HOUR` of those in an hour, no code is looked at. A code of an activity the person did
not sign up for is answered exactly like a wrong one, so nothing about it is revealed.
"""

from __future__ import annotations

from datetime import timedelta

from handlers.activities.common import Env
from handlers.activities.walkins import check_in_walkin
from handlers.core import codes, dialogs
from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, Flow, Step
from handlers.core.errors import InvalidInput, UserError
from handlers.core.messages import Message, Reply
from storage.repos import activities as repo

CODE_LENGTH = 6
TRIES_PER_HOUR = 5  # wrong codes a person may type in an hour; a walk needs ~10⁸
WINDOW_MINUTES = 60
TRIES_WINDOW = timedelta(minutes=WINDOW_MINUTES)
# Codes typed still work if their activity was created with the former 4-digit codes.
_TYPED_LENGTHS = range(4, 9)


async def new_code(env: Env) -> str:
    """A check-in code not used by any open activity."""
    used = await repo.codes_in_use(env.session, env.now)
    while True:
        code = codes.random_code(CODE_LENGTH)
        if code not in used:
            return code


async def check_in(ctx: Ctx, typed: str) -> Reply:
    """Check the person in with a code; InvalidInput if it checks them into nothing.

    Only confirmed sign-ups, only from an hour before the start (configurable) to the end, once;
    a registered person who did not sign up is added as a walk-in in the same window.
    """
    since = ctx.now - TRIES_WINDOW
    if await repo.failed_checkins(ctx.session, ctx.person.id, since) >= TRIES_PER_HOUR:
        raise UserError("activities.checkin_blocked", minutes=WINDOW_MINUTES)
    code = codes.normalize(typed)
    if len(code) not in _TYPED_LENGTHS or not code.isalnum() or not code.isascii():
        raise InvalidInput("activities.code_format", length=CODE_LENGTH)
    found = None
    for activity in await repo.by_code(ctx.session, code):  # unique among open ones; be safe
        entry = await repo.signup_of(ctx.session, activity.id, ctx.person.id)
        if entry is not None and entry.status != "cancelled":
            found = (activity, entry)
            break
    if found is None:
        walkin = await check_in_walkin(ctx, code)  # came without signing up: added now
        if walkin is not None:
            return walkin
        # Wrong, or an activity not open for check-in now: the same answer, and it counts.
        await repo.record_failed_checkin(ctx.session, ctx.person.id, ctx.now, since)
        raise InvalidInput("activities.code_wrong")
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
    try:
        return [await check_in(ctx, ctx.args)]
    except InvalidInput as exc:  # answered, not raised: the counted attempt must be kept
        return [ctx.reply(exc.key, **exc.params)]


async def _ask_code(ctx: Ctx) -> Reply:
    return ctx.reply("activities.ask_code", length=CODE_LENGTH)


async def _take_code(ctx: Ctx, message: Message) -> str | None:
    try:
        ctx.data["result"] = (await check_in(ctx, message.text)).text
    except InvalidInput:
        raise  # asked again (a step's InvalidInput keeps the transaction, and so the count)
    except UserError as exc:  # blocked: say so and leave the dialog
        ctx.data["result"] = ctx.t(exc.key, **exc.params)
    return DONE


async def _done(ctx: Ctx) -> list[Reply]:
    return [Reply(ctx.data.get("result", ""))]


CHECKIN = Flow(
    name="activity_checkin",
    steps=(Step("code", _ask_code, _take_code),),
    finish=_done,
)
