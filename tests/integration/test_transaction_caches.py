"""What a transaction keeps once read (role grants, region path names) never goes stale in it."""

from __future__ import annotations

from sqlalchemy import event, select

from bot.bootstrap import App
from handlers.admin import roles as admin_roles
from storage.models import Person, Region
from storage.repos import regions, roles


class Statements:
    """Counts the SQL statements an engine runs."""

    def __init__(self, app: App) -> None:
        self.count = 0
        event.listen(app.db.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: object) -> None:
        self.count += 1


async def test_grants_are_read_once_and_follow_grant_and_revoke(demo_app: App) -> None:
    statements = Statements(demo_app)
    now = demo_app.deps.clock()
    async with demo_app.db.transaction() as session:
        person = Person(display_name="新网格员", lang="zh_CN")
        session.add(person)
        await session.flush()
        before = statements.count
        assert await roles.active_grants(session, person.id) == []
        assert await roles.active_grants(session, person.id) == []
        assert statements.count == before + 1  # the second answer came from the cache

        await admin_roles.grant(session, str(person.id), "grid_worker", "CY-JS-03-G1", now)
        held = await roles.active_grants(session, person.id)
        assert [(g.role, g.region.code) for g in held] == [("grid_worker", "CY-JS-03-G1")]

        await admin_roles.revoke(session, str(person.id), "grid_worker", "CY-JS-03-G1", now)
        assert await roles.active_grants(session, person.id) == []


async def test_preloading_several_people_is_one_query(demo_app: App) -> None:
    statements = Statements(demo_app)
    async with demo_app.db.transaction() as session:
        ids = list((await session.execute(select(Person.id).limit(5))).scalars())
        before = statements.count
        await roles.preload_grants(session, ids)
        for person_id in ids:
            await roles.active_grants(session, person_id)
        assert statements.count == before + 1


async def test_region_path_names_are_read_once_per_transaction(demo_app: App) -> None:
    statements = Statements(demo_app)
    async with demo_app.db.transaction() as session:
        grid = (
            await session.execute(select(Region).where(Region.code == "CY-JS-03-G1"))
        ).scalar_one()
        before = statements.count
        names = await regions.path_names(session, grid)
        assert names == await regions.path_names(session, grid)
        assert statements.count == before + 1
    assert names == ["劲松街道", "和谐家园社区", "第一网格"]  # below the district, top down
