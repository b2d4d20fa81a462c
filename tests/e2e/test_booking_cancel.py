"""A booking of a unit's resource cancelled by the organizer who booked it or by the unit's
staff; the other side told in their own language; nobody else may cancel it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import AuditEntry, ResourceBooking
from tests.support.agencies import make_activity, resource_id
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import inbox, inbox_choices, refused


async def _book(chat: Chat, clock: FakeClock, title: str, days: int) -> tuple[int, int]:
    activity = await make_activity(chat.app, title, clock() + timedelta(days=days), hours=3)
    hall = await resource_id(chat.app, "学校礼堂")
    await chat.script(
        "王海燕",
        [(f"/book {hall}", "预约用于："), ("1", "活动编号："), (str(activity), "已预约 #")],
    )
    async with chat.app.db.transaction() as session:
        found = await session.execute(select(ResourceBooking.id).order_by(ResourceBooking.id))
        return list(found.scalars())[-1], activity


async def _status(chat: Chat, booking: int) -> str:
    async with chat.app.db.transaction() as session:
        found = await session.get(ResourceBooking, booking)
        assert found is not None
        return found.status


async def test_the_organizer_cancels_and_the_unit_is_told(chat: Chat, clock: FakeClock) -> None:
    booking, _ = await _book(chat, clock, "邻里文艺汇演", 5)
    assert [f"/book_cancel {booking}"] in await inbox_choices(chat.app, "何老师")
    assert refused(await chat.text("李梦瑶", f"/book_cancel {booking} 不是我的"))
    assert refused(await chat.text("陈永福", f"/book_cancel {booking}"))
    assert await _status(chat, booking) == "booked"
    answer = await chat.text("王海燕", f"/book_cancel {booking} 活动改期")
    assert f"已取消预约 #{booking}（学校礼堂），对方已收到通知。" in answer
    assert await _status(chat, booking) == "cancelled"
    assert (await inbox(chat.app, "何老师"))[-1] == (
        f"王海燕取消了预约 #{booking}：劲松中学的学校礼堂，"
        "2026-12-05 10:00–2026-12-05 13:00。原因：活动改期"
    )
    assert "已经取消了" in await chat.text("王海燕", f"/book_cancel {booking}")
    # the venue is free again: another activity at the same time may have it
    again, _ = await _book(chat, clock, "健康讲座", 5)
    assert again != booking
    async with chat.app.db.transaction() as session:
        audited = await session.execute(
            select(AuditEntry.action).where(AuditEntry.action == "resource.cancel")
        )
        assert list(audited.scalars()) == ["resource.cancel"]


async def test_the_unit_cancels_and_the_organizer_is_told_in_english(
    chat: Chat, clock: FakeClock
) -> None:
    booking, _ = await _book(chat, clock, "邻里文艺汇演", 5)
    await chat.text("王海燕", "/lang")
    await chat.text("王海燕", "2")
    answer = await chat.text("何老师", f"/book_cancel {booking} 礼堂漏水维修")
    assert "已取消预约" in answer
    assert (await inbox(chat.app, "王海燕"))[-1] == (
        f"何老师 cancelled booking #{booking}: 学校礼堂 of 劲松中学, "
        "5 Dec 2026 10:00–5 Dec 2026 13:00. Reason: 礼堂漏水维修"
    )
    assert "Usage: /book_cancel" in await chat.text("王海燕", "/book_cancel")
