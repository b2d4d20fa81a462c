"""Departments and their staff: registering (admin), invite codes, joining by code (/join)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.auth import require_registered
from handlers.core.codes import normalize, random_code
from handlers.core.context import Ctx
from handlers.core.errors import UserError
from handlers.core.messages import Reply
from handlers.departments.common import KINDS
from storage.models import Department, DepartmentRegion, StaffInvite, StaffMember, Unit
from storage.repos import agencies, audit, regions


async def add_department(
    session: AsyncSession,
    code: str,
    name: str,
    kind: str,
    region_codes: list[str],
    now: datetime,
    actor_id: int | None = None,
) -> Department:
    """Register a department (or property company) serving some regions; again adds regions."""
    if kind not in KINDS:
        raise UserError("departments.bad_kind", kind=kind, allowed=", ".join(KINDS))
    dept = await agencies.department_by_code(session, code)
    if dept is None:
        dept = Department(code=code, name=name, kind=kind, created_at=now)
        session.add(dept)
        await session.flush()
    served = {r.region_id for r in await _served(session, dept.id)}
    for region_code in region_codes:
        region = await regions.by_code(session, region_code)
        if region is None:
            raise UserError("admin.no_region", code=region_code)
        if region.id not in served:
            session.add(DepartmentRegion(department_id=dept.id, region_id=region.id))
            served.add(region.id)
    audit.record(
        session,
        actor_id=actor_id,
        action="department.add",
        target=f"department:{code}",
        now=now,
        regions=",".join(region_codes),
    )
    return dept


async def _served(session: AsyncSession, department_id: int) -> list[DepartmentRegion]:
    rows = await session.execute(
        select(DepartmentRegion).where(DepartmentRegion.department_id == department_id)
    )
    return list(rows.scalars())


async def create_invites(
    session: AsyncSession,
    now: datetime,
    *,
    department_code: str | None = None,
    unit_id: int | None = None,
    lead: bool = False,
    count: int = 1,
    valid_days: int = 14,
    actor_id: int | None = None,
) -> list[str]:
    """Single-use codes that make their redeemers staff of a department or a unit."""
    dept_id = None
    if department_code is not None:
        dept = await agencies.department_by_code(session, department_code)
        if dept is None:
            raise UserError("departments.no_department", code=department_code)
        dept_id = dept.id
    codes = []
    for _ in range(count):
        code = random_code(8)
        session.add(
            StaffInvite(
                code=code,
                department_id=dept_id,
                unit_id=unit_id,
                lead=lead,
                created_by_id=actor_id,
                created_at=now,
                expires_at=now + timedelta(days=valid_days),
            )
        )
        codes.append(code)
    audit.record(
        session,
        actor_id=actor_id,
        action="staff_invite.create",
        target=f"department:{department_code}" if department_code else f"unit:{unit_id}",
        now=now,
        count=count,
        lead=lead,
    )
    return codes


async def join_command(ctx: Ctx) -> list[Reply]:
    """/join CODE: become staff of the department or unit the code was made for (once)."""
    await require_registered(ctx)
    code = normalize(ctx.args) if ctx.args.strip() else ""
    invite = await ctx.session.get(StaffInvite, code, with_for_update=True) if code else None
    usable = (
        invite is not None
        and invite.used_at is None
        and (invite.expires_at is None or ctx.now < invite.expires_at)
    )
    if invite is None or not usable:
        return [ctx.reply("departments.join_invalid")]
    if await agencies.is_member(
        ctx.session, ctx.person.id, department_id=invite.department_id, unit_id=invite.unit_id
    ):
        return [ctx.reply("departments.join_already")]  # the code stays usable for a colleague
    invite.used_at, invite.used_by_id = ctx.now, ctx.person.id
    ctx.session.add(
        StaffMember(
            person_id=ctx.person.id,
            department_id=invite.department_id,
            unit_id=invite.unit_id,
            lead=invite.lead,
            joined_at=ctx.now,
        )
    )
    audit.record(
        ctx.session,
        actor_id=ctx.person.id,
        action="staff_invite.redeem",
        target=f"invite:{code}",
        now=ctx.now,
        department_id=invite.department_id,
        unit_id=invite.unit_id,
    )
    name = ""
    if invite.department_id is not None:
        dept = await ctx.session.get(Department, invite.department_id)
        name = dept.name if dept else ""
    elif invite.unit_id is not None:
        unit = await ctx.session.get(Unit, invite.unit_id)
        name = unit.name if unit else ""
    return [ctx.reply("departments.joined", name=name)]
