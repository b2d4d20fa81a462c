"""The demo district's departments, property company and one unit, with their staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.departments.staff import add_department
from storage.models import Person, StaffMember, Unit, UnitResource
from storage.repos import agencies, regions

# (code, name, kind, regions served, staff: (name, lead))
DEPARTMENTS = (
    (
        "CY-JS-CG",
        "劲松街道城管执法队",
        "chengguan",
        ("CY-JS",),
        (("赵志强", True), ("钱卫东", False)),
    ),
    ("CY-JS-GA", "劲松派出所", "police", ("CY-JS",), (("孙警官", True),)),
    ("CY-JS-SJ", "劲松市场监管所", "market", ("CY-JS",), (("李监管", True),)),
    ("CY-JS-ZJ", "朝阳区住建委劲松片区", "housing", ("CY-JS",), (("周工", True),)),
    ("CY-JS-XF", "劲松消防救援站", "fire", ("CY-JS",), (("吴站长", True),)),
    ("CY-JS-01-WY", "劲松北物业服务中心", "property", ("CY-JS-01",), (("冯经理", True),)),
)
# (name, community, staff, resources: (direction, kind, name, quantity, availability))
UNITS = (
    (
        "劲松中学",
        "CY-JS-01",
        ("何老师",),
        (
            ("offer", "venue", "学校礼堂", 200, "周末全天"),
            ("offer", "equipment", "音响设备", 2, "提前三天预约"),
            ("need", "people", "学生社会实践岗位", 20, "寒暑假"),
        ),
    ),
)


async def _person(session: AsyncSession, name: str, now: datetime) -> Person:
    # Staff of a department or unit work here but need not live here: no home region, so
    # they are not counted among the district's residents (audiences, participation).
    found = await session.execute(select(Person).where(Person.display_name == name))
    person = found.scalars().first()
    if person is None:
        person = Person(display_name=name, lang="zh_CN", created_at=now)
        session.add(person)
        await session.flush()
    return person


async def seed_agencies(session: AsyncSession, now: datetime) -> None:
    """Departments with staff and one approved unit with resources (once; again changes nothing)."""
    for code, name, kind, served, staff in DEPARTMENTS:
        if await agencies.department_by_code(session, code) is not None:
            continue
        dept = await add_department(session, code, name, kind, list(served), now)
        for person_name, lead in staff:
            person = await _person(session, person_name, now)
            session.add(
                StaffMember(person_id=person.id, department_id=dept.id, lead=lead, joined_at=now)
            )
    for name, community, people, resources in UNITS:
        exists = await session.execute(select(Unit.id).where(Unit.name == name))
        if exists.first() is not None:
            continue
        region = await regions.by_code(session, community)
        if region is None:
            continue
        unit = Unit(
            name=name, region_id=region.id, status="approved", created_at=now, decided_at=now
        )
        session.add(unit)
        await session.flush()
        for person_name in people:
            person = await _person(session, person_name, now)
            session.add(StaffMember(person_id=person.id, unit_id=unit.id, lead=True, joined_at=now))
        for direction, kind, label, quantity, availability in resources:
            session.add(
                UnitResource(
                    unit_id=unit.id,
                    direction=direction,
                    kind=kind,
                    name=label,
                    quantity=quantity,
                    availability=availability,
                    created_at=now,
                )
            )
