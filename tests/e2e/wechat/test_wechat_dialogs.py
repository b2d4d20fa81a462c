"""Dialogs over WeChat, in Chinese: by slash command, by keyword, by menu click, by number."""

from __future__ import annotations

from sqlalchemy import select

from bot.bootstrap import App
from handlers.routes import build_routes
from storage.models import DialogState, GridReport, Identity, Person, ProcessedUpdate
from tests.e2e.test_registration import REGISTRATION  # the same answers, by label
from tests.e2e.wechat.wx import WeChatServer
from tests.support.chat import Pick, numbered_choice
from tests.support.clock import FakeClock

COMMANDS = build_routes().commands


async def register(wx: WeChatServer, user: str, name: str = "小林") -> None:
    """Register a WeChat user, picking each choice by the number its label has."""
    steps = [(said, expected) for said, expected in REGISTRATION]
    steps[-2] = (name, "隐私政策")
    steps[-1] = (Pick("同意"), f"登记完成，{name}")
    await wx.script(user, steps)


async def test_registration_by_numbers_then_profile(wx: WeChatServer, demo_app: App) -> None:
    await wx.script("oXiaoLin000001", REGISTRATION)
    profile = await wx.say("oXiaoLin000001", "/me")
    assert "称呼：小林" in profile and "劲松北社区 · 第二网格" in profile
    async with demo_app.db.transaction() as session:
        ident = (
            await session.execute(select(Identity).where(Identity.external_id == "oXiaoLin000001"))
        ).scalar_one()
        assert ident.channel == "wechat" and ident.person.display_name == "小林"
        assert ident.last_inbound_at is not None


async def test_registration_in_safe_mode(wx_aes: WeChatServer) -> None:
    await wx_aes.script("oSafe00000001", REGISTRATION)
    assert "称呼：小林" in await wx_aes.say("oSafe00000001", "/me")


async def test_every_choice_prompt_is_numbered(wx: WeChatServer) -> None:
    text = await wx.say("oNumbers00001", "/start")
    assert text.endswith("回复数字：\n1. 中文\n2. English\n3. ✖ 取消")
    text = await wx.say("oNumbers00001", "1")
    assert "1. 社区居民" in text
    assert "返回" in text and "取消" in text


async def test_keywords_start_flows(wx: WeChatServer) -> None:
    assert "请选择语言" in await wx.say("oKeyword00001", "注册")
    assert "已取消" in await wx.say("oKeyword00001", "取消")
    assert "发送 /start" in await wx.say("oKeyword00001", "帮助")
    await register(wx, "oKeyword00001")
    assert "称呼：小林" in await wx.say("oKeyword00001", "我的")
    assert "请选择语言" in await wx.say("oKeyword00001", "语言")
    assert "Language set to English" in await wx.pick("oKeyword00001", "English")
    assert "Name: 小林" in await wx.say("oKeyword00001", "我的")


async def test_menu_clicks_start_commands(wx: WeChatServer) -> None:
    assert "请选择语言" in await wx.click("oMenu00000001", "cmd:start")
    assert "已取消" in await wx.say("oMenu00000001", "取消")
    await register(wx, "oMenu00000001", "老周")
    assert "称呼：老周" in await wx.click("oMenu00000001", "cmd:me")
    assert "可以使用的功能" in await wx.click("oMenu00000001", "cmd:help")
    # A key from an old menu names a command that no longer exists: help, not a crash.
    assert "没听懂" in await wx.click("oMenu00000001", "cmd:nosuchthing")


async def test_subscribe_greets_and_unsubscribe_stops_messages(
    wx: WeChatServer, demo_app: App
) -> None:
    answer = await wx.event("oFollower0001", "subscribe")
    assert "发送 /start 开始登记" in answer.text
    answer = await wx.event("oFollower0001", "unsubscribe")
    assert (answer.status, answer.body) == (200, "success")
    async with demo_app.db.transaction() as session:
        ident = (
            await session.execute(select(Identity).where(Identity.external_id == "oFollower0001"))
        ).scalar_one()
        assert ident.unreachable_at is not None


async def test_photos_and_locations_become_neutral_messages(
    wx: WeChatServer, demo_app: App
) -> None:
    # Outside any flow they lead to help; inside a flow the step receives them.
    answer = await wx.image("oMedia0000001", "MEDIA_abc123")
    assert answer.status == 200 and "/start" in answer.text
    answer = await wx.location("oMedia0000001", 39.8836, 116.4612, "北京市朝阳区劲松")
    assert answer.status == 200 and "/start" in answer.text
    # The client's own LOCATION reports are not answered outside a flow, and change nothing.
    async with demo_app.db.transaction() as session:
        before = len((await session.execute(select(ProcessedUpdate))).all())
    answer = await wx.event("oMedia0000001", "LOCATION", Latitude=39.88, Longitude=116.46)
    assert answer.body == "success"
    async with demo_app.db.transaction() as session:
        assert len((await session.execute(select(ProcessedUpdate))).all()) == before


