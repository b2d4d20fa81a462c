"""Demo section: residents find and join community organizations; a party member reports."""

from __future__ import annotations

from sqlalchemy import select

from bot.bootstrap import App
from bot.demo.script import DemoContext, Say, Section
from storage.models import Organization

CALLIGRAPHY = "劲松北社区翰墨书画社"


async def _org_id(app: App, name: str) -> int:
    async with app.db.transaction() as session:
        found = await session.scalar(select(Organization.id).where(Organization.name == name))
    return int(found or 0)


def groups_and_party(d: DemoContext) -> Section:
    """A resident asks to join a calligraphy club and its contact accepts; he reports as an
    in-service party member, the organizer confirms, records the club's filing, and reads the
    participation report with party members counted apart."""

    async def show(app: App) -> str:
        return f"/org {await _org_id(app, CALLIGRAPHY)}"

    async def status(app: App) -> str:
        return f"/org_status {await _org_id(app, CALLIGRAPHY)}"

    return Section(
        "demo.groups_party",
        (
            Say("陈永福", d.pick("社会组织", "/groups")),
            Say("陈永福", "3"),  # culture and sports
            Say("陈永福", "", later=show),
            Say("陈永福", "1"),  # ask to join
            Say("吴振华", "/org_requests"),  # the club's contact
            Say("吴振华", "1"),  # accept
            Say("陈永福", d.pick("党员报到", "/party")),
            Say("陈永福", "2"),  # an in-service member
            Say("陈永福", d.pick("朝阳区人民医院", "Chaoyang Hospital")),
            Say("陈永福", "1"),  # confirm
            Say("王海燕", "/party_members"),
            Say("王海燕", "1"),  # confirm him
            Say("王海燕", "", later=status),
            Say("王海燕", "2"),  # still incubating
            Say("王海燕", "3"),  # filed: the club becomes a registered (备案) organization
            Say("王海燕", "/participation"),
        ),
    )
