"""Importing regions, the service catalog, organizations and people from tables, row by row.

A bad row is reported with its line number and skipped; every good row is kept. Every text is
checked against its field's limit (never above the model column) before anything is written, so
the database never refuses a row half-way (on PostgreSQL that would abort the whole import).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import phonenumbers
from sqlalchemy import String, inspect, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from handlers.core.i18n import normalize_lang
from handlers.core.text import NAME, Field, column_length
from matching import taxonomy
from storage.models import (
    Organization,
    Person,
    Region,
    RoleGrant,
    ServiceItem,
    VolunteerProfile,
)
from storage.models.people import COMMUNITY_TYPES, REGION_LEVELS, ROLES
from storage.models.services import HANDLERS
from storage.models.volunteers import (
    ORG_CATEGORIES,
    ORG_FILING,
    ORG_INCUBATION,
    ORG_TIERS,
    REACHES,
)
from storage.repos import regions

from .tables import MAX_CELL_CHARS, Row

SHOWN_VALUE_MAX = 60  # a refused value is quoted in the report, shortened to this


class RowError(Exception):
    """Why one row was refused: a catalog key and its parameters (long values shortened)."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = {
            name: value[:SHOWN_VALUE_MAX] + "…"
            if isinstance(value, str) and len(value) > SHOWN_VALUE_MAX
            else value
            for name, value in params.items()
        }


@dataclass
class ImportReport:
    """How an import went: rows kept, and each refused row with its reason."""

    kind: str
    imported: int = 0
    errors: list[tuple[int, str, dict[str, Any]]] = field(default_factory=list)


RowImporter = Callable[[AsyncSession, Row, datetime], Awaitable[None]]

COLUMNS: dict[str, tuple[str, ...]] = {
    "regions": ("code", "parent_code", "level", "name"),
    "catalog": ("code", "department", "name_zh", "name_en", "skills"),
    "organizations": ("name", "tier", "category", "region_code"),
    "volunteers": ("name", "home_region_code", "skills", "availability"),
    "staff": ("name", "role", "region_code"),
    "residents": ("name", "home_region_code"),
}


async def import_rows(
    session: AsyncSession, kind: str, rows: Iterable[Row], now: datetime
) -> ImportReport:
    """Import each row in its own savepoint; collect the refused ones."""
    importer = IMPORTERS[kind]
    report = ImportReport(kind)
    for row in rows:
        nested = await session.begin_nested()
        try:
            _check_cells(row)
            await importer(session, row, now)
            await _flush(session)
        except RowError as exc:
            await nested.rollback()
            report.errors.append((row.line, exc.key, exc.params))
            continue
        except DBAPIError as exc:  # a constraint no check foresaw: this row only, not the file
            if exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError):
                raise  # the database is gone, not this row's fault
            await nested.rollback()
            report.errors.append((row.line, "import.refused", {"reason": type(exc.orig).__name__}))
            continue
        await nested.commit()
        report.imported += 1
    return report


def _check_cells(row: Row) -> None:
    for column, value in row.cells.items():
        if len(value) > MAX_CELL_CHARS:
            raise RowError("import.too_long", column=column, limit=MAX_CELL_CHARS)


async def _flush(session: AsyncSession) -> None:
    """Flush after checking every pending text against its column's length.

    The parsers check each field by its import column; this catches what any of them missed.
    """
    for item in (*session.new, *session.dirty):
        for attribute in inspect(item).mapper.column_attrs:
            column = attribute.columns[0]
            value = getattr(item, attribute.key)
            if (
                isinstance(column.type, String)
                and column.type.length
                and isinstance(value, str)
                and len(value) > column.type.length
            ):
                raise RowError("import.too_long", column=attribute.key, limit=column.type.length)
    await session.flush()


# -- field parsers -------------------------------------------------------------------------------


Limit = Field | InstrumentedAttribute[str] | InstrumentedAttribute[str | None]


def _text(row: Row, column: str, limit: Limit) -> str:
    """A text cell ("" when empty) within its field's limit or its model column's length."""
    value = row.get(column)
    most = limit.limit if isinstance(limit, Field) else column_length(limit)
    if most and len(value) > most:
        raise RowError("import.too_long", column=column, limit=most)
    return value


def _required(row: Row, column: str, limit: Limit) -> str:
    value = _text(row, column, limit)
    if not value:
        raise RowError("import.missing", column=column)
    return value


def _choice(row: Row, column: str, allowed: Iterable[str], default: str | None = None) -> str:
    value = row.get(column) or (default or "")
    allowed = tuple(allowed)
    if value not in allowed:
        raise RowError("import.bad_value", column=column, value=value, allowed=", ".join(allowed))
    return value


def _int(
    row: Row, column: str, default: int | None = None, low: int = 0, high: int = 10**7
) -> int | None:
    value = row.get(column)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise RowError("import.not_number", column=column, value=value) from None
    if not low <= number <= high:
        raise RowError("import.out_of_range", column=column, value=value, low=low, high=high)
    return number


