"""A grid report over Telegram with a typed place and photos before and after the fix: the
place resolves to the right grid, both photos reach the reporter on /report_status."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import GridReport
from tests.e2e.telegram.conftest import LIN, TelegramBot
from tests.e2e.telegram.test_features import LOCK, _register
from tests.support.fake_telegram import User

YANG = User(6003, "杨帆")  # the demo grid worker of 劲松北社区 第二网格


async def test_a_typed_place_and_photos_before_and_after(bot: TelegramBot) -> None:
    await bot.link(YANG, "杨帆")
    await _register(bot, LIN)
    await bot.script(LIN, [("/report", "请选择问题类别"), ("[私装地锁]", "请简单描述问题")])
    assert (await bot.post(bot.tg.photo(LIN, "before-photo", caption=LOCK))).status_code == 200
    assert "问题在哪里" in bot.new_for(LIN)
    confirm = await bot.send(LIN, "劲松一区106号楼南侧")
    assert "位置：劲松一区106号楼（您写的：劲松一区106号楼南侧）" in confirm
    assert "已转给第二网格的网格员" in await bot.send(LIN, "[✔ 确认提交]")
    await bot.drain()
    [notice] = bot.tg.sent(YANG.id)
    assert notice.method == "sendPhoto" and notice.params["photo"] == "before-photo"
    assert "位置：劲松一区106号楼（第二网格）" in bot.new_for(YANG)
    detail = await bot.send(YANG, "/report_status 1")
    assert "优先级：一般" in detail and "[办结]" in detail
    assert "办结说明" in await bot.send(YANG, "[办结]")
    assert "处理后的照片" in await bot.send(YANG, "地锁已拆除")
    assert (await bot.post(bot.tg.photo(YANG, "after-photo"))).status_code == 200
    assert "报事 #1 已办结" in bot.new_for(YANG)
    async with bot.app.db.transaction() as session:
        report = (await session.execute(select(GridReport))).scalar_one()
    assert (report.photo_ref, report.after_photo_ref) == (
        "telegram:before-photo",
        "telegram:after-photo",
    )
    assert report.place_text == "劲松一区106号楼南侧"
    await bot.drain()
    assert bot.tg.sent(LIN.id)[-1].params.get("photo") == "after-photo"  # the resolved notice
    bot.new_for(LIN)
    shown = len(bot.tg.sent(LIN.id))
    await bot.send(LIN, "/report_status 1")
    before, after = bot.tg.sent(LIN.id)[shown:]
    assert (before.method, before.params["photo"]) == ("sendPhoto", "before-photo")
    assert (after.method, after.params["photo"]) == ("sendPhoto", "after-photo")
    assert "报事 #1 办结后的照片" in after.params["caption"] and after.params.get("reply_markup")
