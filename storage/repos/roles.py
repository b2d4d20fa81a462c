"""Role grants over region subtrees, and invite codes that confer them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, object_session

from storage.models import Region, RoleGrant

_ACTIVE_GRANTS = (
    select(RoleGrant)
    .where(
        RoleGrant.person_id.in_(bindparam("people", expanding=True)),
        RoleGrant.revoked_at.is_(None),
    )
    .order_by(RoleGrant.id)
)
# A person's active grants, per transaction: nearly every command asks, several times.
_CACHE = "roles.active_grants"


async def active_grants(session: AsyncSession, person_id: int) -> list[RoleGrant]:
    """A person's roles that are not revoked."""
    cache: dict[int, list[RoleGrant]] = session.info.setdefault(_CACHE, {})
    if person_id not in cache:
        await preload_grants(session, [person_id])
    return list(cache[person_id])


async def preload_grants(session: AsyncSession, person_ids: list[int]) -> None:
    """Load the active grants of several people in one query, for the rest of the transaction."""
    cache: dict[int, list[RoleGrant]] = session.info.setdefault(_CACHE, {})
    wanted = [p for p in dict.fromkeys(person_ids) if p not in cache]
    if not wanted:
        return
    rows = await session.execute(_ACTIVE_GRANTS, {"people": wanted})
    loaded: dict[int, list[RoleGrant]] = {p: [] for p in wanted}
    for grant in rows.scalars():
        loaded[grant.person_id].append(grant)
    cache.update(loaded)


def _forget(session: Session | None) -> None:
    if session is not None:
        session.info.pop(_CACHE, None)


# Whatever grants, revokes or changes a grant, wherever, drops what was read before it.
@event.listens_for(Session, "after_attach")
def _grant_added(session: Session, instance: object) -> None:
    if isinstance(instance, RoleGrant):
        _forget(session)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, _previous: Any) -> None:
    _forget(session)


for _column in (RoleGrant.revoked_at, RoleGrant.role, RoleGrant.region_id, RoleGrant.person_id):

    @event.listens_for(_column, "set")
    def _grant_changed(target: RoleGrant, *_: Any) -> None:
        _forget(object_session(target))


async def holds(
    session: AsyncSession, person_id: int, roles: tuple[str, ...], region: Region
) -> bool:
    """Whether the person holds one of `roles` over a subtree that contains `region`."""
    for grant in await active_grants(session, person_id):
        if grant.role in roles and region.path.startswith(grant.region.path):
            return True
    return False


async def holders(session: AsyncSession, roles: tuple[str, ...], region: Region) -> list[int]:
    """Person ids holding one of `roles` over a scope containing `region`, nearest scope first."""
    ids = region.path_ids()
    rows = await session.execute(
        select(RoleGrant.person_id, Region.path)
        .join(Region, Region.id == RoleGrant.region_id)
        .where(
            RoleGrant.role.in_(roles), RoleGrant.revoked_at.is_(None), RoleGrant.region_id.in_(ids)
        )
    )
    ordered = sorted(rows.all(), key=lambda r: -len(r[1]))
    seen: list[int] = []
    for person_id, _ in ordered:
        if person_id not in seen:
            seen.append(person_id)
    return seen
