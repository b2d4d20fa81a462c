"""The /broadcast dialog: area, who, skills, language, text, when; count and preview; confirm."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.broadcasts.delivery import notice_text, queue_broadcast
from handlers.core.auth import ORGANIZERS, require_role
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, Flow, Step
from handlers.core.errors import InvalidInput, NotAllowed, UserError
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.notify import after_quiet_hours
from matching.taxonomy import load_skills, skill_by_code
from matching.understand import when
from matching.understand.skills import typed_skills
from storage.models import Broadcast, Region
from storage.repos import audit, jobs, regions, roles
from storage.repos import broadcasts as repo

ALLOWED = ORGANIZERS
TEXT_MAX = 1000
SCHEDULE_MAX = timedelta(days=60)
MAX_SKILLS = 10
ROLE_LABELS = {
    "everyone": N_("broadcasts.role.everyone"),
    "volunteers": N_("broadcasts.role.volunteers"),
    "organizers": N_("broadcasts.role.organizers"),
    "grid_workers": N_("broadcasts.role.grid_workers"),
}
LANG_LABELS = {"zh_CN": "中文", "en": "English"}


async def _prepare(ctx: Ctx) -> None:
    """Refuse residents and grid workers; list the areas this organizer may address."""
    await require_role(ctx, ALLOWED)
    options: dict[int, str] = {}
    for grant in await roles.active_grants(ctx.session, ctx.person.id):
        if grant.role not in ALLOWED:
            continue
        options.setdefault(grant.region.id, grant.region.name)
        if grant.region.level in ("district", "street", "community"):
            for child in await regions.children(ctx.session, grant.region.id):
                options.setdefault(child.id, f"{grant.region.name} · {child.name}")
    ctx.data["scopes"] = [[rid, label] for rid, label in options.items()][:24]


def _pick(message: Message, allowed: list[str]) -> str:
    if message.value not in allowed:
        raise InvalidInput("common.pick_from_list")
    return message.value


async def _ask_scope(ctx: Ctx) -> Reply:
    choices = [Choice(str(label), f"r{rid}") for rid, label in ctx.data["scopes"]]
    return ctx.reply("broadcasts.ask_scope", choices=choices)


async def _take_scope(ctx: Ctx, message: Message) -> str | None:
    picked = _pick(message, [f"r{rid}" for rid, _ in ctx.data["scopes"]])
    ctx.data["region"] = int(picked[1:])
    return NEXT


async def _ask_role(ctx: Ctx) -> Reply:
    choices = [Choice(ctx.t(label), role) for role, label in ROLE_LABELS.items()]
    return ctx.reply("broadcasts.ask_role", choices=choices)


async def _take_role(ctx: Ctx, message: Message) -> str | None:
    ctx.data["role"] = _pick(message, list(ROLE_LABELS))
    ctx.data["skills"] = []
    return NEXT


async def _ask_skills(ctx: Ctx) -> Reply:
    return ctx.reply("broadcasts.ask_skills", choices=[Choice(ctx.t("broadcasts.any"), "any")])


async def _take_skills(ctx: Ctx, message: Message) -> str | None:
    if message.value == "any":
        ctx.data["skills"] = []
        return NEXT
    # The sign-up's reader: "会开车的，还有懂急救的" names 开车 and 急救.
    typed = typed_skills(message.text, load_skills())
    if typed.unknown:
        raise InvalidInput("broadcasts.unknown_skills", words=ctx.join(typed.unknown))
    codes = list(typed.codes)
    if not codes:
        raise InvalidInput("broadcasts.unknown_skills", words="—")
    if len(codes) > MAX_SKILLS:
        raise InvalidInput("broadcasts.too_many_skills", limit=MAX_SKILLS)
    ctx.data["skills"] = codes
    return NEXT


async def _ask_lang(ctx: Ctx) -> Reply:
    choices = [Choice(ctx.t("broadcasts.lang_all"), "all")]
    choices += [Choice(label, code) for code, label in LANG_LABELS.items()]
    return ctx.reply("broadcasts.ask_lang", choices=choices)


async def _take_lang(ctx: Ctx, message: Message) -> str | None:
    picked = _pick(message, ["all", *LANG_LABELS])
    ctx.data["lang"] = None if picked == "all" else picked
    return NEXT


async def _ask_text(ctx: Ctx) -> Reply:
    return ctx.reply("broadcasts.ask_text", limit=TEXT_MAX)


async def _take_text(ctx: Ctx, message: Message) -> str | None:
    text = message.text.strip()
    if message.payload is not None or not text or text.startswith("/"):
        raise InvalidInput("broadcasts.text_missing")
    if len(text) > TEXT_MAX:
        raise InvalidInput("broadcasts.text_too_long", limit=TEXT_MAX, length=len(text))
    ctx.data["text"] = text
    return NEXT


async def _ask_when(ctx: Ctx) -> Reply:
    return ctx.reply("broadcasts.ask_when", choices=[Choice(ctx.t("broadcasts.now"), "now")])


async def _take_when(ctx: Ctx, message: Message) -> str | None:
    if message.value == "now":
        ctx.data["at"] = None
        return NEXT
    local_now = ctx.now.astimezone(ZoneInfo(ctx.deps.config.tz))
    at = when.moment(message.text, local_now)
    if at is None or not ctx.now < at <= ctx.now + SCHEDULE_MAX:
        raise InvalidInput("broadcasts.when_invalid", days=SCHEDULE_MAX.days)
    ctx.data["at"] = at.astimezone(ctx.now.tzinfo).isoformat()
    return NEXT


async def _audience(ctx: Ctx) -> tuple[Region, tuple[int, int]]:
    region = await regions.by_id(ctx.session, ctx.data["region"])
    assert region is not None
    people = repo.recipients(region.path, [ctx.data["role"]], ctx.data["skills"], ctx.data["lang"])
    return region, await repo.count(ctx.session, people)


def _summary(ctx: Ctx, region: Region) -> str:
    skills = skill_by_code()
    return ctx.t(
        "broadcasts.summary",
        region=region.name,
        role=ctx.t(ROLE_LABELS[ctx.data["role"]]),
        skills=ctx.join(skills[c].name(ctx.lang) for c in ctx.data["skills"] if c in skills)
        or ctx.t("broadcasts.any"),
        lang=LANG_LABELS.get(ctx.data["lang"] or "", ctx.t("broadcasts.lang_all")),
        when=ctx.when(datetime.fromisoformat(ctx.data["at"]))
        if ctx.data.get("at")
        else ctx.t("broadcasts.now"),
    )


async def _ask_confirm(ctx: Ctx) -> Reply:
    region, (people, messages) = await _audience(ctx)
    summary = _summary(ctx, region)
    if not people:
        return ctx.reply("broadcasts.nobody", summary=summary)
    preview = notice_text(ctx.deps, ctx.lang, region.name, ctx.data["text"])
    if ctx.data.get("activity"):
        preview += "\n" + ctx.t("broadcasts.answer_hint_activity", title=ctx.data["title"])
    return ctx.reply(
        "broadcasts.confirm",
        summary=summary,
        people=people,
        messages=messages,
        preview=preview,
        choices=[Choice(ctx.t("broadcasts.send"), "confirm")],
    )


async def _take_confirm(ctx: Ctx, message: Message) -> str | None:
    _pick(message, ["confirm"])
    return DONE


async def _finish(ctx: Ctx) -> list[Reply]:
    region = await regions.by_id(ctx.session, ctx.data["region"])
    assert region is not None
    await require_role(ctx, ALLOWED, region)  # the role may have been revoked meanwhile
    at = datetime.fromisoformat(ctx.data["at"]) if ctx.data.get("at") else None
    audience = {"roles": [ctx.data["role"]], "skills": ctx.data["skills"], "lang": ctx.data["lang"]}
    if ctx.data.get("activity"):  # /activity_broadcast: answering "报名" signs up for it
        audience |= {"activity": ctx.data["activity"], "activity_title": ctx.data["title"]}
    broadcast = Broadcast(
        author_id=ctx.person.id,
        region_id=region.id,
        audience=audience,
        text=ctx.data["text"],
        status="scheduled" if at else "queued",
        scheduled_at=at,
        created_at=ctx.now,
        recipients=0,
    )
    ctx.session.add(broadcast)
    await ctx.session.flush()
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="broadcast.create",
        target=f"broadcast:{broadcast.id}",
        now=ctx.now,
        region=region.code,
        audience=broadcast.audience,
        scheduled_at=at.isoformat() if at else None,
    )
    status = Choice(ctx.t("broadcasts.btn_status"), f"/broadcast_status {broadcast.id}")
    if at is not None:
        await jobs.schedule(ctx.session, "broadcast_start", str(broadcast.id), at, ctx.now)
        return [ctx.reply("broadcasts.scheduled", id=broadcast.id, when=ctx.when(at))]
    written = await queue_broadcast(ctx.session, ctx.deps, broadcast, ctx.now)
    if not written:
        raise UserError("broadcasts.nobody_now")
    cfg = ctx.deps.config
    wake = after_quiet_hours(ctx.now, cfg.tz, cfg.quiet_start, cfg.quiet_end)
    replies = [ctx.reply("broadcasts.queued", id=broadcast.id, count=written, choices=[status])]
    if wake > ctx.now:
        replies.append(ctx.reply("broadcasts.quiet", when=ctx.when(wake)))
    return replies


async def _answers(ctx: Ctx, answers: dict[str, object]) -> None:
    """The flow's answers given at once (the office console), checked as each step checks them."""
    await _prepare(ctx)
    if answers.get("region") not in [rid for rid, _ in ctx.data["scopes"]]:
        raise NotAllowed()
    if answers.get("role") not in ROLE_LABELS or answers.get("lang") not in (None, *LANG_LABELS):
        raise InvalidInput("common.pick_from_list")
    ctx.data.update(answers, skills=[], at=None)
    await _take_text(
        ctx, Message(channel=ctx.message.channel, user_id="", text=str(answers["text"]))
    )


async def preview(ctx: Ctx, answers: dict[str, object]) -> Reply:
    """The recipient count and the preview, as the chat shows them before sending."""
    await _answers(ctx, answers)
    return await _ask_confirm(ctx)


async def send_now(ctx: Ctx, answers: dict[str, object]) -> list[Reply]:
    """Send a notice now with the flow's answers given at once."""
    await _answers(ctx, answers)
    return await _finish(ctx)


BROADCAST = Flow(
    name="broadcast",
    guard=_prepare,
    steps=(
        Step("scope", _ask_scope, _take_scope),
        Step("role", _ask_role, _take_role),
        Step(
            "skills", _ask_skills, _take_skills, skip=lambda c: c.data.get("role") != "volunteers"
        ),
        Step("lang", _ask_lang, _take_lang),
        Step("text", _ask_text, _take_text),
        Step("when", _ask_when, _take_when),
        Step("confirm", _ask_confirm, _take_confirm),
    ),
    finish=_finish,
)
