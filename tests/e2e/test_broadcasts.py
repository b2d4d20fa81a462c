"""Broadcasts (通知) end to end: compose, audience, authorization, schedule, progress, cancel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.bootstrap import App
from bot.sender import Limits, OutboxSender
from handlers.sweeps import Sweeper
from storage.models import AuditEntry, Broadcast, DueJob, OutboxMessage, Region
from storage.repos import broadcasts as repo
from tests.support.audience import demo_audience
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.transport import ScriptedTransport

ORGANIZER = "王海燕"  # organizer of 劲松北社区 (CY-JS-01)


COMPOSE = [
    ("/broadcast", "请选择发送范围"),
    ("1", "发给谁"),  # 劲松北社区 (the whole community)
    ("2", "只发给有某些技能的志愿者吗"),  # volunteers
    ("1", "按语言筛选"),  # any skill
    ("1", "请输入通知内容"),  # all languages
    ("本周六上午九点在社区广场集合，参加冬季扫雪志愿活动。", "什么时候发送"),
]


async def test_organizer_broadcasts_to_the_volunteers_of_a_community(chat: Chat) -> None:
    volunteers = demo_audience("CY-JS-01", "volunteers")
    await chat.script(ORGANIZER, COMPOSE)
    preview = await chat.text(ORGANIZER, "1")  # now
    assert f"将发送给 {volunteers} 人（{volunteers} 条消息）" in preview
    assert "📢 劲松北社区通知" in preview and "冬季扫雪" in preview and "对象：志愿者" in preview
    done = await chat.text(ORGANIZER, "1")  # confirm
    assert f"已进入发送队列，共 {volunteers} 条消息" in done
    async with chat.app.db.transaction() as session:
        broadcast = (await session.execute(select(Broadcast))).scalar_one()
        rows = (
            (
                await session.execute(
                    select(OutboxMessage).where(OutboxMessage.broadcast_id.is_not(None))
                )
            )
            .scalars()
            .all()
        )
        audited = await session.scalar(
            select(func.count()).where(AuditEntry.action == "broadcast.create")
        )
    assert broadcast.recipients == volunteers == len(rows) and audited == 1
    assert {r.kind for r in rows} == {"broadcast"} and {r.status for r in rows} == {"pending"}
    assert "王秀兰" in {r.external_id for r in rows}  # a volunteer of 第一网格
    assert "冬季扫雪" in rows[0].payload["text"]
    status = await chat.text(ORGANIZER, f"/broadcast_status {broadcast.id}")
    assert f"待发送 {volunteers}" in status and "发送中" in status


@pytest.mark.parametrize(
    ("prefix", "role", "skills", "lang"),
    [
        ("CY-JS-01", "everyone", (), None),
        ("CY-JS-01", "volunteers", (), None),
        ("CY-JS-01", "volunteers", ("medical_escort",), None),
        ("CY-JS-01", "volunteers", ("medical_escort", "plumbing"), None),
        ("CY-JS-01-G1", "volunteers", (), None),
        ("CY-JS-01", "organizers", (), None),
        ("CY-JS-01", "grid_workers", (), None),
        ("CY-JS", "grid_workers", (), None),
        ("CY-JS-02", "volunteers", (), "en"),
        ("CY-JS-02", "everyone", (), "en"),
        ("CY-JS", "everyone", (), "zh_CN"),
    ],
)
async def test_audience_counts_per_scope_role_skill_and_language(
    demo_app: App, prefix: str, role: str, skills: tuple[str, ...], lang: str | None
) -> None:
    async with demo_app.db.transaction() as session:
        region = (await session.execute(select(Region).where(Region.code == prefix))).scalar_one()
        people, messages = await repo.count(
            session, repo.recipients(region.path, [role], skills, lang)
        )
    assert people == messages == demo_audience(prefix, role, skills, lang) > 0


async def test_skills_are_typed_by_name(chat: Chat) -> None:
    await chat.script(ORGANIZER, COMPOSE[:3])
    assert "没有找到这些技能：扫地机器人" in await chat.text(ORGANIZER, "陪诊，扫地机器人")
    await chat.script(ORGANIZER, [("陪诊、水电维修", "按语言筛选"), *COMPOSE[4:]])
    wanted = demo_audience("CY-JS-01", "volunteers", ("medical_escort", "plumbing"))
    assert f"将发送给 {wanted} 人" in await chat.text(ORGANIZER, "1")


async def test_skills_in_everyday_words(chat: Chat) -> None:
    await chat.script(ORGANIZER, COMPOSE[:3])
    await chat.script(ORGANIZER, [("会开车的，还有懂急救的", "按语言筛选"), *COMPOSE[4:]])
    wanted = demo_audience("CY-JS-01", "volunteers", ("driving", "first_aid"))
    assert f"将发送给 {wanted} 人" in await chat.text(ORGANIZER, "1")


@pytest.mark.parametrize("who", ["王凤兰", "张磊"])  # a resident, a grid worker
async def test_residents_and_grid_workers_may_not_broadcast(chat: Chat, who: str) -> None:
    assert "您没有权限" in await chat.text(who, "/broadcast")
    assert "您没有权限" in await chat.text(who, "通知")
    assert "您没有权限" in await chat.text(who, "/broadcast_status")


async def test_an_organizer_addresses_only_their_own_area(chat: Chat) -> None:
    text = await chat.text("李梦瑶", "/broadcast")  # organizer of 百环社区
    assert "百环社区" in text and "劲松北社区" not in text
    await chat.script(ORGANIZER, [*COMPOSE, ("1", "确认发送"), ("1", "已进入发送队列")])
    assert "您没有权限" in await chat.text("李梦瑶", "/broadcast_status 1")
    assert "您没有权限" in await chat.text("李梦瑶", "/broadcast_cancel 1")
    assert "通知 #1" in await chat.text("刘文静", "/broadcast_status 1")  # the street's admin


async def test_text_limit_and_nobody_to_reach(chat: Chat) -> None:
    await chat.script(ORGANIZER, COMPOSE[:5])
    assert "通知太长了：1001 个字，最多 1000 个字" in await chat.text(ORGANIZER, "长" * 1001)
    await chat.script(ORGANIZER, [("/cancel", "已取消")])
    english_only = [
        *COMPOSE[:4],
        ("3", "请输入通知内容"),
        ("Snow clearing on Saturday", "什么时候"),
    ]
    await chat.script(ORGANIZER, english_only)  # no volunteer of 劲松北社区 reads English
    assert "没有可以接收的人" in await chat.text(ORGANIZER, "1")


async def test_cancel_mid_way_stops_what_has_not_gone_out(chat: Chat, clock: FakeClock) -> None:
    await chat.script(ORGANIZER, [*COMPOSE, ("1", "确认发送"), ("1", "已进入发送队列")])
    total = demo_audience("CY-JS-01", "volunteers")
    transport = ScriptedTransport()
    sender = OutboxSender(
        chat.app.db, transport, clock, Limits(per_second=1000, in_flight=5, lease_s=30)
    )
    assert (await sender.drain(max_rounds=1)).sent == 5
    text = await chat.text(ORGANIZER, "/broadcast_cancel 1")
    assert f"{total - 5} 条尚未发出的消息不再发送（已发送 5 条）" in text
    assert (await sender.drain()).sent == 0
    status = await chat.text(ORGANIZER, "/broadcast_status 1")
    assert "已取消" in status and "已发送 5" in status and f"已取消 {total - 5}" in status
    assert "已经取消" in await chat.text(ORGANIZER, "/broadcast_cancel 1")


async def test_a_scheduled_broadcast_starts_at_its_time(chat: Chat, clock: FakeClock) -> None:
    await chat.script(ORGANIZER, COMPOSE)
    confirm = await chat.text(ORGANIZER, "明天 9:00")  # clock: 2026-11-30 10:00 in Beijing
    assert "时间：2026-12-01 09:00" in confirm
    assert "2026-12-01 09:00 开始发送" in await chat.text(ORGANIZER, "1")
    sweeper = Sweeper(chat.app.deps)
    async with chat.app.db.transaction() as session:
        job = (await session.execute(select(DueJob))).scalar_one()  # nothing else planned yet
        assert (job.kind, job.ref) == ("broadcast_start", "1")
    clock.advance(hours=22, minutes=59)  # 08:59 local: not yet
    await sweeper.tick()
    assert "定时发送" in await chat.text(ORGANIZER, "/broadcast_status 1")
    clock.advance(minutes=1)
    assert (await sweeper.tick()).kinds.get("broadcast_start") == 1
    total = demo_audience("CY-JS-01", "volunteers")
    assert f"待发送 {total}" in await chat.text(ORGANIZER, "/broadcast_status 1")


async def test_a_cancelled_scheduled_broadcast_never_starts(chat: Chat, clock: FakeClock) -> None:
    await chat.script(ORGANIZER, [*COMPOSE, ("18:30", "确认发送"), ("1", "开始发送")])
    assert "0 条尚未发出" in await chat.text(ORGANIZER, "/broadcast_cancel 1")
    clock.advance(days=1)
    await Sweeper(chat.app.deps).tick()
    async with chat.app.db.transaction() as session:  # (the day's other sweeps may write)
        of_it = (
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.broadcast_id == 1)
        )
        assert await session.scalar(of_it) == 0
        started = select(DueJob.status).where(DueJob.kind == "broadcast_start")
        assert (await session.execute(started)).scalar_one() == "cancelled"


async def test_quiet_hours_hold_a_notice_until_morning(chat: Chat, clock: FakeClock) -> None:
    clock.advance(hours=13)  # 23:00 in Beijing
    await chat.script(
        ORGANIZER, [*COMPOSE, ("1", "确认发送"), ("1", "将于 2026-12-01 08:00 开始发送")]
    )
    async with chat.app.db.transaction() as session:
        waits = (await session.execute(select(OutboxMessage.not_before))).scalars().all()
    assert waits and all(at == clock() + timedelta(hours=9) for at in waits)


async def test_status_lists_the_latest_and_the_cli_shows_one(chat: Chat) -> None:
    assert "还没有通知" in await chat.text(ORGANIZER, "/broadcast_status")
    await chat.script(ORGANIZER, [*COMPOSE, ("1", "确认发送"), ("1", "已进入发送队列")])
    assert "通知 #1" in await chat.text(ORGANIZER, "/broadcast_status")
    assert "没有编号为 99 的通知" in await chat.text(ORGANIZER, "/broadcast_status 99")


async def test_a_finished_broadcast_cannot_be_cancelled(chat: Chat, clock: FakeClock) -> None:
    await chat.script(ORGANIZER, [*COMPOSE, ("1", "确认发送"), ("1", "已进入发送队列")])
    await OutboxSender(chat.app.db, ScriptedTransport(), clock, Limits(per_second=1000)).drain()
    assert "已全部发完" in await chat.text(ORGANIZER, "/broadcast_cancel 1")
    assert "已发完" in await chat.text(ORGANIZER, "/broadcast_status 1")
