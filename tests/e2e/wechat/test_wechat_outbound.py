"""Replies that miss the 5-second deadline, proactive messages, tokens and the menu (fake API)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.bootstrap import App, build
from bot.channels.registry import configured_channels
from bot.channels.wechat import WeChatChannel, WeChatConfig, build_menu, publish_menu
from bot.channels.wechat.api import WeChatApi
from bot.sender import Limits, OutboxSender
from bot.settings import Settings
from bot.web import create_web_app
from handlers.core.i18n import Translator
from handlers.core.messages import Message, Outcome, Reply
from handlers.routes import build_routes
from storage.models import ChannelToken, DialogState, Identity, OutboxMessage
from storage.repos import outbox
from tests.e2e.wechat.conftest import APPID, SECRET, TOKEN
from tests.e2e.wechat.test_wechat_dialogs import register
from tests.e2e.wechat.wx import WeChatServer
from tests.support.clock import FakeClock
from tests.support.fake_wechat import FakeWeChat

FAST = Limits(per_second=1000, per_chat_per_second=1000, in_flight=8, lease_s=30)


class SlowDispatcher:
    """The real dispatcher behind a delay, to miss the reply deadline on purpose."""

    def __init__(self, real, delay_s: float) -> None:
        self.real, self.delay_s, self.calls = real, delay_s, 0
        self.routes = real.routes

    async def handle(self, message: Message) -> Outcome:
        self.calls += 1
        await asyncio.sleep(self.delay_s)
        return await self.real.handle(message)


def sender(app: App, channel: WeChatChannel) -> OutboxSender:
    transport = channel.transport()
    assert transport is not None
    return OutboxSender(app.db, transport, app.deps.clock, FAST)


async def drain(app: App, channel: WeChatChannel, clock: FakeClock) -> dict[str, int]:
    """Send everything due, moving the clock past per-chat spacing; counts per outcome."""
    send = sender(app, channel)
    totals: dict[str, int] = {}
    for _ in range(10):
        stats = await send.drain()
        for name in ("sent", "held", "blocked", "failed", "retried"):
            totals[name] = totals.get(name, 0) + getattr(stats, name)
        if not stats.deferred:
            break
        clock.advance(seconds=1)
    return totals


async def rows(app: App, **where: object) -> list[OutboxMessage]:
    async with app.db.transaction() as session:
        query = select(OutboxMessage).where(OutboxMessage.channel == "wechat")
        for column, value in where.items():
            query = query.where(getattr(OutboxMessage, column) == value)
        return list((await session.execute(query.order_by(OutboxMessage.id))).scalars())


async def notify_row(app: App, openid: str, text: str, kind: str = "notice", **extra) -> int:
    """An outbox row as handlers' notify() writes it."""
    async with app.db.transaction() as session:
        ident = (
            await session.execute(select(Identity).where(Identity.external_id == openid))
        ).scalar_one()
        row = outbox.enqueue(
            session,
            person_id=ident.person_id,
            channel="wechat",
            external_id=openid,
            payload={"text": text, **extra},
            kind=kind,
            now=app.deps.clock(),
        )
        await session.flush()
        return row.id


async def test_slow_handling_answers_success_then_sends_by_customer_service(
    wx: WeChatServer, channel: WeChatChannel, demo_app: App, fake_api: FakeWeChat, clock: FakeClock
) -> None:
    slow = SlowDispatcher(channel.dispatcher, 0.3)
    channel.dispatcher, channel.reply_deadline_s = slow, 0.05  # type: ignore[assignment]
    first = await wx.text("oSlow00000001", "/start", msg_id=8080)
    assert (first.status, first.body) == (200, "success")
    # WeChat's retry while we are still working joins the work in progress: no second effect.
    again = await wx.text("oSlow00000001", "/start", msg_id=8080)
    assert again.body == "success" and slow.calls == 1
    await channel.settle()
    [late] = await rows(demo_app)
    assert (late.kind, late.urgent, late.status) == ("reply", True, "pending")
    assert "请选择语言" in late.payload["text"] and "回复数字：" in late.payload["text"]
    assert (await drain(demo_app, channel, clock))["sent"] == 1
    [sent] = fake_api.texts_to("oSlow00000001")
    assert "请选择语言" in sent and "1. 中文" in sent
    # A later redelivery gets the stored reply passively (it is fast now) and queues nothing.
    channel.dispatcher, channel.reply_deadline_s = slow.real, 4.0  # type: ignore[assignment]
    replay = await wx.text("oSlow00000001", "/start", msg_id=8080)
    assert "请选择语言" in replay.text and len(await rows(demo_app)) == 1
    # And the numbers in the late message work.
    assert "您是以什么身份使用" in await wx.say("oSlow00000001", "1")


