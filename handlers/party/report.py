"""/participation: a community's participation report — volunteers and party members (双报到)
counted apart, with the tasks, activities and hours each group gave this year or this month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from handlers.core.auth import require_role
from handlers.core.context import Ctx
from handlers.core.errors import UserError
from handlers.core.messages import Choice, Reply
from handlers.groups.common import ORGANIZER_ROLES
from handlers.party.register import KIND_SHORT
from storage.models import Region
from storage.repos import party as repo
from storage.repos import regions, roles

MONTH_WORDS = frozenset({"month", "本月", "月", "这个月"})
YEAR_WORDS = frozenset({"", "year", "今年", "本年", "年", "全年"})


def _period(ctx: Ctx) -> tuple[str, datetime, datetime]:
    """("month" | "year", start, end) in UTC, from the words after the command."""
    word = ctx.args.strip().lower()
    local = ctx.now.astimezone(ZoneInfo(ctx.deps.config.tz))
    if word in MONTH_WORDS:
        start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        end = (start + timedelta(days=32)).replace(day=1)
        return "month", start.astimezone(UTC), end.astimezone(UTC)
    if word in YEAR_WORDS:
        start = local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        return "year", start.astimezone(UTC), start.replace(year=start.year + 1).astimezone(UTC)
    raise UserError("party.report_period")


async def _communities(ctx: Ctx) -> list[Region]:
    grants = await roles.active_grants(ctx.session, ctx.person.id)
    held = [g.region for g in grants if g.role in ORGANIZER_ROLES]
    return await regions.communities_of(ctx.session, held)


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}" if value else "0"


async def participation_command(ctx: Ctx) -> list[Reply]:
    """The report for every community the organizer holds."""
    await require_role(ctx, ORGANIZER_ROLES)
    period, start, end = _period(ctx)
    lines = [ctx.t(f"party.report_title_{period}", at=ctx.when(ctx.now))]
    for community in await _communities(ctx):
        found = await repo.participation(ctx.session, community, start, end)
        lines.append(
            ctx.t(
                "party.report_community",
                community=community.name,
                volunteers=found.volunteers,
                party=sum(found.party.values()),
                community_members=found.party.get("community", 0),
                in_service=found.party.get("in_service", 0),
                confirmed=found.party_confirmed,
                party_volunteers=found.party_volunteers,
                tasks=found.everyone.tasks,
                party_tasks=found.party_served.tasks,
                activities=found.everyone.activities,
                party_activities=found.party_served.activities,
                hours=_hours(found.everyone.hours),
                party_hours=_hours(found.party_served.hours),
                people=found.everyone.people,
                party_people=found.party_served.people,
                checkins=found.checkins,
                party_checkins=found.party_checkins,
            )
        )
        if found.by_unit:
            units = "\n".join(
                ctx.t(
                    "party.report_unit_line" if registered else "party.report_unit_text",
                    unit=name,
                    count=n,
                )
                for name, registered, n in found.by_unit
            )
            lines[-1] += "\n" + ctx.t("party.report_units", units=units)
    return [Reply("\n\n".join(lines))]


async def members_command(ctx: Ctx) -> list[Reply]:
    """/party_members: the party members reported to the organizer's communities."""
    await require_role(ctx, ORGANIZER_ROLES)
    communities = await _communities(ctx)
    found = await repo.of_communities(ctx.session, [c.id for c in communities])
    if not found:
        return [ctx.reply("party.members_none")]
    replies = [ctx.reply("party.members_title", count=len(found))]
    for member, person in found[:30]:
        confirmed = member.confirmed_at is not None
        replies.append(
            ctx.reply(
                "party.member_line",
                name=person.display_name or f"#{person.id}",
                kind=ctx.t(KIND_SHORT[member.kind]),
                unit=member.unit_name or "—",
                status=ctx.t("party.confirmed" if confirmed else "party.unconfirmed"),
                choices=()
                if confirmed
                else [Choice(ctx.t("party.confirm_button"), f"party:ok:{member.person_id}")],
            )
        )
    return replies
