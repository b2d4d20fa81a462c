"""Social organizations: /org_new (organizers register one), /orgs, and the "1710" report.

The "1710" plan (朝阳区): every community links 1 professional social organization, fosters 7
registered community organizations under the residents' committee, and at least 10 grassroots ones.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.auth import ORGANIZERS, require_role
from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, Flow, Step
from handlers.core.errors import Conflict, InvalidInput
from handlers.core.features import Feature
from handlers.core.i18n import N_
from handlers.core.messages import Choice, Message, Reply
from handlers.core.numbers import fold, parse_int
from storage.models import Organization, Region
from storage.models.volunteers import ORG_TIERS
from storage.repos import audit, regions, roles
from storage.repos import organizations as repo

ORGANIZER_ROLES = ORGANIZERS
NAME_MAX = 150
CAPACITY_MAX = 10_000
CAPACITY_CHOICES = (5, 10, 20, 30, 50, 100)
REGION_CHOICES_MAX = 30
TARGET_1710 = {"professional": 1, "registered": 7, "grassroots": 10}

TIER_LABELS = {
    "professional": N_("orgs.tier.professional"),
    "registered": N_("orgs.tier.registered"),
    "grassroots": N_("orgs.tier.grassroots"),
}
# Short tier names for tables and gaps.
TIER_SHORT = {
    "professional": N_("orgs.short.professional"),
    "registered": N_("orgs.short.registered"),
    "grassroots": N_("orgs.short.grassroots"),
}
CATEGORY_LABELS = {
    "life_service": N_("orgs.cat.life_service"),
    "charity": N_("orgs.cat.charity"),
    "culture_sports": N_("orgs.cat.culture_sports"),
    "mediation": N_("orgs.cat.mediation"),
    "association": N_("orgs.cat.association"),
    "other": N_("orgs.cat.other"),
}
_CAPACITY = re.compile(r"^\s*(\d{1,6})\s*(?:人|名|位|people|persons?)?\s*$", re.IGNORECASE)


class Translate(Protocol):
    """The shape of `ctx.t` and of the CLI's translate function, for helpers both use."""

    def __call__(self, key: str, /, **params: Any) -> str: ...


# -- the "1710" report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row1710:
    """One community's organizations by tier against the 1 + 7 + 10 target."""

    code: str
    community: str
    professional: int
    registered: int
    grassroots: int

    def count(self, tier: str) -> int:
        """How many organizations of a tier the community has."""
        return int(getattr(self, tier))

    def missing(self, tier: str) -> int:
        """How many of a tier are still missing (0 when the target is met)."""
        return max(0, TARGET_1710[tier] - self.count(tier))

    @property
    def met(self) -> bool:
        """Whether every tier reaches its target."""
        return all(self.missing(t) == 0 for t in ORG_TIERS)


async def report_1710(session: AsyncSession, within: Region | None = None) -> list[Row1710]:
    """Per community (by code): organizations by tier, for comparison with the 1/7/10 target."""
    return [
        Row1710(
            code=community.code,
            community=community.name,
            professional=counts.get("professional", 0),
            registered=counts.get("registered", 0),
            grassroots=counts.get("grassroots", 0),
        )
        for community, counts in await repo.tiers_per_community(session, within)
    ]


def gap_text(t: Translate, row: Row1710) -> str:
    """ "已达标", or what is missing ("还差 草根 4")."""
    parts = [
        t("orgs.gap_part", tier=t(TIER_SHORT[tier]), n=row.missing(tier))
        for tier in ORG_TIERS
        if row.missing(tier)
    ]
    return t("orgs.gap", parts=t("common.list_separator").join(parts)) if parts else t("orgs.met")


