"""Joining an organization: at once when it is open, else asked and answered by its contact or
the organizers over it; leaving; the requests waiting for an answer."""

from __future__ import annotations

from handlers.core.auth import require_registered
from handlers.core.context import Ctx
from handlers.core.errors import Conflict, UserError
from handlers.core.messages import Choice, Reply
from handlers.core.notify import notify
from handlers.core.numbers import first_id
from handlers.groups.common import (
    ORGANIZER_ROLES,
    home_community,
    organization,
    require_manager,
)
from storage.models import Organization, OrganizationMember, Region
from storage.repos import audit, regions, roles
from storage.repos import organizations as repo


async def join_command(ctx: Ctx) -> list[Reply]:
    """/org_join ID."""
    return await _join(ctx, ctx.args)


async def join_button(ctx: Ctx, args: list[str]) -> list[Reply]:
    """The "ojoin:ID" button on an organization's page."""
    return await _join(ctx, args[0] if args else "")


async def _join(ctx: Ctx, text: str) -> list[Reply]:
    community = await home_community(ctx)
    org, region = await organization(ctx, text)
    if not (region.path.startswith(community.path) or region.id in community.path_ids()):
        raise UserError("groups.not_yours", name=org.name)
    row = await repo.membership(ctx.session, org.id, ctx.person.id)
    if row is not None and row.status == "active":
        return [ctx.reply("groups.already_member", name=org.name)]
    if row is not None and row.status == "pending":
        return [ctx.reply("groups.already_asked", name=org.name)]
    status = "active" if org.open_join else "pending"
    if row is None:
        row = OrganizationMember(
            organization_id=org.id, person_id=ctx.person.id, created_at=ctx.now
        )
        ctx.session.add(row)
    row.status, row.created_at, row.decided_at, row.decided_by_id = status, ctx.now, None, None
    await ctx.session.flush()
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="org.join" if status == "active" else "org.ask",
        target=f"organization:{org.id}",
        now=ctx.now,
    )
    if status == "active":
        await _tell_contact(ctx, org)
        return [ctx.reply("groups.joined", name=org.name, id=org.id)]
    choices = (("groups.approve", f"omem:ok:{row.id}"), ("groups.decline", f"omem:no:{row.id}"))
    told = await _tell_managers(ctx, org, region, "groups.request", choices, row)
    if not told:
        raise Conflict("groups.nobody_to_ask", name=org.name)
    return [ctx.reply("groups.asked", name=org.name)]


async def _managers(ctx: Ctx, org: Organization, region: Region) -> list[int]:
    """Who answers requests: the organization's contact, else the organizers over its region."""
    if org.contact_person_id is not None:
        return [org.contact_person_id]
    community = await regions.ancestor_at(ctx.session, region, "community") or region
    nearest = await roles.holders(ctx.session, ("organizer",), community)
    return nearest or await roles.holders(ctx.session, ("admin",), community)


async def _tell_managers(
    ctx: Ctx,
    org: Organization,
    region: Region,
    key: str,
    choices: tuple[tuple[str, str], ...],
    row: OrganizationMember,
) -> int:
    told = 0
    for person_id in await _managers(ctx, org, region):
        if person_id == ctx.person.id:
            continue
        told += await notify(
            ctx,
            person_id,
            key,
            choices=choices,
            kind="org_request",
            name=ctx.person.display_name,
            org=org.name,
            id=row.id,
        )
    return told


async def _tell_contact(ctx: Ctx, org: Organization) -> None:
    """Tell the organization's contact that someone joined (open organizations)."""
    if org.contact_person_id is not None and org.contact_person_id != ctx.person.id:
        await notify(
            ctx,
            org.contact_person_id,
            "groups.contact_joined",
            kind="org_request",
            org=org.name,
            name=ctx.person.display_name,
        )


async def answer_button(ctx: Ctx, args: list[str]) -> list[Reply]:
    """The "omem:ok:ID" / "omem:no:ID" buttons: the contact or an organizer answers a request."""
    verdict = args[0] if args else ""
    member_id = first_id(args[1:])
    if verdict not in ("ok", "no") or member_id is None:
        raise UserError("common.pick_from_list")
    await require_registered(ctx)
    row = await repo.member(ctx.session, member_id)
    org = await repo.get(ctx.session, row.organization_id) if row is not None else None
    region = await regions.by_id(ctx.session, org.region_id) if org is not None else None
    if row is None or org is None or region is None:
        raise UserError("groups.request_gone")
    await require_manager(ctx, org, region)
    if row.status != "pending":
        return [ctx.reply("groups.request_answered", org=org.name)]
    row.status = "active" if verdict == "ok" else "declined"
    row.decided_at, row.decided_by_id = ctx.now, ctx.person.id
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="org.member_ok" if verdict == "ok" else "org.member_no",
        target=f"organization:{org.id}",
        now=ctx.now,
        member_id=row.id,
        person_id=row.person_id,
    )
    key = "groups.you_were_accepted" if verdict == "ok" else "groups.you_were_declined"
    await notify(ctx, row.person_id, key, kind="org_request", org=org.name, id=org.id)
    done = "groups.accepted" if verdict == "ok" else "groups.declined"
    return [ctx.reply(done, org=org.name)]


async def leave_command(ctx: Ctx) -> list[Reply]:
    """/org_leave ID."""
    await require_registered(ctx)
    org, _ = await organization(ctx, ctx.args)
    row = await repo.membership(ctx.session, org.id, ctx.person.id)
    if row is None or row.status not in ("active", "pending"):
        raise UserError("groups.not_member", name=org.name)
    row.status, row.decided_at, row.decided_by_id = "left", ctx.now, ctx.person.id
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="org.leave",
        target=f"organization:{org.id}",
        now=ctx.now,
    )
    return [ctx.reply("groups.left", name=org.name)]


async def requests_command(ctx: Ctx) -> list[Reply]:
    """/org_requests: requests to join that wait for this person (contact or organizer)."""
    await require_registered(ctx)
    grants = await roles.active_grants(ctx.session, ctx.person.id)
    scopes = [g.region for g in grants if g.role in ORGANIZER_ROLES]
    waiting = await repo.pending(ctx.session, scopes, ctx.person.id)
    if not waiting:
        return [ctx.reply("groups.no_requests")]
    replies = [ctx.reply("groups.requests_title", count=len(waiting))]
    for row, org, person in waiting[:10]:
        replies.append(
            ctx.reply(
                "groups.request_line",
                id=row.id,
                name=person.display_name,
                org=org.name,
                at=ctx.when(row.created_at),
                choices=[
                    Choice(ctx.t("groups.approve"), f"omem:ok:{row.id}"),
                    Choice(ctx.t("groups.decline"), f"omem:no:{row.id}"),
                ],
            )
        )
    return replies
