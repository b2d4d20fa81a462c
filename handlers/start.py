"""First contact and the basics: /start (language, role, home, consent), /help, /lang, /me."""

from __future__ import annotations

from handlers import relay
from handlers.admin.roles import usable
from handlers.core.auth import is_registered, role_names
from handlers.core.codes import normalize
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, Flow, Step, skipped
from handlers.core.errors import InvalidInput
from handlers.core.features import Feature, MenuEntry
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.text import NAME
from handlers.privacy import retention_days
from handlers.relay.address import offer_choices
from storage.models import InviteCode, Region, RoleGrant
from storage.repos import audit, regions

LANG_CHOICES = (("中文", "zh_CN"), ("English", "en"))
ROLE_LABELS = {
    "admin": N_("role.admin"),
    "organizer": N_("role.organizer"),
    "grid_worker": N_("role.grid_worker"),
}


def _pick(message: Message, allowed: list[str]) -> str:
    """The chosen payload, or InvalidInput asking to pick from the list."""
    value = message.value
    if value not in allowed:
        raise InvalidInput("common.pick_from_list")
    return value


# -- language ------------------------------------------------------------------------------------


async def _ask_lang(ctx: Ctx) -> Reply:
    key = N_("start.ask_lang") if ctx.state.flow == "start" else N_("lang.ask")
    return ctx.reply(key, choices=[Choice(label, code) for label, code in LANG_CHOICES])


async def _take_lang(ctx: Ctx, message: Message) -> str | None:
    ctx.person.lang = _pick(message, [code for _, code in LANG_CHOICES])
    return NEXT


# -- role and invitation ---------------------------------------------------------------------------


async def _ask_role(ctx: Ctx) -> Reply:
    return ctx.reply(
        "start.ask_role",
        choices=[
            Choice(ctx.t("start.role_resident"), "resident"),
            Choice(ctx.t("start.role_invite"), "invite"),
        ],
    )


async def _take_role(ctx: Ctx, message: Message) -> str | None:
    ctx.data["role"] = _pick(message, ["resident", "invite"])
    return NEXT


async def _ask_invite(ctx: Ctx) -> Reply:
    return ctx.reply("start.ask_invite")


async def _take_invite(ctx: Ctx, message: Message) -> str | None:
    code = normalize(message.value)
    invite = await ctx.session.get(InviteCode, code) if code and len(code) <= 16 else None
    if not usable(invite, ctx.now):
        raise InvalidInput("start.invite_invalid")
    ctx.data["invite"] = code
    return NEXT


# -- home region ---------------------------------------------------------------------------------


async def _streets(ctx: Ctx) -> list[Region]:
    return await regions.at_level(ctx.session, "street")


def _single_street(ctx: Ctx) -> bool:
    return bool(ctx.data.get("single_street"))


async def _ask_street(ctx: Ctx) -> Reply:
    streets = await _streets(ctx)
    return ctx.reply("start.ask_street", choices=[Choice(s.name, f"r{s.id}") for s in streets])


async def _take_street(ctx: Ctx, message: Message) -> str | None:
    streets = await _streets(ctx)
    ctx.data["street"] = int(_pick(message, [f"r{s.id}" for s in streets])[1:])
    return NEXT


async def _communities(ctx: Ctx) -> list[Region]:
    street_id = ctx.data.get("street")
    street = await regions.by_id(ctx.session, street_id) if street_id else None
    return await regions.at_level(ctx.session, "community", within=street)


async def _ask_community(ctx: Ctx) -> Reply:
    options = await _communities(ctx)
    if not options:
        raise InvalidInput("start.no_regions")
    return ctx.reply("start.ask_community", choices=[Choice(c.name, f"r{c.id}") for c in options])


async def _take_community(ctx: Ctx, message: Message) -> str | None:
    options = await _communities(ctx)
    ctx.data["community"] = int(_pick(message, [f"r{c.id}" for c in options])[1:])
    return NEXT


async def _grids(ctx: Ctx) -> list[Region]:
    return await regions.children(ctx.session, ctx.data["community"], level="grid")


