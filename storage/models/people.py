"""People, their channel identities, regions, roles and invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, utcnow

REGION_LEVELS = ("district", "street", "community", "grid", "building")
COMMUNITY_TYPES = ("老旧小区", "商品房小区", "保障房小区", "农村回迁房小区")
ROLES = ("admin", "organizer", "grid_worker")


class Region(Base):
    """A node of the region tree: district → street → community → grid → building."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    # "/1/4/9/" — ids from the root down; a subtree is a prefix match.
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    community_type: Mapped[str | None] = mapped_column(String(16))
    households: Mapped[int | None]
    cosign_threshold: Mapped[int | None]
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    # The outline (GeoJSON Polygon or MultiPolygon, lon/lat) drawn on the office's map. Deferred:
    # a surveyed grid's outline can be tens of KB, and regions are read on most updates (a
    # person's home, registration's lists); only the map loads it (undefer), see mapdata.py.
    geometry: Mapped[dict[str, Any] | None] = mapped_column(deferred=True)

    parent: Mapped[Region | None] = relationship(remote_side=[id])

    def path_ids(self) -> tuple[int, ...]:
        """The ids from the root down to this region."""
        return tuple(int(p) for p in self.path.strip("/").split("/") if p)


class Person(Base):
    """Anyone who talks to Linli or is recorded by it (a resident entered door to door)."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    lang: Mapped[str] = mapped_column(String(10), default="zh_CN")
    home_region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    # Below the building the region tree ends: unit and door ("3单元 502"), typed, optional;
    # shown only to whoever serves this person's accepted need.
    address: Mapped[str | None] = mapped_column(String(100))
    consent_version: Mapped[str | None] = mapped_column(String(32))
    consent_at: Mapped[datetime | None]
    sensitive_consent_at: Mapped[datetime | None]
    birth_year: Mapped[int | None]
    guardian_consent: Mapped[bool] = mapped_column(default=False)
    target_groups: Mapped[list[Any]] = mapped_column(default=list)
    registered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None]

    home_region: Mapped[Region | None] = relationship(lazy="joined")
    identities: Mapped[list[Identity]] = relationship(back_populates="person")


class Identity(Base):
    """A (channel, external id) pair — a Telegram user id, a WeChat openid, a console name."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(100))
    unreachable_at: Mapped[datetime | None]
    last_inbound_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="identities", lazy="joined")


class RoleGrant(Base):
    """A privileged role held over a region subtree. Granted, never claimed."""

    __tablename__ = "role_grants"
    __table_args__ = (Index("ix_role_grants_person_role", "person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    role: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    region: Mapped[Region] = relationship(lazy="joined")


class InviteCode(Base):
    """A single-use code that grants a role over a region when redeemed at /start."""

    __tablename__ = "invite_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]  # `linli admin invite revoke CODE`


class AuditEntry(Base):
    """One privileged action: who did what to which item."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    # Indexed for an item's timeline in the office (all entries about `report:7`).
    target: Mapped[str] = mapped_column(String(128), default="", index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    note: Mapped[str | None] = mapped_column(Text)