def _float(row: Row, column: str) -> float | None:
    value = row.get(column)
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise RowError("import.not_number", column=column, value=value) from None


def _geometry(row: Row) -> dict[str, Any] | None:
    """A region's outline: a GeoJSON Polygon or MultiPolygon (or a Feature holding one)."""
    raw = row.get("geometry")
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise RowError("import.bad_geometry", value=raw[:40]) from None
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or not _valid_outline(value):
        raise RowError("import.bad_geometry", value=raw[:40])
    return {"type": value["type"], "coordinates": value["coordinates"]}


def _valid_outline(value: dict[str, Any]) -> bool:
    polygons = value.get("coordinates")
    if value.get("type") == "Polygon":
        polygons = [polygons]
    elif value.get("type") != "MultiPolygon":
        return False
    if not isinstance(polygons, list) or not polygons:
        return False
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return False
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4 or ring[0] != ring[-1]:
                return False
            for point in ring:
                if not (
                    isinstance(point, list)
                    and len(point) >= 2
                    and all(isinstance(v, int | float) for v in point[:2])
                    and -180 <= point[0] <= 180
                    and -90 <= point[1] <= 90
                ):
                    return False
    return True


def normalize_phone(raw: str) -> str | None:
    """A phone number in E.164 form (mainland China by default), or None if it is not valid."""
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone(row: Row) -> str | None:
    raw = row.get("phone")
    if not raw:
        return None
    phone = normalize_phone(raw)
    if phone is None:
        raise RowError("import.bad_phone", value=raw)
    return phone


async def _region(session: AsyncSession, row: Row, column: str, levels: tuple[str, ...]) -> Region:
    code = _required(row, column, Region.code)
    region = await regions.by_code(session, code)
    if region is None:
        raise RowError("import.unknown_region", value=code)
    if region.level not in levels:
        raise RowError("import.wrong_level", value=code, allowed=", ".join(levels))
    return region


def _codes(row: Row, column: str, known: Iterable[str]) -> list[str]:
    known = set(known)
    values = row.items(column)
    unknown = [v for v in values if v not in known]
    if unknown:
        raise RowError("import.unknown_codes", column=column, value=", ".join(unknown))
    return values


# -- one importer per kind -----------------------------------------------------------------------


async def _import_region(session: AsyncSession, row: Row, now: datetime) -> None:
    level = _choice(row, "level", REGION_LEVELS)
    code = _required(row, "code", Region.code)
    parent = None
    if level != "district":
        parent = await _region(session, row, "parent_code", REGION_LEVELS)
        if REGION_LEVELS.index(parent.level) != REGION_LEVELS.index(level) - 1:
            raise RowError("import.bad_parent", value=parent.code, level=level)
    community_type = row.get("community_type") or None
    if level == "community":
        community_type = _choice(row, "community_type", COMMUNITY_TYPES)
    fields = {
        "community_type": community_type,
        "households": _int(row, "households"),
        "lat": _float(row, "lat"),
        "lon": _float(row, "lon"),
        "geometry": _geometry(row),
    }
    existing = await regions.by_code(session, code)
    if existing is not None:
        if existing.parent_id != (parent.id if parent else None) or existing.level != level:
            raise RowError("import.region_moved", value=code)
        existing.name = _required(row, "name", Region.name)
        for key, value in fields.items():
            setattr(existing, key, value)
        return
    await regions.add(
        session,
        code=code,
        level=level,
        name=_required(row, "name", Region.name),
        parent=parent,
        **fields,
    )


def _handler(row: Row) -> str:
    """Who takes the item on: volunteers (default), the station, or "org:" + a category."""
    value = row.get("handler") or "volunteers"
    allowed = (*HANDLERS, *(f"org:{category}" for category in ORG_CATEGORIES))
    if value not in allowed:
        raise RowError(
            "import.bad_value", column="handler", value=value, allowed=", ".join(allowed)
        )
    return value


async def _import_catalog_item(session: AsyncSession, row: Row, now: datetime) -> None:
    code = _required(row, "code", ServiceItem.code)
    values = {
        "department": _required(row, "department", ServiceItem.department),
        "name_zh": _required(row, "name_zh", ServiceItem.name_zh),
        "name_en": _required(row, "name_en", ServiceItem.name_en),
        "skills": _codes(row, "skills", taxonomy.skill_by_code()),
        "keywords": row.items("keywords"),
        "handler": _handler(row),
    }
    item = (
        await session.execute(select(ServiceItem).where(ServiceItem.code == code))
    ).scalar_one_or_none()
    if item is None:
        session.add(ServiceItem(code=code, **values))
    else:
        for key, value in values.items():
            setattr(item, key, value)