async def _ask_grid(ctx: Ctx) -> Reply:
    choices = [Choice(g.name, f"r{g.id}") for g in await _grids(ctx)]
    choices.append(Choice(ctx.t("start.grid_unknown"), "skip"))
    return ctx.reply("start.ask_grid", choices=choices)


async def _take_grid(ctx: Ctx, message: Message) -> str | None:
    picked = _pick(message, [f"r{g.id}" for g in await _grids(ctx)] + ["skip"])
    ctx.data["grid"] = None if picked == "skip" else int(picked[1:])
    return NEXT


# -- name and consent ------------------------------------------------------------------------------


def _offered_name(ctx: Ctx) -> str:
    """The name already known: the stored one, else the platform's display name cut to fit."""
    return ctx.person.display_name or NAME.cut(ctx.message.display_name or "")


async def _ask_name(ctx: Ctx) -> Reply:
    shown = _offered_name(ctx)
    choices = [Choice(ctx.t("start.keep_name", name=shown[:20]), "keep")] if shown else []
    return ctx.reply("start.ask_name", choices=choices)


async def _take_name(ctx: Ctx, message: Message) -> str | None:
    # "跳过" / "skip" typed here (other steps can be skipped) is not a name: the offered one, if any
    if (message.value == "keep" or skipped(message)) and _offered_name(ctx):
        ctx.data["name"] = _offered_name(ctx)
        return NEXT
    name = message.text.strip()
    if skipped(message):
        raise InvalidInput("start.name_needed")
    if not name or name.startswith("/") or not NAME.fits(name):
        raise InvalidInput("start.name_invalid", limit=NAME.limit)
    ctx.data["name"] = name
    return NEXT


async def _ask_consent(ctx: Ctx) -> Reply:
    return ctx.reply(
        "start.ask_consent",
        version=ctx.deps.config.policy_version,
        days=retention_days(ctx.deps),
        choices=[
            Choice(ctx.t("start.agree"), "agree"),
            Choice(ctx.t("start.disagree"), "disagree"),
        ],
    )


async def _take_consent(ctx: Ctx, message: Message) -> str | None:
    ctx.data["consent"] = _pick(message, ["agree", "disagree"]) == "agree"
    return DONE


async def _finish_start(ctx: Ctx) -> list[Reply]:
    data, person = ctx.data, ctx.person
    if not data.get("consent"):
        return [ctx.reply("start.declined")]
    # cut again: a dialog begun before the limit held may carry a longer name in its state
    person.display_name = NAME.cut(data["name"])
    person.home_region_id = data.get("grid") or data["community"]
    person.consent_version = ctx.deps.config.policy_version
    person.consent_at = ctx.now
    person.registered_at = person.registered_at or ctx.now
    audit.record(
        ctx.session,
        actor_id=person.id,
        action="consent",
        target=f"person:{person.id}",
        now=ctx.now,
        version=person.consent_version,
    )
    replies = [ctx.reply("start.welcome", name=person.display_name)]
    if data.get("invite"):
        replies.append(await _redeem(ctx, data["invite"]))
    # A short start, not the whole /help (which grows with every feature and with the roles held):
    # it fits one WeChat message with the welcome.
    # The door (building, unit, number) is offered, never required: "填写门牌地址" or "以后再说".
    return [*replies, ctx.reply("help.starter", choices=offer_choices(ctx))]


async def _redeem(ctx: Ctx, code: str) -> Reply:
    """Grant the invite's role, once: a code used, revoked or expired meanwhile is refused."""
    invite = await ctx.session.get(InviteCode, code, with_for_update=True)
    if invite is None or not usable(invite, ctx.now):
        return ctx.reply("start.invite_invalid")
    invite.used_at, invite.used_by_id = ctx.now, ctx.person.id
    ctx.session.add(
        RoleGrant(
            person_id=ctx.person.id,
            role=invite.role,
            region_id=invite.region_id,
            granted_by_id=invite.created_by_id,
            granted_at=ctx.now,
        )
    )
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="role.redeem",
        target=f"invite:{code}",
        now=ctx.now,
        role=invite.role,
        region_id=invite.region_id,
    )
    region = await regions.by_id(ctx.session, invite.region_id)
    return ctx.reply(
        "start.invite_ok",
        role=ctx.t(ROLE_LABELS[invite.role]),
        region=region.name if region else "",
    )


