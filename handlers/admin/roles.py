"""Granting and revoking roles, and single-use invite codes (roles are granted, never claimed)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.codes import normalize, random_code
from handlers.core.errors import UserError
from handlers.core.numbers import parse_id
from storage.models import Identity, InviteCode, Person, Region, RoleGrant
from storage.models.people import ROLES
from storage.repos import audit, regions


async def _region(session: AsyncSession, code: str) -> Region:
    region = await regions.by_code(session, code)
    if region is None:
        raise UserError("admin.no_region", code=code)
    return region


async def find_person(session: AsyncSession, ref: str) -> Person:
    """A person by id ("42") or by channel identity ("telegram:12345", "console:王芳")."""
    person: Person | None = None
    if (person_id := parse_id(ref)) is not None:
        person = await session.get(Person, person_id)
    elif ":" in ref:
        channel, external = ref.split(":", 1)
        ident = (
            await session.execute(
                select(Identity).where(
                    Identity.channel == channel, Identity.external_id == external
                )
            )
        ).scalar_one_or_none()
        person = ident.person if ident else None
    if person is None or person.erased_at is not None:
        raise UserError("admin.no_person", ref=ref)
    return person


async def grant(
    session: AsyncSession,
    ref: str,
    role: str,
    region_code: str,
    now: datetime,
    actor_id: int | None = None,
) -> RoleGrant:
    """Grant `role` over the subtree of a region."""
    if role not in ROLES:
        raise UserError("admin.bad_role", role=role, allowed=", ".join(ROLES))
    region = await _region(session, region_code)
    person = await find_person(session, ref)
    row = RoleGrant(
        person_id=person.id, role=role, region_id=region.id, granted_by_id=actor_id, granted_at=now
    )
    session.add(row)
    audit.record(
        session,
        actor_id=actor_id,
        action="role.grant",
        target=f"person:{person.id}",
        now=now,
        role=role,
        region=region_code,
    )
    return row


async def revoke(
    session: AsyncSession,
    ref: str,
    role: str,
    region_code: str,
    now: datetime,
    actor_id: int | None = None,
) -> int:
    """Revoke a role over a region; returns how many grants ended."""
    region = await _region(session, region_code)
    person = await find_person(session, ref)
    rows = (
        (
            await session.execute(
                select(RoleGrant).where(
                    RoleGrant.person_id == person.id,
                    RoleGrant.role == role,
                    RoleGrant.region_id == region.id,
                    RoleGrant.revoked_at.is_(None),
                )
            )
        )
        .scalars()
        .all()
    )
    for row in rows:
        row.revoked_at = now
    audit.record(
        session,
        actor_id=actor_id,
        action="role.revoke",
        target=f"person:{person.id}",
        now=now,
        role=role,
        region=region_code,
        count=len(rows),
    )
    return len(rows)


async def create_invites(
    session: AsyncSession,
    role: str,
    region_code: str,
    now: datetime,
    *,
    count: int = 1,
    valid_days: int = 14,
    actor_id: int | None = None,
) -> list[str]:
    """Create single-use invite codes for a role over a region."""
    if role not in ROLES:
        raise UserError("admin.bad_role", role=role, allowed=", ".join(ROLES))
    region = await _region(session, region_code)
    codes = []
    for _ in range(count):
        code = random_code(8)
        session.add(
            InviteCode(
                code=code,
                role=role,
                region_id=region.id,
                created_by_id=actor_id,
                created_at=now,
                expires_at=now + timedelta(days=valid_days),
            )
        )
        codes.append(code)
    audit.record(
        session,
        actor_id=actor_id,
        action="invite.create",
        target=f"region:{region_code}",
        now=now,
        role=role,
        count=count,
    )
    return codes


def usable(invite: InviteCode | None, now: datetime) -> bool:
    """Whether an invite code may still be redeemed: known, unused, not revoked, not expired."""
    return (
        invite is not None
        and invite.used_at is None
        and invite.revoked_at is None
        and (invite.expires_at is None or now < invite.expires_at)
    )


async def revoke_invite(
    session: AsyncSession, code: str, now: datetime, *, actor_id: int | None = None
) -> InviteCode:
    """Revoke an unused invite code (audited); a used one is refused: revoke the role instead."""
    invite = await session.get(InviteCode, normalize(code), with_for_update=True)
    if invite is None:
        raise UserError("admin.no_invite", code=code)
    if invite.used_at is not None:
        raise UserError("admin.invite_used", code=invite.code)
    invite.revoked_at = invite.revoked_at or now
    audit.record(
        session,
        actor_id=actor_id,
        action="invite.revoke",
        target=f"invite:{invite.code}",
        now=now,
        role=invite.role,
        region_id=invite.region_id,
    )
    return invite
