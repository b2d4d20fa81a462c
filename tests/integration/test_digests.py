"""What the periodic sweeps send: honour roll, weekly digest, escalations, stale items, purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from bot.bootstrap import App
from handlers.sweeps import PERIODIC, Sweeper, build_registry
from storage.models import (
    Broadcast,
    CallbackNonce,
    Download,
    DueJob,
    GridReport,
    Need,
    OutboxMessage,
    Person,
    ProcessedUpdate,
    Proposal,
    ProposalEvent,
    Region,
    ServiceItem,
    ServiceRecord,
)
from storage.repos import downloads
from tests.support.clock import FakeClock


def _sweeper(app: App, *kinds: str) -> Sweeper:
    """A sweeper running only some of the real periodic sweeps."""
    registry = build_registry()
    return Sweeper(
        app.deps,
        {k: registry[k] for k in kinds},
        periodic=tuple(p for p in PERIODIC if p.kind in kinds),
    )


async def _ids(app: App, *names: str) -> dict[str, int]:
    async with app.db.transaction() as session:
        rows = await session.execute(
            select(Person.display_name, Person.id).where(Person.display_name.in_(names))
        )
    return dict(rows.all())


async def _region(app: App, code: str) -> Region:
    async with app.db.transaction() as session:
        return (await session.execute(select(Region).where(Region.code == code))).scalar_one()


async def _inbox(app: App) -> dict[str, list[str]]:
    async with app.db.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.external_id, OutboxMessage.payload).order_by(OutboxMessage.id)
        )
    inbox: dict[str, list[str]] = {}
    for who, payload in rows.all():
        inbox.setdefault(who, []).append(payload["text"])
    return inbox


def _local(day: int, hour: int, month: int = 11) -> datetime:
    """A Beijing wall-clock time in 2026, in UTC."""
    return datetime(2026, month, day, hour, tzinfo=UTC) - timedelta(hours=8)


async def test_honour_roll_names_last_months_top_volunteers(
    demo_app: App, clock: FakeClock
) -> None:
    people = await _ids(demo_app, "王秀兰", "李建国", "黄文斌", "刘德胜", "张淑珍", "王芳")
    served = [
        ("王秀兰", _local(3, 9), "8"),
        ("王秀兰", _local(20, 14), "4.5"),
        ("李建国", _local(12, 10), "6"),
        ("黄文斌", _local(15, 9), "20"),  # the most hours, but chose not to be named
        ("刘德胜", _local(30, 23), "3"),  # 23:00 on the 30th, local: still November
        ("张淑珍", _local(31, 9, month=10), "30"),  # October
        ("李建国", _local(1, 0, month=12), "9"),  # midnight, December 1st: next month
    ]
    async with demo_app.db.transaction() as session:
        for name, at, hours in served:
            session.add(
                ServiceRecord(
                    person_id=people[name], content="服务", served_at=at, hours=Decimal(hours)
                )
            )
    clock.now = _local(1, 10, month=12)
    stats = await _sweeper(demo_app, "honour_roll").tick()
    assert stats.kinds == {"honour_roll": 1}
    inbox = await _inbox(demo_app)
    [text] = inbox["王海燕"]  # the community's organizer
    assert "劲松北社区 2026年11月志愿服务嘉奖榜" in text
    assert "1. 王秀兰　12.5 小时\n2. 李建国　6 小时\n3. 刘德胜　3 小时" in text
    assert "黄文斌" not in text and "张淑珍" not in text
    assert "本月共有 4 位志愿者服务 41.5 小时" in text
    assert inbox["张淑珍"] == [text] and inbox["黄文斌"] == [text]  # every volunteer there
    assert "王凤兰" not in inbox  # residents are not messaged every month
    assert "李梦瑶" not in inbox  # 百环社区 had no recorded service
    async with demo_app.db.transaction() as session:
        [roll] = (await session.execute(select(Broadcast))).scalars().all()
    assert roll.author_id is None and roll.audience["system"] == "honour_roll"
    assert roll.recipients == len(inbox)
    await _sweeper(demo_app, "honour_roll").tick()  # another worker, same month: nothing more
    assert await _inbox(demo_app) == inbox


async def test_weekly_digest_counts_what_waits_per_community(
    demo_app: App, clock: FakeClock
) -> None:
    clock.now = _local(30, 9)  # Monday 09:00
    grid = await _region(demo_app, "CY-JS-01-G1")
    baihuan = await _region(demo_app, "CY-JS-02")
    async with demo_app.db.transaction() as session:
        item = (await session.execute(select(ServiceItem).limit(1))).scalar_one()
        session.add(Need(service_item_id=item.id, region_id=grid.id, status="open"))
        session.add(Need(service_item_id=item.id, region_id=grid.id, status="done"))
        for due in (clock() - timedelta(hours=1), clock() + timedelta(hours=1)):
            session.add(
                GridReport(category="other", region_id=grid.id, grid_id=grid.id, respond_due=due)
            )
        session.add(
            Proposal(
                community_id=baihuan.id,
                region_id=baihuan.id,
                title="加装电梯",
                category="facilities",
                status="on_agenda",
            )
        )
    assert (await _sweeper(demo_app, "weekly_digest").tick()).kinds == {"weekly_digest": 1}
    inbox = await _inbox(demo_app)
    line = "劲松北社区：待匹配需求 1 · 超时报事 1 · 待上会提案 0 · 已达附议门槛 0"
    assert inbox["王海燕"] == inbox["孙建平"] and line in inbox["王海燕"][0]
    assert "百环社区：待匹配需求 0 · 超时报事 0 · 待上会提案 1" in inbox["李梦瑶"][0]
    assert "陈国栋" not in inbox  # nothing waits in 劲松中社区: no message
    assert "刘文静" not in inbox and "张磊" not in inbox  # not organizers


async def test_escalation_chain_runs_on_the_five_minute_sweep(
    demo_app: App, clock: FakeClock
) -> None:
    grid = await _region(demo_app, "CY-JS-01-G1")
    async with demo_app.db.transaction() as session:
        report = GridReport(
            category="other",
            region_id=grid.id,
            grid_id=grid.id,
            respond_due=clock() + timedelta(hours=2),
            resolve_due=clock() + timedelta(days=2),
        )
        session.add(report)
    sweeper = _sweeper(demo_app, "escalate_reports")

    async def level() -> int:
        async with demo_app.db.transaction() as session:
            return int(await session.scalar(select(GridReport.escalation_level)) or 0)

    await sweeper.tick()
    assert await level() == 0
    clock.advance(hours=2, minutes=5)  # no response in time
    await sweeper.tick()
    assert await level() == 1
    told = await _inbox(demo_app)
    assert "刘文静" in told  # the street's admin reviews escalations
    clock.advance(days=2)  # not resolved in time either
    await sweeper.tick()
    assert await level() == 2
    clock.advance(minutes=5)
    await sweeper.tick()  # the next sweep sends nothing again
    again = await _inbox(demo_app)
    assert sum(map(len, again.values())) == sum(map(len, told.values())) * 2


async def test_stale_agenda_items_are_flagged_by_the_daily_sweep(
    demo_app: App, clock: FakeClock
) -> None:
    community = await _region(demo_app, "CY-JS-01")
    async with demo_app.db.transaction() as session:
        proposal = Proposal(
            community_id=community.id,
            region_id=community.id,
            title="楼道照明",
            category="facilities",
            status="on_agenda",
        )
        session.add(proposal)
        await session.flush()
        session.add(
            ProposalEvent(proposal_id=proposal.id, kind="seconded", at=clock() - timedelta(days=31))
        )
    clock.now = _local(1, 9, month=12)
    assert (await _sweeper(demo_app, "flag_stale_proposals").tick()).kinds
    async with demo_app.db.transaction() as session:
        assert await session.scalar(select(Proposal.stale_flagged_at)) is not None
    assert "楼道照明" in (await _inbox(demo_app))["王海燕"][0]


async def test_purge_forgets_old_update_ids_finished_jobs_and_expired_files(
    app: App, clock: FakeClock
) -> None:
    now = clock()
    async with app.db.transaction() as session:
        for key, age in (("old", 15), ("fresh", 1)):
            session.add(
                ProcessedUpdate(
                    channel="console", update_key=key, seen_at=now - timedelta(days=age)
                )
            )
        session.add(
            DueJob(kind="x", ref="long ago", due_at=now - timedelta(days=40), status="done")
        )
        session.add(
            DueJob(kind="x", ref="broken", due_at=now - timedelta(days=40), status="failed")
        )
    clock.now = _local(1, 3, month=12) + timedelta(minutes=30)
    async with app.db.transaction() as session:
        for name, minutes in (("expired.json", -1), ("waiting.json", 10)):
            downloads.create(
                session,
                channel="wechat",
                user_id="oSomeone",
                name=name,
                content="{}",
                now=clock.now - timedelta(minutes=30),
                ttl=timedelta(minutes=30 + minutes),
            )
        session.add_all(
            CallbackNonce(channel="wechat", timestamp=ts, nonce=ts, digest="d", expires_at=at)
            for ts, at in (
                ("1", clock.now - timedelta(seconds=1)),
                ("2", clock.now + timedelta(minutes=1)),
            )
        )
    assert (await _sweeper(app, "purge").tick()).kinds == {"purge": 1}
    async with app.db.transaction() as session:
        files = (await session.execute(select(Download.name))).scalars().all()
        assert files == ["waiting.json"]
        assert (await session.execute(select(CallbackNonce.nonce))).scalars().all() == ["2"]
        keys = (await session.execute(select(ProcessedUpdate.update_key))).scalars().all()
        refs = set((await session.execute(select(DueJob.ref))).scalars())
        assert await session.scalar(select(func.count()).select_from(DueJob)) == len(refs)
    assert keys == ["fresh"] and {"broken", "2026-12-01"} <= refs and "long ago" not in refs