async def _prepare_start(ctx: Ctx) -> None:
    ctx.data["single_street"] = len(await _streets(ctx)) <= 1
    if ctx.data["single_street"]:
        streets = await _streets(ctx)
        ctx.data["street"] = streets[0].id if streets else None


START = Flow(
    name="start",
    guard=_prepare_start,
    steps=(
        Step("lang", _ask_lang, _take_lang),
        Step("role", _ask_role, _take_role),
        Step("invite", _ask_invite, _take_invite, skip=lambda c: c.data.get("role") != "invite"),
        Step("street", _ask_street, _take_street, skip=_single_street),
        Step("community", _ask_community, _take_community),
        Step("grid", _ask_grid, _take_grid),
        Step("name", _ask_name, _take_name),
        Step("consent", _ask_consent, _take_consent),
    ),
    finish=_finish_start,
)

LANG = Flow(
    name="lang", steps=(Step("lang", _ask_lang, _take_lang),), finish=lambda ctx: _lang_done(ctx)
)


async def _lang_done(ctx: Ctx) -> list[Reply]:
    return [ctx.reply("lang.changed")]


# -- help and profile ------------------------------------------------------------------------------


async def show_help(ctx: Ctx) -> list[Reply]:
    """The commands this person can use, by role."""
    if not is_registered(ctx):
        return [ctx.reply("help.unregistered")]
    held = {role for role, _ in await role_names(ctx)}
    from handlers.routes import HELP  # the route table imports this module

    parts = [ctx.t(s.key) for s in HELP if s.roles is None or held & s.roles]
    return [Reply("\n\n".join(parts))]


async def show_me(ctx: Ctx) -> list[Reply]:
    """The person's profile as Linli stores it."""
    person = ctx.person
    home = person.home_region
    if home is None and person.home_region_id:
        home = await regions.by_id(ctx.session, person.home_region_id)
    held = await role_names(ctx)
    roles_text = ctx.join(f"{ctx.t(ROLE_LABELS[r])}（{name}）" for r, name in held) or ctx.t(
        "me.no_roles"
    )
    consent = (
        ctx.t("me.consent_yes", version=person.consent_version, at=ctx.when(person.consent_at))
        if person.consent_at and person.consent_version
        else ctx.t("me.consent_no")
    )
    profile = ctx.reply(
        "me.profile",
        name=person.display_name or "—",
        lang="中文" if person.lang.startswith("zh") else "English",
        home=await _home_label(ctx, home),
        roles=roles_text,
        consent=consent,
    )
    # The door, for whoever serves me: change the one on file, or give one now (asked at once).
    edit = (
        Choice(ctx.t("relay.address_edit"), "/address")
        if person.address
        else Choice(ctx.t("relay.address_offer"), "addr:ask")
    )
    return [Reply(profile.text + "\n" + relay.profile_line(ctx), (edit,))]


async def _home_label(ctx: Ctx, home: Region | None) -> str:
    if home is None:
        return ctx.t("me.no_home")
    return " · ".join(await regions.path_names(ctx.session, home)) or home.name


# What this feature serves, in one place (handlers/routes.py lists the features).
FEATURE = Feature(
    "start",
    commands={"start": START, "help": show_help, "lang": LANG, "me": show_me},
    keywords={
        "帮助": "help",
        "help": "help",
        "菜单": "help",
        "开始": "start",
        "注册": "start",
        "语言": "lang",
        "language": "lang",
        "我的": "me",
        "我的信息": "me",
    },
    help=[("help.everyone", None)],
    menu=[
        MenuEntry(N_("wechat.menu.mine"), N_("wechat.menu.start"), ("start",), 0),
        MenuEntry(N_("wechat.menu.mine"), N_("wechat.menu.me"), ("me",), 1),
        MenuEntry(N_("wechat.menu.mine"), N_("wechat.menu.lang"), ("lang",), 2),
        MenuEntry(N_("wechat.menu.mine"), N_("wechat.menu.help"), ("help",), 3),
    ],
)
