"""An item's whole timeline in the office: a need's and a proposal's pages and JSON, a report's
photo, and how each is reached from the lists and the map."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import make_need, make_report, move_need
from tests.support.office import client, office_settings, sign_in
from tests.support.proposals import propose

LIFT = ("加装电梯", "我们103号楼都是老人，六层没有电梯，上下楼太难，希望加装电梯。")


@pytest.fixture
def settings() -> Settings:
    return office_settings()


async def _region(http: object) -> str:
    home = await http.get("/office/", follow_redirects=True)  # type: ignore[attr-defined]
    return str(home.url.path.rsplit("/", 1)[1])


async def test_a_needs_page_shows_its_status_changes_and_dispatch(
    chat: Chat, clock: FakeClock
) -> None:
    need = await make_need(chat.app)
    clock.advance(minutes=5)
    await move_need(chat.app, need, "matching", actor="王海燕")
    async with client(chat.app) as http:
        csrf = await sign_in(chat, http, "王海燕")
        region = await _region(http)
        listed = await http.get(f"/office/region/{region}/needs")
        assert f'href="/office/needs/{need}"' in listed.text  # reachable from the list
        page = await http.get(f"/office/needs/{need}")
        assert page.status_code == 200, page.text
        assert f"服务需求 #{need}" in page.text and "登记需求 · 王凤兰" in page.text
        assert "状态变更 · 王海燕: 待匹配 → 匹配中" in page.text
        data = (await http.get(f"/office/api/needs/{need}")).json()
        kinds = [e["kind"] for e in data["timeline"]]
        assert kinds[0] == "need.create" and "need.status" in kinds
        change = next(e for e in data["timeline"] if e["kind"] == "need.status")
        assert (change["old"], change["new"], change["actor"]) == ("open", "matching", "王海燕")
        done = await http.post(f"/office/items/need/{need}/dispatch", data={"csrf": csrf})
        assert done.status_code == 303
        after = (await http.get(f"/office/api/needs/{need}")).json()
        offers = [e for e in after["timeline"] if e["kind"] == "offer"]
        assert offers and all(e["actor"] and e["note"] == "pending" for e in offers)


async def test_a_proposals_page_shows_its_events_and_co_signers(chat: Chat) -> None:
    await propose(chat, "王凤兰", *LIFT)
    await chat.script(
        "李福海",
        [
            ("/propose", "标题"),
            ("老楼加装电梯", "具体说明"),
            ("六层老楼没有电梯，老人出门难", "本社区已有相似的提案"),
        ],
    )
    assert "您已附议提案 #1" in await chat.text("李福海", "1")
    async with client(chat.app) as http:
        await sign_in(chat, http, "王海燕")
        region = await _region(http)
        listed = await http.get(f"/office/region/{region}/proposals")
        assert 'href="/office/proposals/1"' in listed.text
        page = await http.get("/office/proposals/1")
        assert page.status_code == 200, page.text
        assert "加装电梯" in page.text and "附议人（1）" in page.text and "李福海" in page.text
        assert "提交提案" in page.text  # the proposal's own event label
        data = (await http.get("/office/api/proposals/1")).json()
        assert [c["name"] for c in data["cosigners"]] == ["李福海"]
        assert data["timeline"][0]["kind"] == "proposal.submitted"


async def test_a_reports_photo_is_named_by_channel_never_by_its_file_id(chat: Chat) -> None:
    report = await make_report(chat.app, photo_ref="telegram:AgACAgUAAxkBAAIB-secret-file-id")
    async with client(chat.app) as http:
        await sign_in(chat, http, "王海燕")
        page = await http.get(f"/office/reports/{report}")
        # Never queued for fetching (made straight in the database): said, not shown.
        assert "附照片（未能从 telegram 取回）" in page.text and "<img" not in page.text
        assert "secret-file-id" not in page.text
        data = (await http.get(f"/office/api/reports/{report}")).json()
        assert data["timeline"][0]["photo"] == {"channel": "telegram", "state": "none"}
        assert "secret-file-id" not in str(data)


async def test_a_map_point_of_a_need_opens_the_needs_page(chat: Chat) -> None:
    need = await make_need(chat.app)
    async with client(chat.app) as http:
        await sign_in(chat, http, "王海燕")
        region = await _region(http)
        data = (await http.get(f"/office/api/regions/{region}/map?kind=needs")).json()
        assert [p["id"] for p in data["points"]] == [need]
        script = (await http.get("/office/static/map.js")).text
        assert '"/office/needs/" + p.id' in script
        assert (await http.get(f"/office/needs/{need}")).status_code == 200
