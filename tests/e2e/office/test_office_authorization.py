"""Every office route and action refuses whoever may not use it, and then changes nothing.

Items live in 劲松北社区 (CY-JS-01), 第一网格. Refused: an organizer of another community
(李梦瑶, 百环社区), a grid worker of another grid (杨帆, 第二网格), a resident holding a session
from a role since revoked, a browser that is signed out, one whose link expired, one replaying a
used link, and a signed-in organizer posting without the CSRF token. The table must name every
route the console serves, so a new one cannot slip in untested.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, text, update

from bot import office
from bot.office.web import COOKIE
from bot.settings import Settings
from storage.models import Base, Meeting, MeetingItem, Person, Region, RoleGrant
from storage.repos import agencies
from storage.repos import office as office_repo
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import make_need, make_report
from tests.support.office import (
    client,
    link_for,
    office_settings,
    pending_correction,
    sign_in,
    use_link,
)
from tests.support.photos import stored_photo
from tests.support.proposals import propose, set_fields

# method, path, form fields ({csrf} filled in), as templates over the items made below.
TABLE: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/office/", {}),
    ("GET", "/office/region/{community}", {}),
    ("GET", "/office/region/{grid}", {}),
    ("GET", "/office/region/{community}/map", {}),
    ("GET", "/office/region/{community}/reports", {}),
    ("GET", "/office/region/{community}/needs", {}),
    ("GET", "/office/region/{community}/proposals", {}),
    ("GET", "/office/region/{community}/ledgers", {}),
    ("GET", "/office/region/{community}/hours", {}),
    ("GET", "/office/region/{community}/broadcast", {}),
    ("POST", "/office/region/{community}/broadcast", {"role": "everyone", "text": "周六扫雪"}),
    ("GET", "/office/region/{community}/ledger.xlsx?kind=reports", {}),
    ("GET", "/office/reports/{report}", {}),
    ("GET", "/office/needs/{need}", {}),
    ("GET", "/office/proposals/{proposal}", {}),
    ("GET", "/office/api/regions/{community}/dashboard", {}),
    ("GET", "/office/api/regions/{grid}/map", {}),
    ("GET", "/office/api/regions/{community}/reports", {}),
    ("GET", "/office/api/regions/{community}/needs", {}),
    ("GET", "/office/api/regions/{community}/proposals", {}),
    ("GET", "/office/api/reports/{report}", {}),
    ("GET", "/office/api/needs/{need}", {}),
    ("GET", "/office/api/proposals/{proposal}", {}),
    ("GET", "/office/photos/{photo}", {}),
    ("GET", "/office/password", {}),
    (
        "POST",
        "/office/password",
        {"action": "set", "login": "wang", "password": "x" * 12, "repeat": "x" * 12},
    ),
    ("POST", "/office/password", {"action": "remove"}),
    ("POST", "/office/items/report/{report}/reassign", {"worker": "{other_worker}"}),
    ("POST", "/office/items/report/{report}/note", {"note": "已联系物业"}),
    ("POST", "/office/items/report/{report}/close", {"note": "已拆除"}),
    ("POST", "/office/items/report/{report}/escalate", {"note": "需要城管执法"}),
    ("POST", "/office/items/need/{need}/dispatch", {}),
    ("POST", "/office/items/proposal/{proposal}/decide", {"action": "reject", "reason": "重复"}),
    ("POST", "/office/items/hours/{record}/review", {"verdict": "approve"}),
    ("POST", "/office/items/region/{community}/broadcast", {"role": "everyone", "text": "扫雪"}),
    # governance: meetings, hand-offs, units, organizations (bot/office/meetings.py, agencies.py)
    ("GET", "/office/region/{community}/meetings", {}),
    ("GET", "/office/meetings/{meeting}", {}),
    ("GET", "/office/api/regions/{community}/meetings", {}),
    ("GET", "/office/api/meetings/{meeting}", {}),
    (
        "POST",
        "/office/region/{community}/meetings",
        {"date": "2026-12-20", "time": "14:00", "place": "社区活动室"},
    ),
    (
        "POST",
        "/office/meetings/{meeting}/move",
        {"date": "2026-12-21", "time": "09:30", "place": "社区活动室"},
    ),
    ("POST", "/office/meetings/{meeting}/cancel", {"reason": "停电"}),
    # the organizer's actions on a meeting ({held}: one agenda item; bot/office/meeting_actions.py)
    ("POST", "/office/meetings/{held}/invite", {"capacity": "resident_rep", "names": "王凤兰"}),
    (
        "POST",
        "/office/meetings/{held}/outcome",
        {"item": "{held_item}", "outcome": "deferred", "note": "下次再议"},
    ),
    ("POST", "/office/meetings/{held}/minutes", {"minutes": "下次再议。"}),
    ("POST", "/office/meetings/{held}/publish", {"minutes": "下次再议。"}),
    ("GET", "/office/region/{community}/handoffs", {}),
    ("GET", "/office/region/{grid}/handoffs?status=overdue", {}),
    ("GET", "/office/api/regions/{community}/handoffs", {}),
    ("POST", "/office/reports/{report}/handoff", {"department": "{department}", "days": "3"}),
    ("GET", "/office/region/{community}/units", {}),
    ("GET", "/office/region/{community}/orgs", {}),
    ("GET", "/office/region/{community}/ledger.xlsx?kind=resources", {}),
]
# Reachable by anyone: signing in (by link or password) and out, static files.
OPEN_ROUTES = {"/login/{token}", "/signin", "/logout", "/bye", "/static"}
# A staff member's own settings: open to any staff (their own row only), refused to the rest.
OWN_ROUTES = {"/office/password"}
BOOKKEEPING = {"dialog_states", "processed_updates", "identities"}


@pytest.fixture
def settings() -> Settings:
    return office_settings()


async def _items(chat: Chat) -> dict[str, int]:
    app = chat.app
    await propose(chat, "王凤兰", "加装电梯", "103号楼六层没有电梯，老人上下楼太难。")
    await set_fields(chat, 1, status="seconded")
    async with app.db.transaction() as session:
        ids = {
            code: (await session.execute(select(Region.id).where(Region.code == code))).scalar()
            for code in ("CY-JS-01", "CY-JS-01-G1")
        }
        worker = await session.execute(select(Person.id).where(Person.display_name == "杨帆"))
        other = int(worker.scalar_one())
    record = await pending_correction(app, "CY-JS-01-G1")
    async with app.db.transaction() as session:
        organizer = await session.scalar(select(Person.id).where(Person.display_name == "王海燕"))
        meeting = Meeting(
            community_id=int(ids["CY-JS-01"] or 0),
            organizer_id=organizer,
            starts_at=app.deps.clock() + timedelta(days=7),
            place="党群服务中心",
            status="scheduled",
            hot_issue={},
        )
        held = Meeting(
            community_id=int(ids["CY-JS-01"] or 0),
            organizer_id=organizer,
            starts_at=app.deps.clock() + timedelta(days=3),
            place="社区活动室",
            status="scheduled",
            hot_issue={},
        )
        session.add_all([meeting, held])
        await session.flush()
        item = MeetingItem(meeting_id=held.id, position=1, kind="hot_issue", title="每月一题")
        session.add(item)
        await session.flush()
        chengguan = await agencies.department_by_code(session, "CY-JS-CG")
        assert chengguan is not None
        meeting_id, department = meeting.id, chengguan.id
        held_id, held_item = held.id, item.id
    report = await make_report(app)
    return {
        "meeting": meeting_id,
        "held": held_id,
        "held_item": held_item,
        "department": department,
        "record": record,
        "community": int(ids["CY-JS-01"] or 0),
        "grid": int(ids["CY-JS-01-G1"] or 0),
        "report": report,
        "photo": await stored_photo(app, report),
        "need": await make_need(app),
        "proposal": 1,
        "other_worker": other,
    }


async def _snapshot(chat: Chat) -> dict[str, list[str]]:
    found = {}
    async with chat.app.db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            if table.name not in BOOKKEEPING:
                rows = (await session.execute(text(f'SELECT * FROM "{table.name}"'))).all()
                found[table.name] = sorted(repr(tuple(row)) for row in rows)
    return found


async def _call(
    http: httpx.AsyncClient, method: str, path: str, form: dict[str, str], csrf: str | None
) -> httpx.Response:
    if method == "GET":
        return await http.get(path)
    data = dict(form) | ({"csrf": csrf} if csrf is not None else {})
    return await http.post(path, data=data)


async def _refused_everywhere(
    chat: Chat,
    http: httpx.AsyncClient,
    items: dict[str, int],
    who: str,
    csrf: str | None,
    *,
    staff: bool = False,
) -> list[str]:
    failures = []
    before = await _snapshot(chat)
    for method, template, form in TABLE:
        if staff and template in OWN_ROUTES:
            continue  # their own password: tested in test_office_passwords.py
        path = template.format(**items)
        filled = {k: v.format(**items) for k, v in form.items()}
        got = await _call(http, method, path, filled, csrf)
        # nothing else writes meanwhile: the state after this call is the state before the next
        after = await _snapshot(chat)
        changed = [t for t, rows in after.items() if before[t] != rows]
        before = after
        home = method == "GET" and path == "/office/" and got.status_code == 303
        if got.status_code not in (401, 403) and not home:
            failures.append(f"{who}: {method} {path} → {got.status_code}")
        if changed:
            failures.append(f"{who}: {method} {path} changed {changed}")
    return failures


async def test_the_table_names_every_office_route(chat: Chat) -> None:
    served = {route.path for route in office.mount(chat.app).routes}
    named = {t.split("?")[0] for _, t, _ in TABLE}
    shapes = {
        p.replace("{community}", "{region:int}")
        .replace("{grid}", "{region:int}")
        .replace("{report}", "{report:int}")
        .replace("{need}", "{need:int}")
        .replace("{proposal}", "{proposal:int}")
        .replace("{meeting}", "{meeting:int}")
        .replace("{held}", "{meeting:int}")
        .replace("{photo}", "{photo:int}")
        .replace("/office", "", 1)
        for p in named
    }
    shapes |= {"/items/{kind}/{item:int}/{action}"} if any("/items/" in p for p in named) else set()
    missing = served - shapes - OPEN_ROUTES
    assert not missing, f"add to TABLE: {missing}"


@pytest.mark.parametrize("name", ["李梦瑶", "杨帆"])
async def test_staff_elsewhere_are_refused(chat: Chat, name: str) -> None:
    items = await _items(chat)
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, name)
        failures = await _refused_everywhere(chat, http, items, name, csrf, staff=True)
    assert not failures, "\n".join(failures)


async def test_signed_out_and_a_revoked_role_are_refused(chat: Chat, clock: FakeClock) -> None:
    items = await _items(chat)
    async with client(chat.app) as http:
        failures = await _refused_everywhere(chat, http, items, "signed out", "x")
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, "王海燕")
        async with chat.app.db.transaction() as session:  # she is no longer an organizer
            person = await session.execute(select(Person.id).where(Person.display_name == "王海燕"))
            await session.execute(
                update(RoleGrant)
                .where(RoleGrant.person_id == person.scalar_one())
                .values(revoked_at=clock())
            )
        failures += await _refused_everywhere(chat, http, items, "revoked", csrf)
    assert not failures, "\n".join(failures)


async def test_a_resident_holding_a_session_is_refused(chat: Chat, clock: FakeClock) -> None:
    # A registered resident with no role, holding a live session cookie (as if a link had been
    # made for them by mistake): every route refuses, nothing changes.
    items = await _items(chat)
    await chat.text("赵淑兰", "/start")
    async with chat.app.db.transaction() as session:
        resident = await session.execute(select(Person.id).where(Person.display_name == "赵淑兰"))
        cookie, csrf = office_repo.open_session(
            session, int(resident.scalar_one()), clock(), timedelta(minutes=30)
        )
    async with client(chat.app) as http:
        http.cookies.set(COOKIE, cookie)
        failures = await _refused_everywhere(chat, http, items, "resident", csrf)
    assert not failures, "\n".join(failures)


async def test_a_resident_gets_no_link(chat: Chat) -> None:
    await chat.text("赵淑兰", "/start")
    answer = await chat.text("赵淑兰", "/office")
    assert "您没有权限做这件事" in answer
    assert "/office/login/" not in answer


async def test_expired_and_replayed_links_open_nothing(chat: Chat, clock: FakeClock) -> None:
    items = await _items(chat)
    link = await link_for(chat, "王海燕")
    clock.advance(minutes=11)
    async with client(chat.app) as http:
        expired = await use_link(http, link)
        assert expired.status_code == 403 and "已过期" in expired.text
        failures = await _refused_everywhere(chat, http, items, "expired link", "x")
    fresh = await link_for(chat, "王海燕")
    async with client(chat.app) as http:
        assert (await use_link(http, fresh)).status_code == 303
    async with client(chat.app) as http:
        replayed = await use_link(http, fresh)
        assert replayed.status_code == 403
        failures += await _refused_everywhere(chat, http, items, "replayed link", "x")
    assert not failures, "\n".join(failures)


async def test_a_link_cannot_be_used_without_its_page(chat: Chat) -> None:
    # A POST without the value the link's page set (another site submitting the form) fails.
    link = await link_for(chat, "王海燕")
    async with client(chat.app) as http:
        assert (await http.post(link, data={"pre": "guess"})).status_code == 403
        assert (await use_link(http, link)).status_code == 303  # the link was not spent


async def test_forms_without_the_csrf_token_change_nothing(chat: Chat) -> None:
    items = await _items(chat)
    failures = []
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, "王海燕")
        before = await _snapshot(chat)
        for method, template, form in TABLE:
            if method != "POST":
                continue
            path = template.format(**items)
            filled = {k: v.format(**items) for k, v in form.items()}
            for token in (None, "", csrf[:-2] + "xx"):
                got = await _call(http, method, path, filled, token)
                after = await _snapshot(chat)  # and the state before the next call
                if got.status_code != 403 or after != before:
                    failures.append(f"{path} with csrf={token!r}: {got.status_code}")
                before = after
    assert not failures, "\n".join(failures)


async def test_the_allowed_organizer_is_not_refused(chat: Chat) -> None:
    items = await _items(chat)
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, "王海燕")
        for method, template, form in TABLE:
            path = template.format(**items)
            filled = {k: v.format(**items) for k, v in form.items()}
            if "/items/report/" in path and not path.endswith("/note"):
                continue  # they end the report; note keeps it open for the others
            got = await _call(http, method, path, filled, csrf)
            assert got.status_code in (200, 303), (path, got.status_code, got.text[:200])


async def test_sessions_end_after_their_time(chat: Chat, clock: FakeClock) -> None:
    async with client(chat.app) as http:
        await sign_in(chat, http, "王海燕")
        clock.advance(minutes=61)
        assert (await http.get("/office/")).status_code == 401


async def test_tokens_are_stored_hashed(chat: Chat) -> None:
    link = await link_for(chat, "王海燕")
    token = link.rsplit("/", 1)[1]
    async with chat.app.db.transaction() as session:
        stored = (await session.execute(text("SELECT token_hash FROM office_links"))).scalars()
        assert list(stored) == [office_repo.digest(token)]