async def test_long_replies_are_split_and_the_rest_sent_later(
    wx: WeChatServer, channel: WeChatChannel, demo_app: App, fake_api: FakeWeChat, clock: FakeClock
) -> None:
    await register(wx, "oLong00000001")
    long_name = "长" * 30
    async with demo_app.db.transaction() as session:
        ident = (
            await session.execute(select(Identity).where(Identity.external_id == "oLong00000001"))
        ).scalar_one()
        ident.person.display_name = long_name
    notice = "\n".join(f"第{i}行：" + "通知内容" * 20 for i in range(12))  # ~3 KB
    await notify_row(demo_app, "oLong00000001", notice)
    assert (await drain(demo_app, channel, clock))["sent"] == 1
    pieces = fake_api.texts_to("oLong00000001")
    assert len(pieces) == 2 and "\n".join(pieces) == notice
    assert all(len(p.encode()) <= 2000 for p in pieces)


async def test_inside_the_window_by_customer_service(
    wx: WeChatServer, channel: WeChatChannel, demo_app: App, fake_api: FakeWeChat, clock: FakeClock
) -> None:
    await register(wx, "oWindow000001")
    clock.advance(hours=47)
    await notify_row(demo_app, "oWindow000001", "您的提案有了新进展")
    assert (await drain(demo_app, channel, clock))["sent"] == 1
    assert fake_api.texts_to("oWindow000001") == ["您的提案有了新进展"]
    assert fake_api.templates == []


async def test_outside_the_window_by_template_when_configured(
    wx: WeChatServer, channel: WeChatChannel, demo_app: App, fake_api: FakeWeChat, clock: FakeClock
) -> None:
    await register(wx, "oTemplate0001")
    clock.advance(hours=49)
    await notify_row(demo_app, "oTemplate0001", "社区通知：周六上午清理楼道", kind="notice")
    await notify_row(demo_app, "oTemplate0001", "新的志愿任务：陪老人就医" * 3, kind="offer")
    assert (await drain(demo_app, channel, clock))["sent"] == 2
    assert fake_api.custom == []  # never tried: our record says the window is closed
    notice, offer = fake_api.templates
    assert notice["template_id"] == "TPL-NOTICE-001"
    assert notice["data"] == {"content": {"value": "社区通知：周六上午清理楼道"}}
    assert offer["template_id"] == "TPL-OFFER-002" and "thing1" in offer["data"]


async def test_outside_the_window_held_until_the_user_writes(
    wx: WeChatServer, channel: WeChatChannel, demo_app: App, fake_api: FakeWeChat, clock: FakeClock
) -> None:
    await register(wx, "oHeld00000001")
    clock.advance(hours=50)
    row_id = await notify_row(demo_app, "oHeld00000001", "活动提醒：明天九点", kind="reminder")
    stats = await drain(demo_app, channel, clock)
    assert stats["held"] == 1 and fake_api.custom == []
    [held] = await rows(demo_app, id=row_id)
    assert held.status == "held"
    await wx.say("oHeld00000001", "我的")  # the user writes: the window opens again
    [released] = await rows(demo_app, id=row_id)
    assert released.status == "pending"
    assert (await drain(demo_app, channel, clock))["sent"] == 1
    assert fake_api.texts_to("oHeld00000001") == ["活动提醒：明天九点"]


async def test_errcode_45015_despite_our_record_falls_back(
    wx: WeChatServer, channel: WeChatChannel, demo_app: App, fake_api: FakeWeChat, clock: FakeClock
) -> None:
    await register(wx, "oClosed000001")
    fake_api.closed_windows.add("oClosed000001")
    with_template = await notify_row(demo_app, "oClosed000001", "通知", kind="notice")
    without = await notify_row(demo_app, "oClosed000001", "提醒", kind="reminder")
    await drain(demo_app, channel, clock)
    assert [t["touser"] for t in fake_api.templates] == ["oClosed000001"]
    assert (await rows(demo_app, id=with_template))[0].status == "sent"
    assert (await rows(demo_app, id=without))[0].status == "held"


