"""Report photos made real: fetched once from the platform that holds them (Telegram getFile and
file download through PTB against the fake Bot API; WeChat media/get against the fake WeChat
API), checked and kept as JPEG without the phone's metadata, and sent as an upload to a person
on the other channel. Both channels run in one `linli serve` app, as in production."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.channels import ChannelError
from bot.channels.telegram import TelegramChannel
from bot.channels.wechat import WeChatChannel, WeChatConfig
from bot.photos import PhotoFetcher
from bot.sender import OutboxSender
from bot.settings import Settings
from bot.web import create_web_app
from storage.models import GridReport, Photo
from tests.e2e.telegram.conftest import SECRET, TEST_LIMITS, TelegramBot
from tests.e2e.wechat.conftest import APPID, TOKEN
from tests.e2e.wechat.conftest import SECRET as WX_SECRET
from tests.e2e.wechat.test_wechat_dialogs import register
from tests.e2e.wechat.wx import WeChatServer
from tests.support.clock import FakeClock
from tests.support.fake_telegram import TOKEN as TG_TOKEN
from tests.support.fake_telegram import FakeTelegram, User
from tests.support.fake_wechat import FakeWeChat, running
from tests.support.photos import jpeg, opened, png

ZHANG = User(6001, "张磊")  # the demo grid worker of 劲松北社区 第一网格
CHEN = "oReport000001"  # a resident on WeChat


@dataclass
class Both:
    """One app with both channels, and the fakes of both platforms."""

    app: App
    tg: TelegramBot
    wx: WeChatServer
    wx_api: FakeWeChat
    telegram: TelegramChannel
    wechat: WeChatChannel

    async def fetch(self) -> None:
        """Run each channel's photo fetcher over what is due."""
        for channel in (self.telegram, self.wechat):
            source = channel.photo_source()
            assert source is not None
            await PhotoFetcher(self.app.db, source, self.app.deps.clock).drain()

    async def drain(self) -> None:
        """Run both outbox senders over what is due."""
        for channel in (self.telegram, self.wechat):
            transport = channel.transport()
            assert transport is not None
            await OutboxSender(self.app.db, transport, self.app.deps.clock, TEST_LIMITS).drain()

    async def photos(self) -> list[Photo]:
        async with self.app.db.transaction() as session:
            return list((await session.execute(select(Photo).order_by(Photo.id))).scalars())


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def wx_api() -> AsyncIterator[FakeWeChat]:
    async with running(APPID, WX_SECRET) as fake:
        yield fake


@pytest.fixture
def settings(tg: FakeTelegram) -> Settings:
    return Settings(
        LINLI_LANG="zh_CN",
        TELEGRAM_TOKEN=TG_TOKEN,
        TELEGRAM_API_URL=tg.base_url,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
    )


@pytest.fixture
async def both(
    demo_app: App, tg: FakeTelegram, wx_api: FakeWeChat, clock: FakeClock
) -> AsyncIterator[Both]:
    telegram = TelegramChannel.from_app(demo_app)
    config = WeChatConfig(token=TOKEN, appid=APPID, secret=WX_SECRET, api_url=wx_api.url)
    wechat = WeChatChannel(demo_app, dataclasses.replace(config, aes_key=None))
    web = create_web_app(demo_app, [telegram, wechat], senders=False)
    async with (
        web.router.lifespan_context(web),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://linli") as http,
    ):
        yield Both(
            demo_app,
            TelegramBot(demo_app, tg, telegram, http, clock),
            WeChatServer(http, config, clock),
            wx_api,
            telegram,
            wechat,
        )


async def _wechat_report(both: Both, media_id: str) -> None:
    await register(both.wx, CHEN, "陈师傅")
    both.tg.clock.advance(minutes=1)
    await both.wx.script(
        CHEN,
        [("报事", "请选择问题类别"), ("5", "请简单描述问题"), ("楼下有人私装地锁", "有照片吗")],
    )
    assert "问题在哪里" in (await both.wx.image(CHEN, media_id)).text
    await both.wx.location(CHEN, 39.8883, 116.4618, "劲松一区103号楼")
    assert "已提交报事 #1" in await both.wx.say(CHEN, "1")


async def test_a_wechat_photo_is_fetched_and_reaches_the_telegram_grid_worker(both: Both) -> None:
    phone = jpeg()
    both.wx_api.media["MEDIA_lock_42"] = (phone, "image/jpeg")
    await both.tg.link(ZHANG, "张磊")
    await _wechat_report(both, "MEDIA_lock_42")
    [queued] = await both.photos()
    assert (queued.status, queued.channel, queued.role) == ("pending", "wechat", "before")
    await both.fetch()
    [photo] = await both.photos()
    assert photo.status == "ready" and photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (640, 480) and both.wx_api.media_gets == 1
    kept = opened(photo.data or b"")
    assert kept.format == "JPEG" and not dict(kept.getexif())  # the place it was taken: gone
    await both.drain()
    [notice] = both.tg.tg.sent(ZHANG.id)
    assert notice.method == "sendPhoto" and "新报事 #1" in str(notice.params.get("caption"))
    assert both.tg.tg.uploads == [photo.data]  # uploaded as bytes, not a WeChat media id


