"""Fixtures shared by every tier: settings, databases on both engines, the app, a chat."""

from __future__ import annotations

import compileall
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.bootstrap import App, build
from bot.settings import Settings
from handlers.admin.seed import seed_demo
from handlers.core.i18n import Translator
from tests.support import databases
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.offline import loopback_only
from tests.support.outage import Outage, outage_for

os.environ.setdefault("LINLI_DATA_DIR", "/nonexistent-use-fixtures")

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "matching", "storage", "tests", "bench")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the project's modules once, before the workers start: the suite starts a few
    hundred Python processes (`linli`, senders, benchmarks), and where PYTHONDONTWRITEBYTECODE is
    set (CI containers) no process writes what it compiled, so each compiled the whole project
    again (~0.4 s). Up-to-date files are skipped; __pycache__ is ignored by git."""
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller has done it
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first (in their order, then the rest in theirs): with `-n 2` a long test
    handed out last would leave the other worker idle to the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _offline() -> Iterator[None]:
    """Every test runs offline: a connection to anything but loopback fails it."""
    with loopback_only():
        yield


@pytest.fixture(scope="session")
def translator() -> Translator:
    """The compiled catalogs, loaded once."""
    return Translator()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, built once per run."""
    return databases.sqlite_template(tmp_path_factory.mktemp("template"))


async def _seed(engine) -> None:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from tests.support.clock import FakeClock as _Clock

    async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
        reports = await seed_demo(session, _Clock()(), Settings().policy_version)
    assert all(not r.errors for r in reports), [r.errors for r in reports]


@pytest.fixture(scope="session")
def sqlite_seeded_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """A migrated SQLite database with the demo district, built once per run."""
    return databases.sqlite_template(
        tmp_path_factory.mktemp("seeded"), seed=_seed, migrated=sqlite_template
    )


@pytest.fixture(scope="session")
def pg_templates() -> Iterator[tuple[str, str] | None]:
    """PostgreSQL template databases, migrated and seeded once per run (when configured)."""
    if not databases.PG_URL:
        yield None
        return
    yield databases.pg_templates(_seed)
    databases.pg_drop_all()


@pytest.fixture(params=databases.engines())
def engine_name(request: pytest.FixtureRequest) -> str:
    """Which engine this test runs on."""
    return str(request.param)


@pytest.fixture
async def db_url(
    request: pytest.FixtureRequest,
    engine_name: str,
    tmp_path: Path,
    sqlite_template: Path,
    sqlite_seeded_template: Path,
    pg_templates: tuple[str, str] | None,
) -> str:
    """A fresh migrated database for one test, on each engine in turn.

    It holds the demo district already when the test asks for `demo_app` (one copy, not two).
    """
    seeded = "demo_app" in request.fixturenames
    if engine_name == "sqlite":
        template = sqlite_seeded_template if seeded else sqlite_template
        return databases.sqlite_copy(template, tmp_path)
    assert pg_templates
    return await databases.pg_fresh(pg_templates[1] if seeded else pg_templates[0])


@pytest.fixture
def clock() -> FakeClock:
    """The test's clock."""
    return FakeClock()


@pytest.fixture
def settings() -> Settings:
    """Settings as a fresh deployment has them, with a tight flood limit for tests."""
    return Settings(LINLI_LANG="zh_CN")


@pytest.fixture
async def app(
    db_url: str, clock: FakeClock, settings: Settings, translator: Translator
) -> AsyncIterator[App]:
    """The application on a fresh database."""
    application = build(settings, database_url=db_url, clock=clock, translator=translator)
    yield application
    await application.close()


@pytest.fixture
def demo_app(app: App) -> App:
    """The application with the demo district loaded (`db_url` is a copy of a seeded template)."""
    return app


@pytest.fixture
def chat(demo_app: App) -> Chat:
    """A transcript chat on the demo district."""
    return Chat(demo_app)


@pytest.fixture
async def outage(db_url: str) -> AsyncIterator[Outage]:
    """A real outage of the test database, to bring about mid-test (tests/support/outage.py)."""
    async with outage_for(db_url) as cut:
        yield cut


@pytest.fixture
async def outage_app(
    demo_app: App, outage: Outage, clock: FakeClock, settings: Settings, translator: Translator
) -> AsyncIterator[App]:
    """The application on the demo district, reaching its database through `outage`."""
    application = build(settings, database_url=outage.app_url, clock=clock, translator=translator)
    yield application
    await application.close()
