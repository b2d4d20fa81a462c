"""Read-only figures for the periodic messages: hours served in a month, a community's open work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    GridReport,
    Need,
    Person,
    Proposal,
    Region,
    RoleGrant,
    ServiceRecord,
    VolunteerProfile,
)

OPEN_NEEDS = ("open", "matching")
UNANSWERED_REPORTS = ("open", "reopened")
UNRESOLVED_REPORTS = ("open", "acknowledged", "reopened")


@dataclass(frozen=True)
class Served:
    """One volunteer's recorded hours in a period, with where they live."""

    person_id: int
    name: str
    show_name: bool
    home_path: str
    hours: Decimal


async def hours_served(session: AsyncSession, start: datetime, end: datetime) -> list[Served]:
    """Hours recorded per volunteer (not erased) for service in [start, end), most first."""
    home = func.coalesce(VolunteerProfile.home_grid_id, Person.home_region_id)
    total = func.sum(ServiceRecord.hours)
    rows = await session.execute(
        select(
            Person.id,
            Person.display_name,
            VolunteerProfile.show_name,
            Region.path,
            total,
        )
        .join(ServiceRecord, ServiceRecord.person_id == Person.id)
        .join(VolunteerProfile, VolunteerProfile.person_id == Person.id)
        .join(Region, Region.id == home)
        .where(
            Person.erased_at.is_(None),
            ServiceRecord.served_at >= start,
            ServiceRecord.served_at < end,
        )
        .group_by(Person.id, Person.display_name, VolunteerProfile.show_name, Region.path)
        .order_by(total.desc(), Person.id)
    )
    return [
        Served(pid, name, bool(show), path, Decimal(hours or 0))
        for pid, name, show, path, hours in rows.all()
    ]


async def organizer_scopes(session: AsyncSession) -> dict[int, list[Region]]:
    """The regions each organizer holds the role over (active grants, people not erased)."""
    rows = await session.execute(
        select(RoleGrant.person_id, Region)
        .join(Region, Region.id == RoleGrant.region_id)
        .join(Person, Person.id == RoleGrant.person_id)
        .where(
            RoleGrant.role == "organizer",
            RoleGrant.revoked_at.is_(None),
            Person.erased_at.is_(None),
        )
        .order_by(RoleGrant.person_id, Region.path)
    )
    scopes: dict[int, list[Region]] = {}
    for person_id, region in rows.all():
        scopes.setdefault(person_id, []).append(region)
    return scopes


@dataclass(frozen=True)
class Backlog:
    """What waits in a community: open needs, overdue reports, proposals before the meeting."""

    open_needs: int
    overdue_reports: int
    on_agenda: int
    seconded: int

    @property
    def empty(self) -> bool:
        """Nothing waiting."""
        return not (self.open_needs or self.overdue_reports or self.on_agenda or self.seconded)


async def backlog(session: AsyncSession, community: Region, now: datetime) -> Backlog:
    """A community's waiting work at `now`."""
    area = select(Region.id).where(Region.path.startswith(community.path))
    needs = await session.scalar(
        select(func.count()).where(Need.status.in_(OPEN_NEEDS), Need.region_id.in_(area))
    )
    reports = await session.scalar(
        select(func.count()).where(
            GridReport.grid_id.in_(area),
            or_(
                and_(GridReport.status.in_(UNANSWERED_REPORTS), GridReport.respond_due < now),
                and_(GridReport.status.in_(UNRESOLVED_REPORTS), GridReport.resolve_due < now),
            ),
        )
    )
    proposals = dict(
        (
            await session.execute(
                select(Proposal.status, func.count())
                .where(
                    Proposal.community_id == community.id,
                    Proposal.status.in_(("on_agenda", "seconded")),
                )
                .group_by(Proposal.status)
            )
        ).all()
    )
    return Backlog(
        int(needs or 0),
        int(reports or 0),
        int(proposals.get("on_agenda", 0)),
        int(proposals.get("seconded", 0)),
    )
