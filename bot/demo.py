"""`linli demo`: a scripted scenario on a fresh database, through the console channel."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.bootstrap import App, build
from bot.console import Console
from bot.settings import Settings
from handlers.admin import roles
from handlers.admin.seed import seed_demo
from storage import migrate
from storage.models import Person


@dataclass(frozen=True)
class Say:
    """One line of the script: who says what."""

    user: str
    text: str


@dataclass(frozen=True)
class Section:
    """A titled part of the scenario (title is a catalog key)."""

    title: str
    lines: tuple[Say, ...]


@dataclass
class DemoContext:
    """What the script may depend on: the language it runs in, codes made during the run."""

    lang: str
    invite_code: str = ""

    def pick(self, zh: str, en: str) -> str:
        """Free text in the demo's language."""
        return zh if self.lang.startswith("zh") else en


def registration(d: DemoContext) -> Section:
    """A new resident registers, looks at their profile, then cancels a flow midway."""
    lang_choice = "1" if d.lang.startswith("zh") else "2"
    name = d.pick("小林", "Lin")
    return Section(
        "demo.registration",
        (
            Say(name, d.pick("你好", "hello")),
            Say(name, "/start"),
            Say(name, lang_choice),
            Say(name, "1"),  # resident
            Say(name, "1"),  # first community
            Say(name, "1"),  # first grid
            Say(name, d.pick("小林", "Lin")),
            Say(name, "1"),  # agree
            Say(name, "/me"),
            Say(name, "/lang"),
            Say(name, "/back"),
            Say(name, "/cancel"),
        ),
    )


def invitation(d: DemoContext) -> Section:
    """An organizer joins with an invite code the administrator made on the command line."""
    name = d.pick("赵主任", "Director Zhao")
    lang_choice = "1" if d.lang.startswith("zh") else "2"
    return Section(
        "demo.invitation",
        (
            Say(name, "/start"),
            Say(name, lang_choice),
            Say(name, "2"),  # invite code
            Say(name, "WRONG123"),
            Say(name, d.invite_code),
            Say(name, "2"),  # second community
            Say(name, "3"),  # skip grid
            Say(name, "1"),  # keep name
            Say(name, "1"),  # agree
            Say(name, "/me"),
        ),
    )


SCENARIO: tuple[Callable[[DemoContext], Section], ...] = (registration, invitation)


async def prepare(app: App, lang: str) -> DemoContext:
    """Migrate, seed the demo district and make what the script needs."""
    await migrate.upgrade(app.db.engine)
    now = app.deps.clock()
    async with app.db.transaction() as session:
        await seed_demo(session, now, app.settings.policy_version)
        if not lang.startswith("zh"):
            for person in (await session.execute(Person.__table__.select())).all():
                await session.execute(
                    Person.__table__.update().where(Person.id == person.id).values(lang=lang)
                )
    async with app.db.transaction() as session:
        codes = await roles.create_invites(session, "organizer", "CY-JS-02", now)
    return DemoContext(lang=lang, invite_code=codes[0])


async def run_demo(
    lang: str = "zh_CN", write: Callable[[str], None] = print, database_url: str | None = None
) -> None:
    """Run the whole scenario and print the transcript."""
    with tempfile.TemporaryDirectory(prefix="linli-demo-") as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'demo.db'}"
        app = build(Settings(LINLI_LANG=lang), database_url=url)
        try:
            context = await prepare(app, lang)
            console = Console(app, write)
            for section_of in SCENARIO:
                section = section_of(context)
                write("")
                write(f"══ {app.deps.i18n.translate(lang, section.title)} ══")
                for line in section.lines:
                    write(f"[{line.user}] {line.text}")
                    await console.say(line.user, line.text)
        finally:
            await app.close()
