"""Residents find and join social organizations; organizers foster them (孵化、备案, "1710")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from handlers.sweeps import PERIODIC, Sweeper, build_registry
from storage.models import AuditEntry, Organization, OrganizationMember
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.volunteering import Talk, outbox_texts, person_id


@pytest.fixture
def talk(chat: Chat, clock: FakeClock) -> Talk:
    """The demo chat, paced."""
    return Talk(chat, clock)


async def _org_id(chat: Chat, name: str) -> int:
    async with chat.app.db.transaction() as session:
        found = await session.scalar(select(Organization.id).where(Organization.name == name))
    assert found is not None, name
    return int(found)


async def _membership(chat: Chat, org: int, who: str) -> OrganizationMember | None:
    pid = await person_id(chat, who)
    async with chat.app.db.transaction() as session:
        return await session.scalar(
            select(OrganizationMember).where(
                OrganizationMember.organization_id == org, OrganizationMember.person_id == pid
            )
        )


async def test_a_resident_browses_by_category_and_joins_an_open_team(talk: Talk) -> None:
    dance = await _org_id(talk.chat, "劲松北社区夕阳红舞蹈队")
    await talk.script(
        "陈永福",
        [
            ("社会组织", "【劲松北社区】身边的社会组织共 16 个"),  # the keyword, in words
            ("3", "「文体活动」类社会组织 4 个"),  # the third category shown
            ("1", "每天傍晚在劲松公园跳广场舞"),  # the first organization's page
        ],
    )
    page = await talk.text("陈永福", f"/org {dance}")
    assert "成员：0 名" in page and "备案：已备案" not in page  # grassroots: not filed
    assert "备案：未备案　孵化：未入孵" in page
    assert "加入" in page and "申请加入" not in page  # open: join at once
    joined = await talk.text("陈永福", payload=f"ojoin:{dance}")
    assert "欢迎加入「劲松北社区夕阳红舞蹈队」" in joined
    row = await _membership(talk.chat, dance, "陈永福")
    assert row is not None and row.status == "active"
    assert "已加入" in await talk.text("陈永福", "/groups")
    assert "陈永福 加入了" in "\n".join(await outbox_texts(talk.chat, "杨凤英"))  # the contact
    assert "已经是" in await talk.text("陈永福", f"/org_join {dance}")
    assert "已退出" in await talk.text("陈永福", f"/org_leave {dance}")
    row = await _membership(talk.chat, dance, "陈永福")
    assert row is not None and row.status == "left"


async def test_asking_to_join_is_answered_by_the_contact_only(talk: Talk) -> None:
    calligraphy = await _org_id(talk.chat, "劲松北社区翰墨书画社")
    asked = await talk.text("陈永福", f"/org_join {calligraphy}")
    assert "已向「劲松北社区翰墨书画社」提交加入申请" in asked
    row = await _membership(talk.chat, calligraphy, "陈永福")
    assert row is not None and row.status == "pending"
    [request] = [t for t in await outbox_texts(talk.chat, "吴振华") if "申请加入" in t]
    assert f"陈永福 申请加入「劲松北社区翰墨书画社」（申请 #{row.id}）" in request
    # Nobody else answers it: another organization's contact, a resident, another community.
    for outsider in ("杨凤英", "王凤兰", "李梦瑶"):
        assert "没有权限" in await talk.text(outsider, payload=f"omem:ok:{row.id}")
    row = await _membership(talk.chat, calligraphy, "陈永福")
    assert row is not None and row.status == "pending"
    waiting = await talk.text("吴振华", "/org_requests")
    assert "陈永福 申请加入「劲松北社区翰墨书画社」" in waiting
    assert "已同意" in await talk.text("吴振华", payload=f"omem:ok:{row.id}")
    assert "已经答复过了" in await talk.text("王海燕", payload=f"omem:no:{row.id}")
    row = await _membership(talk.chat, calligraphy, "陈永福")
    assert row is not None and row.status == "active"
    told = "\n".join(await outbox_texts(talk.chat, "陈永福"))
    assert "同意了您的加入申请" in told


async def test_other_communities_organizations_cannot_be_joined(talk: Talk) -> None:
    badminton = await _org_id(talk.chat, "百环社区羽毛球俱乐部")
    assert "不在您所在社区的服务范围内" in await talk.text("陈永福", f"/org_join {badminton}")
    assert await _membership(talk.chat, badminton, "陈永福") is None
    assert "没有找到编号为 9999" in await talk.text("陈永福", "/org_join 9999")
    assert "请写上组织编号" in await talk.text("陈永福", "/org_join 书画社")


async def test_organizer_records_filing_and_the_group_becomes_registered(talk: Talk) -> None:
    calligraphy = await _org_id(talk.chat, "劲松北社区翰墨书画社")
    assert "没有权限" in await talk.text("陈永福", f"/org_status {calligraphy}")
    assert "没有权限" in await talk.text("李梦瑶", f"/org_status {calligraphy}")  # other community
    await talk.script(
        "王海燕",
        [
            (f"/org_status {calligraphy}", "孵化情况（现在：孵化中）"),
            ("孵化中", "备案情况（现在：备案申请中）"),
            ("已备案", "孵化 已出壳，备案 已备案，类型 备案社区社会组织"),
        ],
    )
    async with talk.chat.app.db.transaction() as session:
        org = await session.get(Organization, calligraphy)
        assert org is not None
        assert (org.tier, org.filing, org.incubation) == ("registered", "filed", "graduated")
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "org.status"))
    assert entry is not None and entry.details["before"]["tier"] == "grassroots"
    listing = await talk.text("王海燕", "/orgs")
    assert "备案 8/7" in listing and "草根 5/10" in listing


def _sweeper(app: App) -> Sweeper:
    registry = build_registry()
    return Sweeper(
        app.deps,
        {"orgs_1710": registry["orgs_1710"]},
        periodic=tuple(p for p in PERIODIC if p.kind == "orgs_1710"),
    )


async def test_organizers_hear_the_1710_gaps_once_a_month(chat: Chat, clock: FakeClock) -> None:
    clock.now = datetime(2026, 12, 1, 9, 45, tzinfo=UTC) - timedelta(hours=8)  # 09:45 Beijing
    stats = await _sweeper(chat.app).tick()
    assert stats.kinds == {"orgs_1710": 1}
    [alert] = [t for t in await outbox_texts(chat, "王海燕") if "1710" in t]
    assert "【劲松北社区】还差 草根 4 个" in alert
    assert "劲松北社区翰墨书画社：孵化中，备案申请中" in alert
    assert "劲松北社区巧手编织坊：孵化中，未备案" in alert
    assert "百环社区" not in alert  # not hers
    assert any("【百环社区】" in t for t in await outbox_texts(chat, "李梦瑶"))
    assert not [t for t in await outbox_texts(chat, "陈永福") if "1710" in t]  # residents: no
    clock.advance(hours=2)
    again = await _sweeper(chat.app).tick()  # another worker, the same month: nothing more
    assert again.kinds == {}
    assert len([t for t in await outbox_texts(chat, "王海燕") if "1710" in t]) == 1


async def test_browsing_in_english(talk: Talk) -> None:
    reply = await talk.text("Michael Brown", "/groups")
    assert "social organizations serve 百环社区" in reply
    sport = await talk.text("Michael Brown", "/groups culture and sports")
    assert "1 Culture and sports organizations" in sport
    assert "百环社区羽毛球俱乐部 (Grassroots" in sport
