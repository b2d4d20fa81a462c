"""A report's photos on its office page: shown as images once fetched, served only to staff who
may see the report, private to the browser; while still being fetched, said in words."""

from __future__ import annotations

import re

import pytest

from bot.settings import Settings
from storage.repos import audit, photos
from tests.support.chat import Chat
from tests.support.needs_reports import make_report
from tests.support.office import client, office_settings, sign_in
from tests.support.photos import opened, stored_photo

FILE_ID = "AgACAgUAAxkBAAIB-secret-file-id"


@pytest.fixture
def settings() -> Settings:
    return office_settings()


async def test_a_fetched_photo_is_shown_on_the_reports_page(chat: Chat) -> None:
    report = await make_report(chat.app, photo_ref=f"telegram:{FILE_ID}")
    photo = await stored_photo(chat.app, report)
    async with client(chat.app) as http:
        await sign_in(chat, http, "王海燕")
        page = await http.get(f"/office/reports/{report}")
        assert f'<img src="/office/photos/{photo}"' in page.text
        assert 'alt="现场照片（来自 telegram）"' in page.text and FILE_ID not in page.text
        data = (await http.get(f"/office/api/reports/{report}")).json()
        shown = data["timeline"][0]["photo"]
        assert shown == {"channel": "telegram", "state": "ready", "url": f"/office/photos/{photo}"}
        got = await http.get(f"/office/photos/{photo}")
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert got.headers["cache-control"].startswith("private") and got.headers["vary"] == "Cookie"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert opened(got.content).size == (640, 480)


async def test_a_photo_still_being_fetched_is_said_not_shown(chat: Chat) -> None:
    report = await make_report(chat.app, photo_ref=f"wechat:{FILE_ID}")
    async with chat.app.db.transaction() as session:
        await photos.want(
            session,
            f"wechat:{FILE_ID}",
            report_id=report,
            role="before",
            person_id=None,
            now=chat.app.deps.clock(),
        )
    async with client(chat.app) as http:
        await sign_in(chat, http, "王海燕")
        page = await http.get(f"/office/reports/{report}")
        assert "附照片（wechat，正在取回）" in page.text and "<img" not in page.text
        async with chat.app.db.transaction() as session:
            [row] = await photos.of_report(session, report)
        pending = await http.get(f"/office/photos/{row.id}")
    assert pending.status_code == 404 and "no-store" in pending.headers["cache-control"]


async def test_another_communitys_staff_and_strangers_get_no_photo(chat: Chat) -> None:
    report = await make_report(chat.app)
    photo = await stored_photo(chat.app, report)
    async with client(chat.app) as http:
        assert (await http.get(f"/office/photos/{photo}")).status_code == 401
        await sign_in(chat, http, "李梦瑶")  # 百环社区's organizer
        refused = await http.get(f"/office/photos/{photo}")
        assert refused.status_code == 403 and not re.search(rb"\xff\xd8", refused.content)
        assert (await http.get("/office/photos/99999")).status_code == 403


async def test_the_photo_after_the_fix_and_a_departments_photo_are_in_the_timeline(
    chat: Chat,
) -> None:
    report = await make_report(chat.app, status="resolved", after_photo_ref="wechat:AFTER")
    async with chat.app.db.transaction() as session:
        audit.record(
            session,
            actor_id=None,
            action="report.close",
            target=f"report:{report}",
            now=chat.app.deps.clock(),
            note="地锁已拆除",
        )
    after = await stored_photo(chat.app, report, role="after")
    answer = await stored_photo(chat.app, report, role="answer")
    async with client(chat.app) as http:
        await sign_in(chat, http, "王海燕")
        data = (await http.get(f"/office/api/reports/{report}")).json()
        page = await http.get(f"/office/reports/{report}")
    by_kind = {e["kind"]: e for e in data["timeline"]}
    assert by_kind["report.close"]["photo"]["url"] == f"/office/photos/{after}"
    assert by_kind["photo"]["photo"]["url"] == f"/office/photos/{answer}"
    assert "部门答复照片" in page.text and page.text.count("<img ") == 2