def table_1710(t: Translate, rows: list[Row1710]) -> tuple[list[str], list[list[str]]]:
    """Headers and cells of the report, for a plain table (the CLI renders it)."""
    headers = [t("orgs.report.code"), t("orgs.report.community")]
    headers += [
        t("orgs.report.tier", tier=t(TIER_SHORT[x]), target=TARGET_1710[x]) for x in ORG_TIERS
    ]
    headers.append(t("orgs.report.gap"))
    cells = [
        [row.code, row.community, *(str(row.count(x)) for x in ORG_TIERS), gap_text(t, row)]
        for row in rows
    ]
    return headers, cells


# -- /org_new --------------------------------------------------------------------------------------


async def _scopes(ctx: Ctx) -> list[Region]:
    """Regions the person organizes."""
    grants = await roles.active_grants(ctx.session, ctx.person.id)
    return [g.region for g in grants if g.role in ORGANIZER_ROLES]


async def _region_options(ctx: Ctx) -> list[Region]:
    """Regions an organization may serve: the person's scopes and the streets/communities inside."""
    found: dict[int, Region] = {}
    for scope in await _scopes(ctx):
        found.setdefault(scope.id, scope)
        for level in ("street", "community"):
            for region in await regions.at_level(ctx.session, level, within=scope):
                found.setdefault(region.id, region)
    return sorted(found.values(), key=lambda r: (len(r.path_ids()), r.code))[:REGION_CHOICES_MAX]


async def _guard(ctx: Ctx) -> None:
    await require_role(ctx, ORGANIZER_ROLES)


async def _ask_name(ctx: Ctx) -> Reply:
    return ctx.reply("orgs.ask_name", limit=NAME_MAX)


async def _take_name(ctx: Ctx, message: Message) -> str | None:
    name = " ".join(unicodedata.normalize("NFKC", message.text).split())
    if not name or len(name) > NAME_MAX:
        raise InvalidInput("orgs.name_invalid", limit=NAME_MAX)
    existing = await repo.by_name(ctx.session, name)
    if existing is not None:
        raise InvalidInput("orgs.name_taken", name=name, id=existing.id)
    ctx.data["name"] = name
    return NEXT


def _picker(key: str, labels: dict[str, str], field: str) -> Step:
    """A step that picks one code of `labels` into `field`."""

    async def ask(ctx: Ctx) -> Reply:
        return ctx.reply(
            key, choices=[Choice(ctx.t(label), code) for code, label in labels.items()]
        )

    async def take(ctx: Ctx, message: Message) -> str | None:
        if message.value not in labels:
            raise InvalidInput("common.pick_from_list")
        ctx.data[field] = message.value
        return NEXT

    return Step(field, ask, take)


async def _ask_region(ctx: Ctx) -> Reply:
    options = await _region_options(ctx)
    return ctx.reply("orgs.ask_region", choices=[Choice(r.name, f"r{r.id}") for r in options])


async def _take_region(ctx: Ctx, message: Message) -> str | None:
    picked = next((r for r in await _region_options(ctx) if message.value == f"r{r.id}"), None)
    if picked is None:
        raise InvalidInput("common.pick_from_list")
    ctx.data["region"] = picked.id
    return NEXT


async def _ask_capacity(ctx: Ctx) -> Reply:
    choices = [Choice(ctx.t("orgs.people", n=n), f"n{n}") for n in CAPACITY_CHOICES]
    return ctx.reply("orgs.ask_capacity", choices=choices)


async def _take_capacity(ctx: Ctx, message: Message) -> str | None:
    value = message.value
    picked = parse_int(value[1:]) if value.startswith("n") else None
    if picked is not None:
        number = picked
    else:
        match = _CAPACITY.match(fold(message.text))
        number = int(match.group(1)) if match else 0
    if not 1 <= number <= CAPACITY_MAX:
        raise InvalidInput("orgs.capacity_invalid", limit=CAPACITY_MAX)
    ctx.data["capacity"] = number
    return NEXT


async def _summary(ctx: Ctx) -> str:
    region = await regions.by_id(ctx.session, ctx.data["region"])
    return ctx.t(
        "orgs.summary",
        name=ctx.data["name"],
        tier=ctx.t(TIER_LABELS[ctx.data["tier"]]),
        category=ctx.t(CATEGORY_LABELS[ctx.data["category"]]),
        region=region.name if region else "—",
        capacity=ctx.data["capacity"],
    )


