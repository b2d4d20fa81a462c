"""The dashboard's figures: counts, the three rates per grid and month, stars, the last day."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.bootstrap import App
from handlers.hours.rules import HoursRules
from handlers.office import figures
from storage.models import Person, Region, ServiceRecord, VolunteerProfile
from tests.support.clock import FakeClock
from tests.support.needs_reports import make_need, make_report


async def _dashboard(app: App, code: str) -> dict:
    async with app.db.transaction() as session:
        region = (await session.execute(select(Region).where(Region.code == code))).scalar_one()
        return await figures.dashboard(
            session,
            region,
            app.deps.clock(),
            dialect=app.db.dialect,
            tz="Asia/Shanghai",
            rules=HoursRules(),
        )


async def test_rates_per_grid_and_month(demo_app: App, clock: FakeClock) -> None:
    now = clock()
    await make_report(demo_app, status="resolved", acknowledged_at=now, resolved_at=now, rating=5)
    await make_report(demo_app, status="resolved", acknowledged_at=now, resolved_at=now, rating=2)
    await make_report(demo_app, status="acknowledged", acknowledged_at=now)
    await make_report(demo_app, region_code="CY-JS-01-G2-B1")  # open, unanswered
    clock.advance(days=40)
    await make_report(demo_app, status="open")  # next month, and now late by then
    clock.advance(days=8)
    data = await _dashboard(demo_app, "CY-JS-01")
    rows = {r["name"]: r for r in data["rates"]["by_region"]}
    first = rows["第一网格"]
    assert (first["reports"], first["response"], first["resolution"]) == (4, 0.75, 0.5)
    assert first["satisfaction"] == 0.5
    assert rows["第二网格"]["response"] == 0.0 and rows["第三网格"]["response"] is None
    assert [m["reports"] for m in data["rates"]["trend"]] == [4, 1]
    assert data["counts"]["reports"] == {"open": 3, "overdue": 3, "closed": 2}
    assert data["since_yesterday"]["reports_new"] == 0


async def test_needs_volunteers_and_the_last_day(demo_app: App, clock: FakeClock) -> None:
    await make_need(demo_app)
    async with demo_app.db.transaction() as session:
        grid = (
            await session.execute(select(Region).where(Region.code == "CY-JS-01-G1"))
        ).scalar_one()
        volunteer = (
            (
                await session.execute(
                    select(VolunteerProfile).where(VolunteerProfile.home_grid_id == grid.id)
                )
            )
            .scalars()
            .first()
        )
        assert volunteer is not None
        session.add(
            ServiceRecord(
                person_id=volunteer.person_id,
                content="陪诊",
                served_at=clock(),
                hours=Decimal("120.5"),
                region_id=grid.id,
            )
        )
        assert await session.get(Person, volunteer.person_id)
    data = await _dashboard(demo_app, "CY-JS-01-G1")
    assert data["children"] == []  # a grid is its own only row
    assert data["counts"]["needs"]["open"] == 1
    assert data["since_yesterday"]["needs_new"] == 1
    assert data["volunteers"]["stars"][1] == 1 and data["volunteers"]["hours"] == 120.5
    clock.advance(days=3)  # a need with no window is late after two days
    later = await _dashboard(demo_app, "CY-JS-01-G1")
    assert later["since_yesterday"]["needs_new"] == 0
    assert later["counts"]["needs"]["overdue"] == 1
