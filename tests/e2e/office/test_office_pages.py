"""The office console through its real ASGI app: sign-in, dashboard, map, lists, a reassignment."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import get_report, inbox, make_need, make_report, person_id
from tests.support.office import client, office_settings, sign_in


@pytest.fixture
def settings() -> Settings:
    return office_settings()


async def test_an_organizer_signs_in_and_sees_the_community(chat: Chat) -> None:
    report = await make_report(chat.app)
    async with client(chat.app) as http:
        await sign_in(chat, http, "王海燕")
        home = await http.get("/office/", follow_redirects=True)
        assert "劲松北社区" in home.text and "概览" in home.text
        region = home.url.path.rsplit("/", 1)[1]
        data = (await http.get(f"/office/api/regions/{region}/dashboard")).json()
        assert data["region"]["name"] == "劲松北社区"
        assert data["counts"]["reports"]["open"] == 1
        assert [c["name"] for c in data["children"]] == ["第一网格", "第二网格", "第三网格"]
        first = data["rates"]["by_region"][0]
        assert first["reports"] == 1 and first["response"] == 0.0
        listed = await http.get(f"/office/region/{region}/reports?status=open")
        assert f"#{report}" in listed.text and "楼下有人私装地锁" in listed.text
        searched = await http.get(f"/office/region/{region}/reports?q=电梯")
        assert f"#{report}" not in searched.text


async def test_the_map_has_grid_outlines_and_points(chat: Chat) -> None:
    await make_report(chat.app)
    await make_need(chat.app)
    async with client(chat.app) as http:
        await sign_in(chat, http, "王海燕")
        home = await http.get("/office/", follow_redirects=True)
        region = home.url.path.rsplit("/", 1)[1]
        data = (await http.get(f"/office/api/regions/{region}/map")).json()
        grids = {f["properties"]["name"]: f for f in data["grids"]["features"]}
        assert grids["第一网格"]["geometry"]["type"] == "Polygon"
        assert grids["第一网格"]["properties"]["reports"] == 1
        assert grids["第一网格"]["properties"]["needs"] == 1
        assert sorted(p["kind"] for p in data["points"]) == ["need", "report"]
        only = await http.get(f"/office/api/regions/{region}/map?kind=reports&status=closed")
        assert only.json()["points"] == []
        page = await http.get(f"/office/region/{region}/map")
        assert "leaflet.js" in page.text
        script = await http.get("/office/static/vendor/leaflet/leaflet.js")
        assert script.status_code == 200 and "Leaflet" in script.text[:500]


async def test_reassigning_a_report_tells_the_new_grid_worker(chat: Chat, clock: FakeClock) -> None:
    report = await make_report(chat.app)
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, "王海燕")
        page = await http.get(f"/office/reports/{report}")
        assert "杨帆" in page.text  # 第二网格's worker is offered
        worker = await person_id(chat.app, "杨帆")
        done = await http.post(
            f"/office/items/report/{report}/reassign", data={"csrf": csrf, "worker": str(worker)}
        )
        assert done.status_code == 303
        after = await http.get(done.headers["location"])
        assert "已转派" in after.text and "转派" in after.text
    stored = await get_report(chat.app, report)
    assert stored.assignee_id == worker
    assert any(
        "交给您处理" in text and f"#{report}" in text for text in await inbox(chat.app, "杨帆")
    )


async def test_closing_a_report_asks_the_reporter_to_rate(chat: Chat) -> None:
    report = await make_report(chat.app)
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, "张磊")
        done = await http.post(
            f"/office/items/report/{report}/close", data={"csrf": csrf, "note": "地锁已拆除"}
        )
        assert done.status_code == 303
    assert (await get_report(chat.app, report)).status == "resolved"
    assert any("地锁已拆除" in text for text in await inbox(chat.app, "王凤兰"))


async def test_a_ledger_downloads_as_xlsx_with_chinese_headers(chat: Chat) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    await make_report(chat.app)
    async with client(chat.app) as http:
        await sign_in(chat, http, "王海燕")
        home = await http.get("/office/", follow_redirects=True)
        region = home.url.path.rsplit("/", 1)[1]
        got = await http.get(f"/office/region/{region}/ledger.xlsx?kind=reports")
        assert got.status_code == 200
        sheet = load_workbook(BytesIO(got.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:3] == ("编号", "类别", "状态")
        assert len(rows) == 2 and rows[1][3] == "楼下有人私装地锁"
        empty = await http.get(
            f"/office/region/{region}/ledger.xlsx?kind=reports&since=2000-01-01&until=2000-01-02"
        )
        assert len(list(load_workbook(BytesIO(empty.content)).active.iter_rows())) <= 1


async def test_a_notice_is_counted_previewed_and_sent(chat: Chat) -> None:
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, "王海燕")
        home = await http.get("/office/", follow_redirects=True)
        region = home.url.path.rsplit("/", 1)[1]
        form = {
            "csrf": csrf,
            "role": "grid_workers",
            "lang": "",
            "text": "周六上午扫雪，请准时到岗",
        }
        shown = await http.post(f"/office/region/{region}/broadcast", data=form)
        assert shown.status_code == 200 and "周六上午扫雪" in shown.text
        assert "将发送给 3 人" in shown.text  # the recipient count: the community's grid workers
        assert await inbox(chat.app, "张磊") == []  # a preview sends nothing
        sent = await http.post(f"/office/items/region/{region}/broadcast", data=form)
        assert sent.status_code == 303
    assert any("周六上午扫雪" in text for text in await inbox(chat.app, "张磊"))
    assert not any("周六上午扫雪" in text for text in await inbox(chat.app, "王鹏"))  # 百环


async def test_an_hours_correction_is_approved(chat: Chat) -> None:
    from tests.support.office import pending_correction

    record = await pending_correction(chat.app, "CY-JS-01-G1")
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, "王海燕")
        home = await http.get("/office/", follow_redirects=True)
        region = home.url.path.rsplit("/", 1)[1]
        listed = await http.get(f"/office/region/{region}/hours")
        assert f"#{record}" in listed.text and "少记了一小时" in listed.text
        done = await http.post(
            f"/office/items/hours/{record}/review", data={"csrf": csrf, "verdict": "approve"}
        )
        assert done.status_code == 303
        assert f"#{record}" not in (await http.get(f"/office/region/{region}/hours")).text


async def test_pages_follow_the_language_chosen_in_chat(chat: Chat) -> None:
    from sqlalchemy import update

    from storage.models import Person

    async with chat.app.db.transaction() as session:
        await session.execute(
            update(Person).where(Person.display_name == "王海燕").values(lang="en")
        )
    async with client(chat.app) as http:
        await sign_in(chat, http, "王海燕")
        home = await http.get("/office/", follow_redirects=True)
        assert "Community office" in home.text and "Response" in home.text
        assert "概览" not in home.text
