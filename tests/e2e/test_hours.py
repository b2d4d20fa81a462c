"""Service hours end to end: recording, /hours and stars, corrections and who decides, export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from handlers.core.errors import InvalidInput
from handlers.hours import export_records
from storage.models import AuditEntry
from tests.e2e.test_activities import publish
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.volunteering import (
    Talk,
    outbox_texts,
    person_id,
    profile,
    record,
    stored_record,
)


@pytest.fixture
def talk(chat: Chat, clock: FakeClock) -> Talk:
    """The demo chat, paced."""
    return Talk(chat, clock)


async def test_recording_rounds_counts_and_thanks(chat: Chat, clock: FakeClock) -> None:
    served = clock.now - timedelta(days=1)
    record_id = await record(chat, "王秀兰", "1.25", served)
    assert (await stored_record(chat, record_id)).hours == Decimal("1.5")
    stored = await profile(chat, "王秀兰")
    assert stored is not None and stored.completions == 1 and stored.last_task_at == served
    older = await record(chat, "王秀兰", "1.2", served - timedelta(days=3))
    assert (await stored_record(chat, older)).hours == Decimal("1.0")
    stored = await profile(chat, "王秀兰")
    assert stored is not None and stored.completions == 2 and stored.last_task_at == served
    texts = await outbox_texts(chat, "王秀兰")
    assert "已记录（#1）：陪同就医，1.5 小时（2026-11-29）。累计 1.5 小时" in texts[0]
    assert "累计 2.5 小时" in texts[1]


async def test_recording_refuses_bad_hours_and_content(chat: Chat, clock: FakeClock) -> None:
    for hours in ("-1", "24.5", "NaN"):
        with pytest.raises(InvalidInput):
            await record(chat, "王秀兰", hours, clock.now)
    with pytest.raises(InvalidInput):
        await record(chat, "王秀兰", "2", clock.now, content="  ")
    stored = await profile(chat, "王秀兰")
    assert stored is not None and stored.completions == 0


async def test_a_new_star_is_announced_once(chat: Chat, clock: FakeClock) -> None:
    for _ in range(4):
        await record(chat, "王秀兰", "24", clock.now - timedelta(days=10))
    await record(chat, "王秀兰", "3.5", clock.now - timedelta(days=5))  # 99.5 h
    assert not any("星志愿者" in t for t in await outbox_texts(chat, "王秀兰"))
    await record(chat, "王秀兰", "0.5", clock.now - timedelta(days=1))  # 100 h
    await record(chat, "王秀兰", "2", clock.now)
    stars = [t for t in await outbox_texts(chat, "王秀兰") if "星志愿者" in t]
    assert stars == ["🎉 恭喜您！志愿服务累计 100.0 小时，成为 1 星志愿者！"]


async def test_hours_shows_totals_year_stars_and_the_next_star(talk: Talk) -> None:
    chat = talk.chat
    assert "还没有服务记录" in await talk.text("王秀兰", "/hours")
    # 23:00 on 31 December in Beijing is last year; 01:00 on 1 January is this year.
    await record(chat, "王秀兰", "4", datetime(2025, 12, 31, 15, 0, tzinfo=UTC))
    await record(chat, "王秀兰", "2", datetime(2025, 12, 31, 17, 0, tzinfo=UTC), content="上门探访")
    for _ in range(12):
        await record(chat, "王秀兰", "24", datetime(2026, 6, 1, tzinfo=UTC))
    await record(chat, "王秀兰", "5.5", datetime(2026, 11, 1, tzinfo=UTC), content="助餐送餐")
    shown = await talk.text("王秀兰", "/hours")
    assert "累计：299.5 小时（2026 年：295.5 小时）" in shown
    assert "星级：★ 1 星志愿者" in shown and "距 2 星志愿者还差 0.5 小时" in shown
    assert "2026-11-01 助餐送餐（#15）· 朝阳医院 · 5.5 小时" in shown
    assert "2026-01-01 上门探访（#2）" not in shown  # only the latest five
    for _ in range(51):
        await record(chat, "王秀兰", "24", datetime(2026, 7, 1, tzinfo=UTC))
    assert "★★★★★ 5 星志愿者" in (top := await talk.text("王秀兰", "我的时长"))
    assert "已达到最高星级" in top


async def test_correction_is_asked_reviewed_and_audited(talk: Talk, clock: FakeClock) -> None:
    chat = talk.chat
    record_id = await record(chat, "王秀兰", "2.3", clock.now - timedelta(days=2))
    other = await record(chat, "陈永福", "1", clock.now - timedelta(days=2))
    await talk.script(
        "王秀兰",
        [
            ("/hours_fix", "请在命令后写上服务需求号"),
            (f"/hours_fix {other}", f"找不到您的服务记录 {other}"),  # someone else's
            ("/hours", "申请更正 #1"),
            ("1", "现在是 2.5 小时"),
            ("两个半小时", "和现在的时长一样（2.5 小时）"),  # everyday words are hours too
            ("好几个钟头吧", "请输入小时数"),
            ("30", "时长应在 0 到 24.0 小时之间"),
            ("2.5", "和现在的时长一样"),
            ("3.2", "请简单说明更正原因"),  # rounded to 3.0
            ("   ", "原因不能为空"),
            ("看完病又陪老人取了药", "从 2.5 小时改为 3.0 小时"),
            (f"/hours_fix {record_id}", "已有一条更正申请在审核中"),
            ("/hours", "（更正审核中：3.0 小时）"),
        ],
    )
    requests = [t for t in await outbox_texts(chat, "王海燕") if "申请更正服务记录" in t]
    assert requests and "2.5 → 3.0 小时。原因：看完病又陪老人取了药" in requests[0]
    # Only organizers over the record's region decide.
    assert "您没有权限" in await talk.text("陈永福", "/hours_review")
    assert "没有待审核" in await talk.text("李梦瑶", "/hours_review")  # 百环社区's organizer
    for who in ("陈永福", "李梦瑶", "张磊"):
        assert "您没有权限" in await talk.text(who, payload=f"hours_ok:{record_id}")
    assert (await stored_record(chat, record_id)).hours == Decimal("2.5")
    review = await talk.text("王海燕", "/hours_review")
    assert "王秀兰：陪同就医（#1，2026-11-28）2.5 → 3.0 小时" in review
    assert "已通过：#1 的记录改为 3.0 小时" in await talk.text("王海燕", "1")
    assert "已经处理过了" in await talk.text("孙建平", payload=f"hours_no:{record_id}")
    stored = await stored_record(chat, record_id)
    assert (stored.hours, stored.correction_requested, stored.correction_reason) == (
        Decimal("3.0"),
        None,
        None,
    )
    assert "已通过：2.5 → 3.0 小时。累计 3.0 小时" in (await outbox_texts(chat, "王秀兰"))[-1]
    async with chat.app.db.transaction() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "hours.correction_approved")
        )
    assert entry is not None and entry.actor_id == await person_id(chat, "王海燕")
    assert entry.details == {"old": "2.5", "requested": "3.0", "reason": "看完病又陪老人取了药"}


async def test_a_rejected_correction_keeps_the_hours(talk: Talk, clock: FakeClock) -> None:
    record_id = await record(talk.chat, "王秀兰", "2", clock.now - timedelta(days=1))
    await talk.script(
        "王秀兰", [(f"/hours_fix {record_id}", "现在是 2.0 小时"), ("5", "原因"), ("路上堵车", "")]
    )
    assert "已驳回" in await talk.text("刘文静", payload=f"hours_no:{record_id}")  # street admin
    stored = await stored_record(talk.chat, record_id)
    assert stored.hours == Decimal("2.0") and stored.correction_requested is None
    assert "未通过，时长仍为 2.0 小时" in (await outbox_texts(talk.chat, "王秀兰"))[-1]
    assert "申请更正 #1" in await talk.text("王秀兰", "/hours")  # may ask again


async def test_export_has_the_recording_rules_fields(chat: Chat, clock: FakeClock) -> None:
    served = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
    organizer = await person_id(chat, "王海燕")
    await record(
        chat,
        "王秀兰",
        "2",
        served,
        organizer_id=organizer,
        recorded_by_id=organizer,
        evaluation="老人很满意",
    )
    await record(chat, "李梦瑶", "1", served, region_id=None)
    async with chat.app.db.transaction() as session:
        rows = await export_records(session)
        from storage.repos import regions

        scoped = await export_records(session, await regions.by_code(session, "CY-JS-01"))
    assert len(rows) == 2 and len(scoped) == 1
    row = rows[0]
    assert list(row) == [
        "id",
        "volunteer_id",
        "volunteer",
        "content",
        "served_at",
        "place",
        "region",
        "hours",
        "organizer",
        "recorder",
        "evaluation",
        "need_id",
        "activity",
        "recorded_at",
        "correction_pending",
    ]
    assert row["volunteer"] == "王秀兰" and row["content"] == "陪同就医"
    assert row["served_at"] == "2026-11-20T01:30:00+00:00" and row["place"] == "朝阳医院"
    assert row["region"] == "劲松北社区" and row["hours"] == Decimal("2.0")
    assert (row["organizer"], row["recorder"], row["evaluation"]) == (
        "王海燕",
        "王海燕",
        "老人很满意",
    )


async def test_hours_in_english(talk: Talk, clock: FakeClock) -> None:
    await record(talk.chat, "Michael Brown", "3", clock.now - timedelta(days=1), content="Tutoring")
    shown = await talk.text("Michael Brown", "/hours")
    assert "Total: 3.0 h (2026: 3.0 h)" in shown and "97.0 h more to become a 1-star" in shown
    assert "Correct #1" in shown


async def test_a_service_items_record_reads_in_the_volunteers_language(
    talk: Talk, clock: FakeClock
) -> None:
    # A task's record holds the service item's Chinese name (the recording rules' language).
    for name in ("Michael Brown", "王秀兰"):
        await record(talk.chat, name, "2", clock.now - timedelta(days=1), content="陪诊服务")
    english = await outbox_texts(talk.chat, "Michael Brown")
    assert any("Medical escort service, 2.0 h" in t for t in english), english
    assert "Medical escort service" in await talk.text("Michael Brown", "/hours")
    assert any("陪诊服务，2.0 小时" in t for t in await outbox_texts(talk.chat, "王秀兰"))
    assert "陪诊服务" in await talk.text("王秀兰", "/hours")
    (row,) = [r for r in await _export(talk) if r["volunteer"] == "Michael Brown"]
    assert row["content"] == "陪诊服务"  # the record itself stays as recorded


async def _export(talk: Talk) -> list[dict[str, object]]:
    async with talk.chat.app.db.transaction() as session:
        return await export_records(session)


@pytest.mark.parametrize(
    ("name", "thanks", "line"),
    [
        (
            "王秀兰",
            "已记录活动「楼道清扫日」，2.0 小时",
            "活动「楼道清扫日」 · 朝阳医院 · 2.0 小时",
        ),
        (
            "James Miller",
            "Recorded: activity “楼道清扫日”, 2.0 h",
            "activity “楼道清扫日” · 朝阳医院 · 2.0 h",
        ),
    ],
)
async def test_an_activity_is_named_once_not_twice(
    talk: Talk, clock: FakeClock, name: str, thanks: str, line: str
) -> None:
    """Hours from an activity carry its title as their content: the thanks, /hours and the
    review say the title once ("已记录（活动「X」）：X" was the old wording)."""
    chat = talk.chat
    activity = await publish(chat)
    await record(
        chat,
        name,
        "2",
        clock.now - timedelta(days=1),
        content=activity.title,
        activity_id=activity.id,
    )
    [said] = [t for t in await outbox_texts(chat, name) if "楼道清扫日" in t]
    assert thanks in said and said.count("楼道清扫日") == 1
    listing = await talk.text(name, "/hours")
    [row] = [r for r in listing.splitlines() if r.startswith("2026-")]
    assert row.endswith(line) and row.count("楼道清扫日") == 1
    [exported] = await _export(talk)  # the export names the activity, not an id
    assert (exported["activity"], exported["need_id"]) == ("楼道清扫日", "")


async def test_the_review_names_an_activity_once(talk: Talk, clock: FakeClock) -> None:
    chat = talk.chat
    activity = await publish(chat)
    served = clock.now - timedelta(days=2)
    await record(chat, "王秀兰", "2", served, content=activity.title, activity_id=activity.id)
    assert "申请更正 活动「楼道清扫日」" in await talk.text("王秀兰", "/hours")
    asked = await talk.text("王秀兰", "1")  # the button names the record, not "rNone"
    assert "活动「楼道清扫日」，现在是 2.0 小时" in asked and asked.count("楼道清扫日") == 1
    await talk.script("王秀兰", [("3", "原因"), ("多干了一小时", "从 2.0 小时改为 3.0 小时")])
    [request] = [t for t in await outbox_texts(chat, "王海燕") if "申请更正服务记录" in t]
    assert "（活动「楼道清扫日」）：2.0 → 3.0 小时" in request
    review = await talk.text("王海燕", "/hours_review")
    assert "王秀兰：活动「楼道清扫日」（2026-11-28）2.0 → 3.0 小时" in review
