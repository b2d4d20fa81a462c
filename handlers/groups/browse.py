"""Residents find social organizations (社会组织): by category, an organization's page."""

from __future__ import annotations

from handlers.core.context import Ctx
from handlers.core.errors import UserError
from handlers.core.messages import Choice, Reply
from handlers.groups.common import FILING_LABELS, INCUBATION_LABELS, home_community, organization
from handlers.organizations import CATEGORY_LABELS, TIER_LABELS
from storage.models.volunteers import ORG_CATEGORIES
from storage.repos import organizations as repo

LIST_MAX = 20  # organizations shown in one category (the rest by /org ID from the office)


async def browse(ctx: Ctx) -> list[Reply]:
    """/groups: the person's organizations, then the categories with how many serve them."""
    community = await home_community(ctx)
    category = ctx.args.strip() or None
    if category is not None:
        return await _category(ctx, _category_code(ctx, category))
    found = await repo.serving(ctx.session, community)
    counts = {code: 0 for code in ORG_CATEGORIES}
    for org, _ in found:
        counts[org.category] = counts.get(org.category, 0) + 1
    lines = [ctx.t("groups.title", community=community.name, count=len(found))]
    mine = await repo.memberships_of(ctx.session, ctx.person.id)
    if mine:
        lines.append(ctx.t("groups.mine"))
        for member, org in mine:
            key = "groups.mine_active" if member.status == "active" else "groups.mine_pending"
            lines.append(ctx.t(key, id=org.id, name=org.name))
    lines.append(ctx.t("groups.pick_category"))
    choices = [
        Choice(
            ctx.t("groups.category_choice", category=ctx.t(CATEGORY_LABELS[code]), n=n),
            f"gcat:{code}",
        )
        for code, n in counts.items()
        if n
    ]
    return [Reply("\n".join(lines), tuple(choices))]


def _category_code(ctx: Ctx, typed: str) -> str:
    """A category code from a code or its label typed in either language."""
    wanted = typed.strip().lower()
    for code, label in CATEGORY_LABELS.items():
        names = {code, ctx.t(label).lower(), ctx.deps.i18n.translate("zh_CN", label).lower()}
        names.add(ctx.deps.i18n.translate("en", label).lower())
        if wanted in names:
            return code
    raise UserError("groups.no_such_category")


async def category_button(ctx: Ctx, args: list[str]) -> list[Reply]:
    """The "gcat:CODE" button: the organizations of one category."""
    return await _category(ctx, _category_code(ctx, args[0] if args else ""))


async def _category(ctx: Ctx, category: str) -> list[Reply]:
    community = await home_community(ctx)
    found = await repo.serving(ctx.session, community, category)
    if not found:
        return [ctx.reply("groups.category_empty", category=ctx.t(CATEGORY_LABELS[category]))]
    counts = await repo.active_counts(ctx.session, [org.id for org, _ in found])
    lines = [
        ctx.t("groups.category_title", category=ctx.t(CATEGORY_LABELS[category]), count=len(found))
    ]
    choices = []
    for org, region in found[:LIST_MAX]:
        lines.append(
            ctx.t(
                "groups.item",
                id=org.id,
                name=org.name,
                tier=ctx.t(TIER_LABELS.get(org.tier, org.tier)),
                region=region.name,
                members=counts.get(org.id, 0),
            )
        )
        choices.append(Choice(org.name, f"/org {org.id}"))
    return [Reply("\n".join(lines), tuple(choices))]


async def show(ctx: Ctx) -> list[Reply]:
    """/org ID: what an organization does, its standing, members and coming activities."""
    await home_community(ctx)
    org, region = await organization(ctx, ctx.args)
    counts = await repo.active_counts(ctx.session, [org.id])
    mine = await repo.membership(ctx.session, org.id, ctx.person.id)
    lines = [
        ctx.t(
            "groups.page",
            id=org.id,
            name=org.name,
            tier=ctx.t(TIER_LABELS.get(org.tier, org.tier)),
            category=ctx.t(CATEGORY_LABELS.get(org.category, org.category)),
            region=region.name,
            members=counts.get(org.id, 0),
            intro=org.intro or ctx.t("groups.no_intro"),
        )
    ]
    if org.tier != "professional":  # community organizations are fostered and filed (备案)
        lines.append(
            ctx.t(
                "groups.standing",
                filing=ctx.t(FILING_LABELS.get(org.filing, org.filing)),
                incubation=ctx.t(INCUBATION_LABELS.get(org.incubation, org.incubation)),
            )
        )
    activities = await repo.upcoming_activities(ctx.session, org.id, ctx.now)
    if activities:
        lines.append(ctx.t("groups.activities"))
        lines += [
            ctx.t(
                "groups.activity",
                id=a.id,
                title=a.title,
                at=ctx.when(a.starts_at),
                place=a.place or "—",
            )
            for a in activities
        ]
    else:
        lines.append(ctx.t("groups.no_activities"))
    choices: list[Choice] = []
    if mine is not None and mine.status == "active":
        lines.append(ctx.t("groups.you_are_member"))
        choices.append(Choice(ctx.t("groups.leave_button"), f"/org_leave {org.id}"))
    elif mine is not None and mine.status == "pending":
        lines.append(ctx.t("groups.you_asked"))
    else:
        label = "groups.join_button" if org.open_join else "groups.ask_button"
        choices.append(Choice(ctx.t(label), f"ojoin:{org.id}"))
    return [Reply("\n".join(lines), tuple(choices))]