async def test_quota_is_held_and_unfollowed_is_blocked(
    wx: WeChatServer, channel: WeChatChannel, demo_app: App, fake_api: FakeWeChat, clock: FakeClock
) -> None:
    await register(wx, "oQuota0000001")
    await register(wx, "oGone00000001", "小赵")
    fake_api.over_quota.add("oQuota0000001")
    fake_api.unfollowed.add("oGone00000001")
    quota = await notify_row(demo_app, "oQuota0000001", "通知一")
    gone = await notify_row(demo_app, "oGone00000001", "通知二")
    later = await notify_row(demo_app, "oGone00000001", "通知三")
    await drain(demo_app, channel, clock)
    assert (await rows(demo_app, id=quota))[0].status == "held"
    assert (await rows(demo_app, id=gone))[0].status == "blocked"
    assert (await rows(demo_app, id=later))[0].status == "blocked"


async def test_expired_token_is_refreshed_once_and_the_send_retried(
    wx: WeChatServer, channel: WeChatChannel, demo_app: App, fake_api: FakeWeChat, clock: FakeClock
) -> None:
    await register(wx, "oToken0000001")
    await notify_row(demo_app, "oToken0000001", "第一条")
    assert (await drain(demo_app, channel, clock))["sent"] == 1
    assert fake_api.token_requests == 1
    fake_api.expire_tokens()  # e.g. someone fetched a token with the same secret elsewhere
    await notify_row(demo_app, "oToken0000001", "第二条")
    assert (await drain(demo_app, channel, clock))["sent"] == 1
    assert fake_api.token_requests == 2 and fake_api.rejected_tokens == 1
    assert fake_api.texts_to("oToken0000001") == ["第一条", "第二条"]
    async with demo_app.db.transaction() as session:
        stored = await session.get(ChannelToken, f"wechat:{APPID}")
        assert stored is not None and stored.value == "TOKEN-2"


async def test_one_token_per_deployment_not_per_process(
    demo_app: App, wx_config: WeChatConfig, fake_api: FakeWeChat
) -> None:
    """Several workers (API clients) share the token in the database: WeChat is asked once."""
    workers = [
        WeChatApi(
            appid=APPID,
            secret=SECRET,
            db=demo_app.db,
            clock=demo_app.deps.clock,
            base_url=fake_api.url,
        )
        for _ in range(4)
    ]
    try:
        tokens = await asyncio.gather(*(w.token() for w in workers for _ in range(3)))
        assert set(tokens) == {"TOKEN-1"} and fake_api.token_requests == 1
        # Near expiry one of them refreshes, and the others pick the new token up.
        demo_app.deps.clock.advance(seconds=7200 - 60)  # type: ignore[attr-defined]
        for w in workers:
            w._cached = None
        tokens = await asyncio.gather(*(w.token() for w in workers))
        assert set(tokens) == {"TOKEN-2"} and fake_api.token_requests == 2
    finally:
        for w in workers:
            await w.close()


async def test_choices_in_a_notification_can_be_picked_by_number(
    wx: WeChatServer, channel: WeChatChannel, demo_app: App, fake_api: FakeWeChat, clock: FakeClock
) -> None:
    await register(wx, "oChoice000001")
    await notify_row(
        demo_app,
        "oChoice000001",
        "要切换语言吗？",
        choices=[["English", "/lang"], ["查看帮助", "/help"]],
    )
    await drain(demo_app, channel, clock)
    [sent] = fake_api.texts_to("oChoice000001")
    assert sent.endswith("回复数字：\n1. English\n2. 查看帮助")
    async with demo_app.db.transaction() as session:
        state = await session.get(DialogState, ("wechat", "oChoice000001"))
        assert state is not None and state.choices == [["English", "/lang"], ["查看帮助", "/help"]]
    assert "请选择语言" in await wx.say("oChoice000001", "1")


