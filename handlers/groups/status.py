"""/org_status ID: organizers record an organization's incubation (孵化) and filing (备案).

A grassroots organization whose filing is done becomes a registered (备案) one, so the
"1710" counts follow.
"""

from __future__ import annotations

from handlers.core.context import Ctx
from handlers.core.dialogs import DONE, NEXT, Flow, Step
from handlers.core.errors import InvalidInput, NotAllowed
from handlers.core.messages import Choice, Message, Reply
from handlers.groups.common import FILING_LABELS, INCUBATION_LABELS, organization, organizes
from handlers.organizations import TIER_LABELS
from storage.repos import audit, regions
from storage.repos import organizations as repo


async def _guard(ctx: Ctx) -> None:
    org, region = await organization(ctx, ctx.args)
    if not await organizes(ctx, region):
        raise NotAllowed()
    ctx.data["org"] = org.id


def _picker(field: str, labels: dict[str, str]) -> Step:
    async def ask(ctx: Ctx) -> Reply:
        org = await repo.get(ctx.session, ctx.data["org"])
        assert org is not None
        current = ctx.t(labels[getattr(org, field)])
        choices = [Choice(ctx.t(label), code) for code, label in labels.items()]
        return ctx.reply(f"groups.ask_{field}", name=org.name, current=current, choices=choices)

    async def take(ctx: Ctx, message: Message) -> str | None:
        if message.value not in labels:
            raise InvalidInput("common.pick_from_list")
        ctx.data[field] = message.value
        return NEXT if field == "incubation" else DONE

    return Step(field, ask, take)


async def _finish(ctx: Ctx) -> list[Reply]:
    org = await repo.get(ctx.session, ctx.data["org"])
    region = await regions.by_id(ctx.session, org.region_id) if org is not None else None
    if org is None or region is None or not await organizes(ctx, region):
        raise NotAllowed()
    before = {"incubation": org.incubation, "filing": org.filing, "tier": org.tier}
    org.incubation, org.filing = ctx.data["incubation"], ctx.data["filing"]
    if org.filing == "filed" and org.tier == "grassroots":
        org.tier = "registered"
        if org.incubation == "incubating":
            org.incubation = "graduated"
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="org.status",
        target=f"organization:{org.id}",
        now=ctx.now,
        before=before,
        after={"incubation": org.incubation, "filing": org.filing, "tier": org.tier},
    )
    return [
        ctx.reply(
            "groups.status_saved",
            name=org.name,
            incubation=ctx.t(INCUBATION_LABELS[org.incubation]),
            filing=ctx.t(FILING_LABELS[org.filing]),
            tier=ctx.t(TIER_LABELS[org.tier]),
        )
    ]


ORG_STATUS = Flow(
    name="org_status",
    guard=_guard,
    steps=(_picker("incubation", INCUBATION_LABELS), _picker("filing", FILING_LABELS)),
    finish=_finish,
)