async def _ask_confirm(ctx: Ctx) -> Reply:
    return ctx.reply(
        "orgs.ask_confirm",
        summary=await _summary(ctx),
        choices=[Choice(ctx.t("orgs.confirm"), "confirm")],
    )


async def _take_confirm(ctx: Ctx, message: Message) -> str | None:
    if message.value != "confirm":
        raise InvalidInput("common.pick_from_list")
    return DONE


async def _finish(ctx: Ctx) -> list[Reply]:
    """Create the organization (re-checking scope and name) and audit it."""
    data = ctx.data
    region = await regions.by_id(ctx.session, data["region"])
    await require_role(ctx, ORGANIZER_ROLES, region)
    assert region is not None
    existing = await repo.by_name(ctx.session, data["name"])
    if existing is not None:
        raise Conflict("orgs.name_taken", name=data["name"], id=existing.id)
    org = Organization(
        name=data["name"],
        tier=data["tier"],
        category=data["category"],
        region_id=region.id,
        capacity=data["capacity"],
        created_at=ctx.now,
    )
    ctx.session.add(org)
    await ctx.session.flush()
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="org.create",
        target=f"organization:{org.id}",
        now=ctx.now,
        tier=org.tier,
        region_id=region.id,
    )
    return [ctx.reply("orgs.created", id=org.id, name=org.name)]


ORG_NEW = Flow(
    name="org_new",
    guard=_guard,
    steps=(
        Step("name", _ask_name, _take_name),
        _picker(N_("orgs.ask_tier"), TIER_LABELS, "tier"),
        _picker(N_("orgs.ask_category"), CATEGORY_LABELS, "category"),
        Step("region", _ask_region, _take_region),
        Step("capacity", _ask_capacity, _take_capacity),
        Step("confirm", _ask_confirm, _take_confirm),
    ),
    finish=_finish,
)


# -- /orgs -----------------------------------------------------------------------------------------


async def list_orgs(ctx: Ctx) -> list[Reply]:
    """Organizations in the organizer's scope, per community with its "1710" standing."""
    await require_role(ctx, ORGANIZER_ROLES)
    scopes = await _scopes(ctx)
    found = await repo.in_scopes(ctx.session, scopes)
    if not found:
        return [ctx.reply("orgs.none")]
    standing = {row.code: row for scope in scopes for row in await report_1710(ctx.session, scope)}
    groups: dict[int, tuple[Region, list[Organization]]] = {}
    for org, region in found:
        home = await regions.ancestor_at(ctx.session, region, "community") or region
        groups.setdefault(home.id, (home, []))[1].append(org)
    lines = [ctx.t("orgs.list_title", count=len(found))]
    for home, orgs in sorted(groups.values(), key=lambda g: g[0].path):
        row = standing.get(home.code)
        if row is not None and home.level == "community":
            lines.append(
                ctx.t(
                    "orgs.community_line",
                    community=home.name,
                    professional=row.professional,
                    registered=row.registered,
                    grassroots=row.grassroots,
                    gap=gap_text(ctx.t, row),
                )
            )
        else:
            lines.append(ctx.t("orgs.region_line", region=home.name))
        for org in orgs:
            lines.append(
                ctx.t(
                    "orgs.item",
                    id=org.id,
                    name=org.name,
                    tier=ctx.t(TIER_LABELS.get(org.tier, org.tier)),
                    category=ctx.t(CATEGORY_LABELS.get(org.category, org.category)),
                    capacity=org.capacity,
                )
            )
    return [Reply("\n".join(lines))]


# What this feature serves, in one place (handlers/routes.py lists the features).
FEATURE = Feature(
    "organizations",
    commands={"org_new": ORG_NEW, "orgs": list_orgs},
    help=[(N_("help.organizations"), ORGANIZERS)],
)
