"""`linli demo`: the scripted scenario on a fresh database, through the console channel."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.bootstrap import App, build
from bot.console import Console
from bot.demo.agencies import handoffs, unit_resources
from bot.demo.community import groups_and_party
from bot.demo.governance import joint_meeting
from bot.demo.mobilization import (
    activities,
    broadcasts,
    organizations,
    privacy,
    record_demo_hours,
    service_hours,
    volunteering,
)
from bot.demo.residents import (
    grid_reports,
    invitation,
    proposals,
    recurring,
    registration,
    service_needs,
    tasks,
)
from bot.demo.script import LINE_PAUSE, DemoClock, DemoContext, Run, Say, Section, Wait
from bot.demo.understanding import own_words
from bot.settings import Settings
from handlers.admin import roles
from handlers.admin.seed import seed_demo
from handlers.core.notify import Sink
from storage import migrate
from storage.models import Person, Region

SCENARIO: tuple[Callable[[DemoContext], Section], ...] = (
    registration,
    invitation,
    proposals,
    volunteering,
    organizations,
    groups_and_party,
    service_hours,
    service_needs,
    tasks,
    own_words,
    recurring,
    grid_reports,
    joint_meeting,
    handoffs,
    activities,
    unit_resources,
    broadcasts,
    privacy,
)


async def prepare(app: App, lang: str) -> DemoContext:
    """Migrate, seed the demo district and make what the script needs."""
    await migrate.upgrade(app.db.engine)
    now = app.deps.clock()
    async with app.db.transaction() as session:
        await seed_demo(session, now, app.settings.policy_version)
        # A small co-signing threshold, so three neighbours put the demo proposal on the agenda.
        await session.execute(
            Region.__table__.update().where(Region.code == "CY-JS-01").values(cosign_threshold=3)
        )
        await record_demo_hours(Sink.bare(session, app.deps, now), lang)
        if not lang.startswith("zh"):
            for person in (await session.execute(Person.__table__.select())).all():
                await session.execute(
                    Person.__table__.update().where(Person.id == person.id).values(lang=lang)
                )
    async with app.db.transaction() as session:
        codes = await roles.create_invites(session, "organizer", "CY-JS-02", now)
    return DemoContext(lang=lang, invite_code=codes[0], clock=app.deps.clock, tz=app.settings.tz)


async def run_demo(
    lang: str = "zh_CN", write: Callable[[str], None] = print, database_url: str | None = None
) -> None:
    """Run the whole scenario and print the transcript."""
    with tempfile.TemporaryDirectory(prefix="linli-demo-") as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}"
        clock = DemoClock()
        app = build(Settings(LINLI_LANG=lang), database_url=url, clock=clock)
        try:
            context = await prepare(app, lang)
            console = Console(app, write)
            for section_of in SCENARIO:
                section = section_of(context)
                write("")
                write(f"══ {app.deps.i18n.translate(lang, section.title)} ══")
                for line in section.lines:
                    if isinstance(line, Run):
                        write(app.deps.i18n.translate(lang, line.note))
                        await line.action(app)
                        await console.deliver()
                        continue
                    if isinstance(line, Wait):
                        clock.now = max(clock.now, line.until)
                        at = app.deps.i18n.datetime(lang, clock.now)
                        write(app.deps.i18n.translate(lang, "demo.later", at=at))
                        await console.deliver()
                        continue
                    clock.now += LINE_PAUSE
                    if line.later is not None:
                        line = Say(line.user, await line.later(app))
                    shown = line.text
                    if line.location is not None:
                        shown += f"📍 {line.location.lat}, {line.location.lon}"
                    write(f"[{line.user}] {shown}" + (" 📷" if line.photo else ""))
                    await console.say(
                        line.user, line.text, location=line.location, photo=line.photo
                    )
        finally:
            await app.close()
