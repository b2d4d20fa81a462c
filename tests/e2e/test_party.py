"""Party members report to their home community (双报到), organizers confirm, and what they do is
counted apart in the participation report."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from handlers.core.notify import Sink
from handlers.tasks import offer_round
from storage.models import (
    Assignment,
    AuditEntry,
    Need,
    Organization,
    OrganizationMember,
    PartyMember,
    Person,
    Region,
    ServiceItem,
    TaskOffer,
    Unit,
)
from storage.repos import privacy
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.volunteering import Talk, outbox_texts, person_id

TUESDAY_9 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
TUESDAY_11 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def talk(chat: Chat, clock: FakeClock) -> Talk:
    """The demo chat, paced."""
    return Talk(chat, clock)


async def _member(chat: Chat, who: str) -> PartyMember | None:
    pid = await person_id(chat, who)
    async with chat.app.db.transaction() as session:
        return await session.get(PartyMember, pid)


async def test_an_in_service_member_reports_and_the_organizer_confirms(talk: Talk) -> None:
    await talk.script(
        "陈永福",
        [
            ("党员报到", "向居住地【劲松北社区】报到"),
            ("在职党员", "不在其中请直接填写单位全称"),  # the option's own words
            ("", "请输入工作单位名称"),
            ("朝阳区人民医院", "工作单位：朝阳区人民医院"),
            ("确认报到", "已向【劲松北社区】报到"),
        ],
    )
    member = await _member(talk.chat, "陈永福")
    assert member is not None and (member.kind, member.unit_name, member.unit_id) == (
        "in_service",
        "朝阳区人民医院",
        None,  # not a registered unit: the name as typed
    )
    assert member.confirmed_at is None
    [ask] = [t for t in await outbox_texts(talk.chat, "王海燕") if "党员报到" in t]
    assert "陈永福（在职党员，单位：朝阳区人民医院）" in ask
    pid = await person_id(talk.chat, "陈永福")
    # Only organizers over the community confirm: not the member, a resident, another community.
    for outsider in ("陈永福", "王凤兰", "李梦瑶", "张磊"):
        reply = await talk.text(outsider, payload=f"party:ok:{pid}")
        assert "没有权限" in reply, (outsider, reply)
    assert (await _member(talk.chat, "陈永福")).confirmed_at is None  # type: ignore[union-attr]
    assert "已确认" in await talk.text("王海燕", payload=f"party:ok:{pid}")
    assert "已经确认过了" in await talk.text("孙建平", payload=f"party:ok:{pid}")
    told = "\n".join(await outbox_texts(talk.chat, "陈永福"))
    assert "【劲松北社区】已确认您的党员报到" in told
    status = await talk.text("陈永福", "/party")
    assert "状态：社区已确认" in status and "撤销报到" in status
    assert "已撤销" in await talk.text("陈永福", payload="party:withdraw")
    assert await _member(talk.chat, "陈永福") is None
    async with talk.chat.app.db.transaction() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.like("party.%"))
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["party.report", "party.confirm", "party.withdraw"]


async def test_staff_views_are_for_organizers(talk: Talk) -> None:
    for who in ("陈永福", "张磊"):
        assert "没有权限" in await talk.text(who, "/party_members")
        assert "没有权限" in await talk.text(who, "/participation")
    assert "请写「本月」或「今年」" in await talk.text("王海燕", "/participation 上个世纪")


async def _need_for_escort(chat: Chat) -> int:
    resident = await person_id(chat, "王凤兰")
    async with chat.app.db.transaction() as session:
        item = await session.scalar(
            select(ServiceItem).where(ServiceItem.code == "medical_escort_service")
        )
        place = await session.scalar(select(Region).where(Region.code == "CY-JS-01-G1-B3"))
        assert item is not None and place is not None
        need = Need(
            person_id=resident,
            service_item_id=item.id,
            region_id=place.id,
            window_start=TUESDAY_9,
            window_end=TUESDAY_11,
            volunteers_needed=1,
            status="open",
            created_at=chat.app.deps.clock(),
        )
        session.add(need)
        await session.flush()
        await offer_round(
            Sink.bare(session, chat.app.deps, chat.app.deps.clock()), chat.app.deps.config, need
        )
        return need.id


async def test_a_party_members_task_is_counted_apart(talk: Talk, clock: FakeClock) -> None:
    chat = talk.chat
    need_id = await _need_for_escort(chat)
    async with chat.app.db.transaction() as session:
        offer = await session.scalar(
            select(TaskOffer).where(TaskOffer.need_id == need_id).order_by(TaskOffer.rank)
        )
        assert offer is not None and offer.person_id is not None
        volunteer = await session.get(Person, offer.person_id)
        assert volunteer is not None
        name, offer_id = volunteer.display_name, offer.id
    await talk.script(name, [("/party", "您是"), ("1", "请确认报到信息"), ("1", "已向")])
    assert "已确认" in await talk.text("王海燕", payload=f"party:ok:{offer.person_id}")
    await talk.text(name, payload=f"offer:{offer_id}:accept")
    async with chat.app.db.transaction() as session:
        task_id = await session.scalar(select(Assignment.id).where(Assignment.need_id == need_id))
    clock.now = TUESDAY_11
    await talk.text(name, f"/task_done {need_id} 2")
    assert "记录服务时长 2.0 小时" in await talk.text("王凤兰", payload=f"taskok:{task_id}")
    report = await talk.text("王海燕", "/participation 本月")
    assert "报到党员 1 人（社区党员 1，在职党员 0；已确认 1；其中登记志愿者 1）" in report
    assert "服务：任务 1 次、活动 0 人次、2 小时、1 人参与" in report
    assert "其中党员：任务 1 次、活动 0 人次、2 小时、1 人" in report
    year = await talk.text("王海燕", "/participation")
    assert "今年社区参与情况" in year and "其中党员：任务 1 次" in year
    async with chat.app.db.transaction() as session:
        members = await session.scalar(select(func.count()).select_from(PartyMember))
    assert members == 1


async def test_reporting_in_english(talk: Talk) -> None:
    await talk.script(
        "Michael Brown",
        [
            ("/party", "report to 百环社区"),
            ("1", "Please confirm your report"),
            ("1", "You reported to 百环社区"),
        ],
    )
    listed = await talk.text("李梦瑶", "/party_members")  # 百环社区's organizer
    assert "Michael Brown：社区党员" in listed
    assert "Michael Brown" not in await talk.text("王海燕", "/party_members")


async def test_mydata_shows_and_forget_erases_party_report_and_memberships(talk: Talk) -> None:
    chat = talk.chat
    async with chat.app.db.transaction() as session:
        calligraphy = await session.scalar(
            select(Organization.id).where(Organization.name == "劲松北社区翰墨书画社")
        )
    await talk.script("陈永福", [("/party", "您是"), ("1", "请确认"), ("1", "已向")])
    await talk.text("陈永福", f"/org_join {calligraphy}")
    pid = await person_id(chat, "陈永福")
    async with chat.app.db.transaction() as session:
        held = await privacy.collect(session, pid)
    assert held["party_member"]["kind"] == "community"
    assert held["organizations"] == [
        {
            "organization": "劲松北社区翰墨书画社",
            "status": "pending",
            "since": held["organizations"][0]["since"],
            "decided_at": None,
        }
    ]
    await talk.script("陈永福", [("/forget", "确定要注销吗"), ("1", "您的信息已删除")])
    async with chat.app.db.transaction() as session:
        assert await session.get(PartyMember, pid) is None
        left = await session.scalar(
            select(func.count())
            .select_from(OrganizationMember)
            .where(OrganizationMember.person_id == pid)
        )
    assert left == 0


async def test_in_service_members_link_to_registered_units_and_are_counted_per_unit(
    talk: Talk,
) -> None:
    # 劲松中学 is a registered unit of the street: offered as a button; another unit is typed.
    await talk.script(
        "陈永福",
        [
            ("党员报到", "向居住地【劲松北社区】报到"),
            ("在职党员", "请选择您的工作单位（已登记的驻区单位）"),
            ("1", "工作单位：劲松中学"),  # the first button
            ("确认报到", "已向【劲松北社区】报到"),
        ],
    )
    member = await _member(talk.chat, "陈永福")
    async with talk.chat.app.db.transaction() as session:
        school = await session.scalar(select(Unit.id).where(Unit.name == "劲松中学"))
    assert member is not None and (member.unit_id, member.unit_name) == (school, "劲松中学")
    await talk.script(
        "李福海",
        [
            ("党员报到", "报到"),
            ("在职党员", "请选择您的工作单位"),
            ("劲松中学", "工作单位：劲松中学"),  # its exact name typed links it too
            ("确认报到", "已向"),
        ],
    )
    await talk.script(
        "赵淑兰",
        [
            ("党员报到", "报到"),
            ("在职党员", "请选择您的工作单位"),
            ("朝阳区人民医院", "工作单位：朝阳区人民医院"),
            ("确认报到", "已向"),
        ],
    )
    report = await talk.text("王海燕", "/participation")
    assert "在职党员 3" in report
    assert "在职党员按单位：\n　劲松中学：2 人\n　朝阳区人民医院（未登记单位）：1 人" in report
    # another community's organizer does not see them
    assert "劲松中学：" not in await talk.text("李梦瑶", "/participation")