async def test_location_event_reaches_a_flow_that_waits(
    wx: WeChatServer, demo_app: App, monkeypatch
) -> None:
    seen = []
    real = demo_app.dispatcher.handle

    async def spy(message):
        seen.append(message)
        return await real(message)

    monkeypatch.setattr(demo_app.dispatcher, "handle", spy)
    await wx.say("oMedia0000002", "/start")  # now in a flow
    answer = await wx.event("oMedia0000002", "LOCATION", Latitude=39.88, Longitude=116.46)
    assert answer.status == 200
    assert seen[-1].location is not None and seen[-1].location.lat == 39.88
    assert seen[-1].update_key.startswith("e:")
    async with demo_app.db.transaction() as session:
        state = await session.get(DialogState, ("wechat", "oMedia0000002"))
        assert state is not None and state.flow == "start"


async def test_proposal_over_wechat(wx: WeChatServer, demo_app: App) -> None:
    if "propose" not in COMMANDS:
        return  # the proposals feature is not in this build
    await register(wx, "oProposer0001", "王阿姨")
    text = await wx.say("oProposer0001", "提案")
    assert "标题" in text
    assert "具体说明" in await wx.say("oProposer0001", "加装电梯")
    text = await wx.say("oProposer0001", "六层老楼没有电梯，老人上下楼太难，希望加装电梯。")
    if "范围" in text:
        assert "回复数字：" in text
        text = await wx.pick("oProposer0001", "本网格")
    assert "类别" in text and "回复数字：" in text
    done = await wx.pick("oProposer0001", "环境")
    assert "加装电梯" in done and "#" in done
    if "proposals" in COMMANDS:
        assert "加装电梯" in await wx.say("oProposer0001", "/proposals")


async def test_service_need_over_wechat(wx: WeChatServer, clock: FakeClock) -> None:
    if "need" not in COMMANDS:
        return
    await register(wx, "oNeed00000001", "刘奶奶")
    clock.advance(minutes=1)  # past the flood window of the registration
    await wx.script(
        "oNeed00000001",
        [
            ("需求", "您需要什么服务"),
            ("陪老人看病", "回复数字：\n1. 陪诊服务"),
            (Pick("陪诊服务", "1"), "什么时间方便"),
            (Pick("明天上午"), "在哪里提供服务"),
            (Pick("在家"), "还有什么需要说明"),
            ("需要轮椅", "服务：陪诊服务"),
            (Pick("确认提交"), "已提交服务需求 #1（陪诊服务）"),
        ],
    )


async def test_grid_report_with_a_wechat_photo_and_location(
    wx: WeChatServer, demo_app: App, clock: FakeClock
) -> None:
    if "report" not in COMMANDS:
        return
    await register(wx, "oReport000001", "陈师傅")
    clock.advance(minutes=1)
    await wx.script(
        "oReport000001",
        [
            ("报事", "请选择问题类别"),
            (Pick("私装地锁"), "请简单描述问题"),
            ("楼下有人私装地锁", "有照片吗"),
        ],
    )
    assert "问题在哪里" in (await wx.image("oReport000001", "MEDIA_lock_42")).text
    shown = (await wx.location("oReport000001", 39.8883, 116.4618, "劲松一区103号楼")).text
    assert "照片：有" in shown and "位置：劲松一区103号楼" in shown
    confirm = numbered_choice(shown, "确认")
    assert "已提交报事 #1" in await wx.say("oReport000001", str(confirm))
    async with demo_app.db.transaction() as session:
        report = (await session.execute(select(GridReport))).scalar_one()
    assert report.photo_ref == "wechat:MEDIA_lock_42"
    assert (report.lat, report.lon) == (39.8883, 116.4618)


async def test_volunteering_by_keyword_and_number(wx: WeChatServer, clock: FakeClock) -> None:
    if "volunteer" not in COMMANDS:
        return
    await register(wx, "oVolunteer001", "小马")
    clock.advance(minutes=1)
    await wx.script(
        "oVolunteer001",
        [
            ("志愿者", "您能提供哪些志愿服务"),
            (Pick("养老助老"), "养老助老"),
            (Pick("陪诊"), "已选 1/10"),
        ],
    )
    assert "已取消" in await wx.say("oVolunteer001", "取消")
    if "hours" in COMMANDS:
        assert await wx.say("oVolunteer001", "时长")


async def test_display_names_are_not_taken_from_wechat(wx: WeChatServer, demo_app: App) -> None:
    """Only what the person typed at /start is stored (no nickname from the platform)."""
    await wx.say("oPrivacy00001", "你好")
    async with demo_app.db.transaction() as session:
        person = (
            await session.execute(
                select(Person).join(Identity).where(Identity.external_id == "oPrivacy00001")
            )
        ).scalar_one()
        assert person.display_name == ""
