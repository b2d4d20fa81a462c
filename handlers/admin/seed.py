"""The demo district: import the bundled tables, register the demo people on the console channel."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.admin.imports import COLUMNS, ImportReport, import_rows
from handlers.admin.tables import read_rows
from handlers.departments.demo import seed_agencies
from storage.models import Identity, Person, TargetGroup

DEMO_DIR = Path(__file__).resolve().parents[2] / "storage" / "seed" / "demo"
ORDER = ("regions", "catalog", "organizations", "staff", "volunteers", "residents")

TARGET_GROUPS = (
    ("elderly_alone", "独居老人", "Elderly living alone"),
    ("elderly_80", "高龄老人", "Elderly aged 80+"),
    ("disabled", "残疾人", "People with disabilities"),
    ("hardship", "困难家庭", "Families in difficulty"),
    ("corrections", "社区矫正对象", "People under community correction"),
    ("child_left", "困境儿童", "Children in difficult circumstances"),
    ("veteran", "退役军人", "Veterans"),
    ("pregnant", "孕产妇", "Pregnant women and new mothers"),
)


async def load_target_groups(session: AsyncSession) -> None:
    """Ensure the standard target groups exist."""
    for code, zh, en in TARGET_GROUPS:
        if await session.get(TargetGroup, code) is None:
            session.add(TargetGroup(code=code, name_zh=zh, name_en=en))


async def seed_demo(
    session: AsyncSession, now: datetime, policy_version: str, directory: Path = DEMO_DIR
) -> list[ImportReport]:
    """Import the demo tables; give every demo person a console identity and a consent record.

    Consent is recorded for the demo people only so the scripted demo can act as them at once;
    real people register themselves with /start.
    """
    await load_target_groups(session)
    reports = []
    for kind in ORDER:
        rows = read_rows(directory / f"{kind}.csv", COLUMNS[kind])
        reports.append(await import_rows(session, kind, rows, now))
    await seed_agencies(session, now)  # departments, a property company and a unit, with staff
    people = (await session.execute(select(Person).where(Person.erased_at.is_(None)))).scalars()
    for person in people:
        exists = await session.execute(
            select(Identity.id).where(
                Identity.channel == "console", Identity.external_id == person.display_name
            )
        )
        if exists.first() is None:
            session.add(
                Identity(person_id=person.id, channel="console", external_id=person.display_name)
            )
        person.consent_version = person.consent_version or policy_version
        person.consent_at = person.consent_at or now
        person.registered_at = person.registered_at or now
    return reports
