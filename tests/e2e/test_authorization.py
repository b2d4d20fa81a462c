"""Every privileged command refuses people without the role over the item, and changes nothing.

Items live in 劲松北社区 (CY-JS-01), 第一网格. The people who must be refused: someone who never
registered, a plain resident of that community, a grid worker of another grid (马丽, 第三网格)
and an organizer of another community (李梦瑶, 百环社区). Commands that name an item refuse all
four; commands that only list or start something refuse those without the role at all (the
others are allowed, over their own area). The table must name every command that refuses a
plain resident, so a new privileged command cannot slip in untested.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, text

from bot.bootstrap import App
from handlers.routes import COMMANDS
from storage.models import Activity, Base, Broadcast, Handoff, Meeting, Organization, Person, Region
from storage.repos import agencies
from tests.support.agencies import resource_id
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import make_need, make_report
from tests.support.proposals import propose, set_fields

PEOPLE = {
    "unregistered": "路人甲",
    "resident": "赵淑兰",
    "grid_worker_other_grid": "马丽",
    "organizer_other_community": "李梦瑶",
}
EVERYONE = frozenset(PEOPLE)
NO_ROLE = frozenset({"unregistered", "resident"})
NOT_ORGANIZER = frozenset({"unregistered", "resident", "grid_worker_other_grid"})

# command → (what is said, with "{name}" filled from the items made below; who is refused)
TABLE: dict[str, tuple[str, frozenset[str]]] = {
    "decide": ("/decide {seconded}", EVERYONE),
    "progress": ("/progress {accepted}", EVERYONE),
    "dispatch": ("/dispatch {need}", EVERYONE),
    "broadcast_status": ("/broadcast_status {broadcast}", EVERYONE),
    "broadcast_cancel": ("/broadcast_cancel {broadcast}", EVERYONE),
    "activity_close": ("/activity_close {past}", EVERYONE),
    "mobilize": ("/mobilize {future}", EVERYONE),
    "agenda": ("/agenda", NOT_ORGANIZER),
    "reports_street": ("/reports_street", NOT_ORGANIZER),
    "broadcast": ("/broadcast", NOT_ORGANIZER),
    "org_new": ("/org_new", NOT_ORGANIZER),
    "orgs": ("/orgs", NOT_ORGANIZER),
    "hours_review": ("/hours_review", NOT_ORGANIZER),
    "activity_new": ("/activity_new", NOT_ORGANIZER),
    "needs_open": ("/needs_open", NO_ROLE),
    "visit": ("/visit", NO_ROLE),
    "reports_grid": ("/reports_grid", NO_ROLE),
    "asked": ("/asked", NOT_ORGANIZER),
    "office": ("/office", NO_ROLE),
    "org_status": ("/org_status {org}", EVERYONE),
    "party_members": ("/party_members", NOT_ORGANIZER),
    "participation": ("/participation", NOT_ORGANIZER),
    "meeting_new": ("/meeting_new", NOT_ORGANIZER),
    "meeting_invite": ("/meeting_invite {meeting}", EVERYONE),
    "meeting_vote": ("/meeting_vote {meeting} 1", EVERYONE),
    "meeting_decide": ("/meeting_decide {meeting}", EVERYONE),
    "meeting_minutes": ("/meeting_minutes {meeting}", EVERYONE),
    "meeting": ("/meeting {meeting}", EVERYONE),
    # 吹哨报到 and units (驻区单位): departments' staff are tested in tests/e2e/test_handoffs.py.
    "whistle": ("/whistle {report}", EVERYONE),
    "handoff": ("/handoff {handoff}", EVERYONE),
    "handoffs": ("/handoffs", NO_ROLE),
    "dept_stats": ("/dept_stats", NOT_ORGANIZER),
    "units": ("/units", NOT_ORGANIZER),
    "resources": ("/resources", NOT_ORGANIZER),
    "book": ("/book {resource}", EVERYONE),
}
REFUSED = ("没有权限", "请先发送 /start")
# Bookkeeping that every message touches (dialog state, the update id, last-seen times).
BOOKKEEPING = {"dialog_states", "processed_updates", "identities"}


async def _items(chat: Chat, clock: FakeClock) -> dict[str, int]:
    """One item of each kind in 劲松北社区, in the state its command acts on."""
    app = chat.app
    await propose(chat, "王凤兰", "加装电梯", "103号楼六层没有电梯，老人上下楼太难。")
    await propose(chat, "李福海", "修楼道灯", "2号楼楼道灯坏了很久，晚上很黑。")
    await set_fields(chat, 1, status="seconded")
    await set_fields(chat, 2, status="accepted")
    need = await make_need(app, "王凤兰")
    report = await make_report(app)
    resource = await resource_id(app, "学校礼堂")
    now = clock()
    async with app.db.transaction() as session:
        region = (
            await session.execute(select(Region).where(Region.code == "CY-JS-01"))
        ).scalar_one()
        author = (
            await session.execute(select(Person.id).where(Person.display_name == "王海燕"))
        ).scalar_one()
        broadcast = Broadcast(
            author_id=author,
            region_id=region.id,
            text="周六扫雪",
            status="scheduled",
            scheduled_at=now + timedelta(days=1),
            created_at=now,
        )
        activities = [
            Activity(
                organizer_id=author,
                region_id=region.id,
                title=title,
                starts_at=now + delta,
                ends_at=now + delta + timedelta(hours=2),
                slots=5,
                status="open",
                created_at=now,
            )
            for title, delta in (("楼道清扫", timedelta(days=2)), ("义诊", -timedelta(days=1)))
        ]
        meeting = Meeting(
            community_id=region.id,
            organizer_id=author,
            starts_at=now + timedelta(days=3),
            place="居委会",
            created_at=now,
        )
        session.add_all([broadcast, *activities, meeting])
        await session.flush()
        future, past = (a.id for a in activities)
        chengguan = await agencies.department_by_code(session, "CY-JS-CG")
        assert chengguan is not None
        handoff = Handoff(
            report_id=report,
            department_id=chengguan.id,
            due_at=now + timedelta(days=3),
            created_at=now,
            updated_at=now,
        )
        session.add(handoff)
        await session.flush()
        org = await session.scalar(
            select(Organization.id).where(Organization.name == "劲松北社区翰墨书画社")
        )
        return {
            "org": int(org or 0),
            "report": report,
            "handoff": handoff.id,
            "resource": resource,
            "seconded": 1,
            "accepted": 2,
            "need": need,
            "broadcast": broadcast.id,
            "future": future,
            "past": past,
            "meeting": meeting.id,
        }


async def _snapshot(app: App) -> dict[str, list[str]]:
    """Every row of every table but the bookkeeping, as sorted text."""
    found = {}
    async with app.db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in BOOKKEEPING:
                continue
            rows = (await session.execute(text(f'SELECT * FROM "{table.name}"'))).all()
            found[table.name] = sorted(repr(tuple(row)) for row in rows)
    return found


def _diff(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


async def _say(chat: Chat, clock: FakeClock, who: str, said: str) -> str:
    clock.advance(seconds=3)  # a person's pace; keeps clear of the flood guard
    return await chat.text(who, said)


async def test_privileged_commands_refuse_and_change_nothing(chat: Chat, clock: FakeClock) -> None:
    items = await _items(chat, clock)
    await _say(chat, clock, PEOPLE["unregistered"], "你好")  # first contact, before the snapshot
    failures: list[str] = []
    for template, refused in TABLE.values():
        said = template.format(**items)
        for role in sorted(refused):
            who = PEOPLE[role]
            before = await _snapshot(chat.app)
            answer = await _say(chat, clock, who, said)
            changed = _diff(before, await _snapshot(chat.app))
            if not any(r in answer for r in REFUSED):
                failures.append(f"{said} as {role}: not refused: {answer[:80]!r}")
            if changed:
                failures.append(f"{said} as {role}: changed {changed}")
    assert not failures, "\n".join(failures)


async def test_the_table_names_every_command_a_resident_may_not_use(
    chat: Chat, clock: FakeClock
) -> None:
    items = await _items(chat, clock)
    refused = set()
    for command in COMMANDS:
        # Other commands name no item of someone else's (that is item privacy, tested per feature).
        said = TABLE[command][0].format(**items) if command in TABLE else f"/{command} 999"
        answer = await _say(chat, clock, PEOPLE["resident"], said)
        await _say(chat, clock, PEOPLE["resident"], "/cancel")
        if "没有权限" in answer:
            refused.add(command)
    assert refused == set(TABLE), f"add to TABLE: {refused - set(TABLE)}"


async def test_the_allowed_organizer_is_not_refused(chat: Chat, clock: FakeClock) -> None:
    # The table's items are really within 王海燕's reach: the refusals above are about roles.
    items = await _items(chat, clock)
    answers: dict[str, Any] = {}
    for command, (template, _) in TABLE.items():
        answers[command] = await _say(chat, clock, "王海燕", template.format(**items))
        await _say(chat, clock, "王海燕", "/cancel")
    wrongly = {c: a[:60] for c, a in answers.items() if any(r in a for r in REFUSED)}
    assert not wrongly