async def test_the_label_of_a_choice_in_a_notification_picks_it(
    wx: WeChatServer, channel: WeChatChannel, demo_app: App, fake_api: FakeWeChat, clock: FakeClock
) -> None:
    """Typed instead of its number, the label as shown picks the choice (not understanding)."""
    await register(wx, "oChoice000002")
    await notify_row(
        demo_app, "oChoice000002", "要看看吗？", choices=[["近期安排", "/help"], ["先不用", "/me"]]
    )
    await drain(demo_app, channel, clock)
    assert "称呼：小林" in await wx.say("oChoice000002", "先不用")


async def test_publish_menu_offers_the_main_flows(
    db_url: str, clock: FakeClock, translator: Translator, fake_api: FakeWeChat, capsys
) -> None:
    settings = Settings(
        WECHAT_TOKEN=TOKEN, WECHAT_APPID=APPID, WECHAT_SECRET=SECRET, WECHAT_API_URL=fake_api.url
    )
    app = build(settings, database_url=db_url, clock=clock, translator=translator)
    try:
        menu = await publish_menu(app)
    finally:
        await app.close()
    assert fake_api.menus == [menu]
    commands = build_routes().commands
    keys = [b["key"] for top in menu["button"] for b in top.get("sub_button", [top])]
    assert "cmd:start" in keys and "cmd:me" in keys and "cmd:help" in keys
    assert all(k.removeprefix("cmd:") in commands for k in keys)
    if "propose" in commands:
        assert "cmd:propose" in keys
    labels = [top["name"] for top in menu["button"]]
    assert "我的" in labels and len(labels) <= 3
    assert "微信菜单已发布" in capsys.readouterr().out


def test_menu_leaves_out_flows_that_do_not_exist() -> None:
    menu = build_menu({"start", "help"}, lambda key: key.rsplit(".", 1)[-1])
    assert menu == {
        "button": [
            {
                "name": "mine",
                "sub_button": [
                    {"type": "click", "name": "start", "key": "cmd:start"},
                    {"type": "click", "name": "help", "key": "cmd:help"},
                ],
            }
        ]
    }


async def test_linli_serve_mounts_wechat_when_configured(
    db_url: str, clock: FakeClock, translator: Translator
) -> None:
    import httpx

    settings = Settings(WECHAT_TOKEN=TOKEN)
    app = build(settings, database_url=db_url, clock=clock, translator=translator)
    try:
        channels = configured_channels(app)
        assert [c.name for c in channels] == ["wechat"]
        assert channels[0].transport() is None  # no app id / secret: passive replies only
        web = create_web_app(app, channels, senders=False)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=web), base_url="http://x"
        ) as http:
            wx = WeChatServer(http, WeChatConfig(token=TOKEN), clock)
            answer = await wx.text("oServe0000001", "/start")
            assert "请选择语言" in answer.text
    finally:
        await app.close()


async def test_the_clock_window_uses_last_inbound(
    wx: WeChatServer, demo_app: App, clock: FakeClock
) -> None:
    await register(wx, "oWindow000002")
    async with demo_app.db.transaction() as session:
        ident = (
            await session.execute(select(Identity).where(Identity.external_id == "oWindow000002"))
        ).scalar_one()
        assert ident.last_inbound_at == clock() - timedelta(0)


class CannedDispatcher:
    """Answers every message with the given replies (to show what rendering does with them)."""

    def __init__(self, real, replies: list[Reply]) -> None:
        self.routes, self.replies = real.routes, replies

    async def handle(self, message: Message) -> Outcome:
        return Outcome(list(self.replies))


async def test_photos_follow_the_passive_reply_by_customer_service(
    wx: WeChatServer,
    channel: WeChatChannel,
    demo_app: App,
    fake_api: FakeWeChat,
    clock: FakeClock,
) -> None:
    await register(wx, "oPhoto0000001")
    real = channel.dispatcher
    channel.dispatcher = CannedDispatcher(real, [Reply("报事 #1 的照片：", photo="wechat:M1")])  # type: ignore[assignment]
    assert (await wx.text("oPhoto0000001", "/report_status 1")).text == "报事 #1 的照片："
    channel.dispatcher = CannedDispatcher(real, [Reply("", photo="wechat:M2")])  # type: ignore[assignment]
    assert (await wx.text("oPhoto0000001", "/report_status 2")).body == "success"
    assert (await drain(demo_app, channel, clock))["sent"] == 2
    images = [m["image"]["media_id"] for m in fake_api.custom if m["msgtype"] == "image"]
    assert images == ["M1", "M2"]