async def test_a_telegram_photo_after_the_fix_reaches_the_wechat_reporter(both: Both) -> None:
    both.wx_api.media["MEDIA_lock_42"] = (jpeg(), "image/jpeg")
    both.tg.tg.files["AgAC-after-fix"] = png()
    await both.tg.link(ZHANG, "张磊")
    await _wechat_report(both, "MEDIA_lock_42")
    await both.fetch()
    await both.drain()
    await both.tg.script(ZHANG, [("/report_status 1", "报事 #1"), ("[受理]", "已受理报事 #1")])
    await both.tg.script(ZHANG, [("/report_status 1", "报事 #1"), ("[办结]", "办结说明")])
    await both.tg.script(ZHANG, [("地锁已拆除，消防通道畅通", "处理后的照片")])
    assert (await both.tg.post(both.tg.tg.photo(ZHANG, "AgAC-after-fix"))).status_code == 200
    assert "报事 #1 已办结" in both.tg.new_for(ZHANG)
    async with both.app.db.transaction() as session:
        report = await session.get(GridReport, 1)
        assert report is not None and report.after_photo_ref == "telegram:AgAC-after-fix"
    await both.drain()  # the bytes are not there yet: the notice waits for them
    assert not any("已办结" in text for text in both.wx_api.texts_to(CHEN))
    await both.fetch()
    assert both.tg.tg.downloads == 1
    after = [p for p in await both.photos() if p.role == "after"]
    assert after[0].status == "ready" and opened(after[0].data or b"").size == (300, 200)
    both.tg.clock.advance(seconds=30)
    await both.drain()
    assert any("已办结" in text for text in both.wx_api.texts_to(CHEN))
    [media_id] = both.wx_api.images_to(CHEN)
    assert both.wx_api.uploads[media_id] == after[0].data


async def test_a_photo_the_platform_no_longer_has_fails_for_good(both: Both) -> None:
    await both.tg.link(ZHANG, "张磊")
    await _wechat_report(both, "MEDIA_expired")  # never in the fake: errcode 40007
    await both.fetch()
    [photo] = await both.photos()
    assert photo.status == "failed" and "gone" in (photo.error or "") and photo.data is None
    await both.drain()  # the grid worker still gets the notice, as text
    [notice] = both.tg.tg.sent(ZHANG.id)
    assert notice.method == "sendMessage" and "新报事 #1" in str(notice.params.get("text"))


async def test_what_is_not_a_picture_or_too_big_is_refused(both: Both) -> None:
    both.wx_api.media["MEDIA_lock_42"] = (b"%PDF-1.4 not a photo", "image/jpeg")
    await both.tg.link(ZHANG, "张磊")
    await _wechat_report(both, "MEDIA_lock_42")
    await both.fetch()
    [photo] = await both.photos()
    assert photo.status == "failed" and "not a picture" in (photo.error or "")
    # A file over the cap is refused without being kept (here a cap of 1 KiB on 2 KiB).
    source = both.wechat.photo_source()
    assert source is not None
    both.wx_api.media["MEDIA_big"] = (b"\xff" * 2048, "image/jpeg")
    with pytest.raises(ChannelError) as refused:
        await source.download("MEDIA_big", 1024)
    assert refused.value.kind == "too_big"
    both.tg.tg.files["big-file"] = b"\xff" * 2048  # Telegram: refused by getFile's size
    telegram = both.telegram.photo_source()
    with pytest.raises(ChannelError) as refused:
        await telegram.download("big-file", 1024)
    assert refused.value.kind == "too_big" and both.tg.tg.downloads == 0


async def test_a_network_failure_is_tried_again_later(both: Both, tg: FakeTelegram) -> None:
    both.wx_api.media["MEDIA_lock_42"] = (jpeg(), "image/jpeg")
    await both.tg.link(ZHANG, "张磊")
    await _wechat_report(both, "MEDIA_lock_42")
    real = both.wechat.config
    both.wechat.config = dataclasses.replace(real, api_url="http://127.0.0.1:9")  # nothing there
    both.wechat._api = None
    await both.fetch()
    [photo] = await both.photos()
    assert (photo.status, photo.attempts) == ("pending", 1) and "network" in (photo.error or "")
    both.wechat.config, both.wechat._api = real, None
    await both.fetch()  # not due yet: it backs off
    assert (await both.photos())[0].status == "pending"
    both.tg.clock.advance(seconds=31)
    await both.fetch()
    assert (await both.photos())[0].status == "ready"