async def _import_organization(session: AsyncSession, row: Row, now: datetime) -> None:
    name = _required(row, "name", Organization.name)
    region = await _region(session, row, "region_code", ("district", "street", "community", "grid"))
    phone = _phone(row)
    values = {
        "tier": _choice(row, "tier", ORG_TIERS),
        "category": _choice(row, "category", ORG_CATEGORIES),
        "region_id": region.id,
        "capacity": _int(row, "capacity", default=1, low=1, high=10_000),
        "phone": phone,
        "intro": _text(row, "intro", Organization.intro),
        "incubation": _choice(row, "incubation", ORG_INCUBATION, default="none"),
        # Registered (备案) organizations are filed unless the table says otherwise.
        "filing": _choice(
            row,
            "filing",
            ORG_FILING,
            default="filed" if row.get("tier") == "registered" else "none",
        ),
        "open_join": _choice(row, "open_join", ("yes", "no"), default="no") == "yes",
    }
    org = (
        await session.execute(select(Organization).where(Organization.name == name))
    ).scalar_one_or_none()
    if org is None:
        org = Organization(name=name, created_at=now, **values)
        session.add(org)
    else:
        for key, value in values.items():
            setattr(org, key, value)
    contact = _text(row, "contact_name", NAME)
    if contact:
        person = await _person(session, contact, None, phone, now)
        await _flush(session)
        org.contact_person_id = person.id


async def _row_person(
    session: AsyncSession, row: Row, home: Region | None, now: datetime
) -> Person:
    """The person a row names (name, phone and language columns), found or created."""
    name = _required(row, "name", NAME)
    return await _person(session, name, home, _phone(row), now, normalize_lang(row.get("lang")))


async def _person(
    session: AsyncSession,
    name: str,
    home: Region | None,
    phone: str | None,
    now: datetime,
    lang: str = "zh_CN",
) -> Person:
    """The person with this phone (or name and home), created if new."""
    query = select(Person).where(Person.erased_at.is_(None))
    if phone:
        query = query.where(Person.phone == phone)
    else:
        query = query.where(
            Person.display_name == name, Person.home_region_id == (home.id if home else None)
        )
    person = (await session.execute(query.limit(1))).scalar_one_or_none()
    if person is None:
        person = Person(display_name=name, phone=phone, created_at=now, lang=lang)
        session.add(person)
    person.display_name = name
    person.lang = lang
    if home is not None:
        person.home_region_id = home.id
    return person


async def _import_volunteer(session: AsyncSession, row: Row, now: datetime) -> None:
    home = await _region(session, row, "home_region_code", ("grid", "building"))
    grid = home if home.level == "grid" else await regions.by_id(session, home.parent_id or 0)
    skills = _codes(row, "skills", taxonomy.skill_by_code())
    if not skills and not row.get("free_skills"):
        raise RowError("import.missing", column="skills")
    values = {
        "skills": skills,
        "free_skills": _text(row, "free_skills", VolunteerProfile.free_skills),
        "availability": _codes(row, "availability", taxonomy.SLOTS),
        "home_grid_id": grid.id if grid else None,
        "reach": _choice(row, "reach", REACHES, default="community"),
        "max_tasks_week": _int(row, "max_tasks_week", default=3, low=1, high=20),
        "certifications": _codes(row, "certifications", taxonomy.CERTIFICATIONS),
        "show_name": row.get("show_name").lower() in ("yes", "y", "1", "true", "是"),
    }
    person = await _row_person(session, row, home, now)
    await _flush(session)
    profile = await session.get(VolunteerProfile, person.id)
    if profile is None:
        session.add(VolunteerProfile(person_id=person.id, created_at=now, updated_at=now, **values))
    else:
        for key, value in values.items():
            setattr(profile, key, value)
        profile.updated_at = now


async def _import_staff(session: AsyncSession, row: Row, now: datetime) -> None:
    role = _choice(row, "role", ROLES)
    region = await _region(session, row, "region_code", REGION_LEVELS)
    person = await _row_person(session, row, region, now)
    await _flush(session)
    held = await session.execute(
        select(RoleGrant).where(
            RoleGrant.person_id == person.id,
            RoleGrant.role == role,
            RoleGrant.region_id == region.id,
            RoleGrant.revoked_at.is_(None),
        )
    )
    if held.scalar_one_or_none() is None:
        session.add(RoleGrant(person_id=person.id, role=role, region_id=region.id, granted_at=now))


async def _import_resident(session: AsyncSession, row: Row, now: datetime) -> None:
    home = await _region(session, row, "home_region_code", ("community", "grid", "building"))
    await _row_person(session, row, home, now)


IMPORTERS: dict[str, RowImporter] = {
    "regions": _import_region,
    "catalog": _import_catalog_item,
    "organizations": _import_organization,
    "volunteers": _import_volunteer,
    "staff": _import_staff,
    "residents": _import_resident,
}
