"""A grid report over WeChat (signed XML): a typed place, a photo at reporting and one after the
fix, both sent to the reporter by the customer-service API when they look at the report."""

from __future__ import annotations

from sqlalchemy import select

from bot.bootstrap import App
from bot.channels.wechat import WeChatChannel
from storage.models import GridReport, Identity, Person
from tests.e2e.wechat.test_wechat_dialogs import register
from tests.e2e.wechat.test_wechat_outbound import drain
from tests.e2e.wechat.wx import WeChatServer
from tests.support.clock import FakeClock
from tests.support.fake_wechat import FakeWeChat

REPORTER, WORKER = "oReportPlace01", "oYangFan00001"


async def test_typed_place_and_photos_before_and_after(
    wx: WeChatServer,
    demo_app: App,
    channel: WeChatChannel,
    fake_api: FakeWeChat,
    clock: FakeClock,
) -> None:
    async with demo_app.db.transaction() as session:
        worker = await session.scalar(select(Person).where(Person.display_name == "杨帆"))
        assert worker is not None
        session.add(Identity(person_id=worker.id, channel="wechat", external_id=WORKER))
    await register(wx, REPORTER, "陈师傅")
    clock.advance(minutes=1)
    await wx.script(
        REPORTER,
        [("报事", "请选择问题类别"), ("5", "请简单描述问题"), ("楼下有人私装地锁", "有照片吗")],
    )
    assert "问题在哪里" in (await wx.image(REPORTER, "MEDIA_before")).text
    shown = await wx.say(REPORTER, "劲松一区106号楼南侧")
    assert "位置：劲松一区106号楼（您写的：劲松一区106号楼南侧）" in shown
    assert "已转给第二网格的网格员" in await wx.say(REPORTER, "1")
    await wx.say(WORKER, "你好")  # opens the worker's 48-hour window
    detail = await wx.say(WORKER, "/report_status 1")
    assert "位置：劲松一区106号楼（第二网格）" in detail and "优先级：一般" in detail
    assert "3. 办结" in detail
    assert "办结说明" in await wx.say(WORKER, "3")
    assert "处理后的照片" in await wx.say(WORKER, "地锁已拆除")
    assert "报事 #1 已办结" in (await wx.image(WORKER, "MEDIA_after")).text
    async with demo_app.db.transaction() as session:
        report = (await session.execute(select(GridReport))).scalar_one()
    assert (report.photo_ref, report.after_photo_ref) == (
        "wechat:MEDIA_before",
        "wechat:MEDIA_after",
    )
    await drain(demo_app, channel, clock)
    fake_api.custom.clear()
    clock.advance(minutes=1)
    assert "照片：有（上报时一张，办结后一张）" in await wx.say(REPORTER, "/report_status 1")
    await drain(demo_app, channel, clock)
    images = [
        m["image"]["media_id"] for m in fake_api.custom if m["touser"] == REPORTER and "image" in m
    ]
    assert images == ["MEDIA_before", "MEDIA_after"]
