"""Where registration ends, the door is offered, never required: "填写门牌地址" asks the building,
unit and door (a building of the home grid typed is taken as the home), "以后再说" asks nothing,
and anything else typed simply goes on (the scripted registrations elsewhere are untouched)."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Person, Region
from tests.e2e.test_registration import REGISTRATION
from tests.support.chat import Chat

ENGLISH = [
    ("/start", "请选择语言"),
    ("2", "How will you use Linli"),
    ("1", "choose your community"),
    ("2", "choose your grid"),
    ("3", "What should we call you"),
    ("1", "Privacy policy"),
]


async def _home(chat: Chat, user: str) -> tuple[str | None, str]:
    async with chat.app.db.transaction() as session:
        person = await session.scalar(select(Person).where(Person.display_name == user))
        assert person is not None
        region = await session.get(Region, person.home_region_id)
        return person.address, region.name if region else ""


async def test_the_door_is_offered_where_registration_ends_in_chinese(chat: Chat) -> None:
    await chat.script("xiaolin", REGISTRATION[:-1])
    done = await chat.text("xiaolin", "1")
    assert "登记完成，小林" in done and "填写门牌地址" in done and "以后再说" in done
    asked = await chat.text("xiaolin", "1")
    assert "请写下您家的楼号、单元和门牌" in asked
    saved = await chat.text("xiaolin", "劲松一区106号楼 3单元 502")
    assert "已登记：劲松一区106号楼 3单元 502" in saved
    assert await _home(chat, "小林") == ("3单元 502", "劲松一区106号楼")  # in 第二网格
    assert "门牌：3单元 502" in await chat.text("xiaolin", "/me")


async def test_later_asks_nothing_and_other_words_go_on(chat: Chat) -> None:
    await chat.script("xiaolin", REGISTRATION)
    assert "随时发送 /address" in await chat.text("xiaolin", "2")
    assert await _home(chat, "小林") == (None, "第二网格")
    await chat.script("xiaozhang", [(said, "") for said, _ in REGISTRATION[:-2]])
    await chat.script("xiaozhang", [("小张", "隐私政策"), ("1", "填写门牌地址")])
    assert "您需要什么服务" in await chat.text("xiaozhang", "需求")  # the buttons bind nobody
    # asked, then skipped: nothing kept
    await chat.script("xiaowang", [(said, "") for said, _ in REGISTRATION[:-2]])
    await chat.script("xiaowang", [("小王", "隐私政策"), ("1", "填写门牌地址"), ("1", "楼号")])
    assert "随时发送 /address" in await chat.text("xiaowang", "以后再说")
    assert await _home(chat, "小王") == (None, "第二网格")


async def test_the_door_is_offered_in_english(chat: Chat) -> None:
    await chat.script("tom", ENGLISH)
    done = await chat.text("tom", "1")
    assert "You are registered, tom" in done and "Add my building and door" in done
    assert "write your building, unit and door" in await chat.text("tom", "1")
    saved = await chat.text("tom", "百环家园7号楼 Unit 2, 301")
    assert "Saved: 百环家园7号楼, Unit 2, 301" in saved
    assert await _home(chat, "tom") == ("Unit 2, 301", "百环家园7号楼")
    await chat.script("amy", [*ENGLISH, ("1", "Later")])
    assert "send /address" in await chat.text("amy", "2")


async def test_me_offers_the_door_when_none_is_on_file(chat: Chat) -> None:
    """Skipped at registration (or registered before it was asked): /me's button asks the door
    at once; with one on file the button changes it."""
    me = await chat.text("王凤兰", "/me")
    assert "门牌：未登记" in me and "1. 🏠 填写门牌地址" in me and "修改门牌" not in me
    assert "请写下您家的楼号、单元和门牌" in await chat.text("王凤兰", "1")
    assert "已登记门牌：3单元 502" in await chat.text("王凤兰", "3单元 502")
    assert await _home(chat, "王凤兰") == ("3单元 502", "劲松一区103号楼")  # her building kept
    me = await chat.text("王凤兰", "/me")
    assert "门牌：3单元 502" in me and "1. 修改门牌" in me and "填写门牌地址" not in me
    english = await chat.text("Michael Brown", "/me")
    assert "1. 🏠 Add my building and door" in english
