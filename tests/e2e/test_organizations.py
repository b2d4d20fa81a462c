"""Social organizations: registration by organizers only, the list, and the "1710" report."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.organizations import TARGET_1710, report_1710
from storage.models import AuditEntry, Organization
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.volunteering import Talk, person_id, region_id


@pytest.fixture
def talk(chat: Chat, clock: FakeClock) -> Talk:
    """The demo chat, paced."""
    return Talk(chat, clock)


async def _org(chat: Chat, name: str) -> Organization | None:
    async with chat.app.db.transaction() as session:
        return await session.scalar(select(Organization).where(Organization.name == name))


async def test_organizer_registers_a_grassroots_organization(talk: Talk) -> None:
    await talk.script(
        "王海燕",
        [
            ("/org_new", "请输入组织全称"),
            ("劲松北社区读书会", "组织类型"),
            ("3", "服务类别"),  # grassroots
            ("3", "服务哪个区域"),  # culture and sports
            ("1", "一次大约能承接多少人"),  # 劲松北社区: the organizer's only choice
            ("25人", "类型：草根组织"),
            ("1", "已登记组织"),
            ("/orgs", "【劲松北社区】「1710」：专业 1/1 · 备案 7/7 · 草根 7/10 —— 还差 草根 3 个"),
        ],
    )
    org = await _org(talk.chat, "劲松北社区读书会")
    assert org is not None
    assert (org.tier, org.category, org.capacity) == ("grassroots", "culture_sports", 25)
    assert org.region_id == await region_id(talk.chat, "CY-JS-01")
    async with talk.chat.app.db.transaction() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "org.create"))
    assert entry is not None and entry.actor_id == await person_id(talk.chat, "王海燕")
    assert entry.target == f"organization:{org.id}"


async def test_residents_and_grid_workers_may_not_register(talk: Talk) -> None:
    for who in ("陈永福", "张磊"):
        assert "您没有权限" in await talk.text(who, "/org_new")
        assert "您没有权限" in await talk.text(who, "/orgs")
    assert "请先发送 /start" in await talk.text("stranger", "/org_new")


async def test_street_admin_picks_a_community_and_bad_input_is_refused(talk: Talk) -> None:
    await talk.script(
        "刘文静",
        [
            ("/org_new", "请输入组织全称"),
            ("劲松北社区银龄互助队", "已经有名为「劲松北社区银龄互助队」的组织了"),
            ("x" * 151, "最多 150 字"),
            ("百环社区读书会", "组织类型"),
            ("大型", "请从下面的选项中选择"),  # names no option ("专业" would pick 专业…)
            ("2", "服务类别"),
            ("6", "服务哪个区域"),
            ("3", "一次大约能承接多少人"),  # 劲松街道, 劲松北社区, 百环社区 …
            ("0人", "请输入 1 到 10000 之间的人数"),
            ("很多", "请输入 1 到 10000 之间的人数"),
            ("3", "承接能力：20 人"),  # choice 3 is 20 people
            ("1", "已登记组织"),
        ],
    )
    org = await _org(talk.chat, "百环社区读书会")
    assert org is not None and org.region_id == await region_id(talk.chat, "CY-JS-02")
    assert (org.tier, org.category) == ("registered", "other")
    listing = await talk.text("刘文静", "/orgs")
    assert "【劲松街道】" in listing and "【百环社区】「1710」：专业 1/1 · 备案 3/7" in listing


async def test_1710_report_on_the_demo_district(chat: Chat) -> None:
    async with chat.app.db.transaction() as session:
        rows = {row.code: row for row in await report_1710(session)}
    assert list(rows) == ["CY-JS-01", "CY-JS-02", "CY-JS-03", "CY-JS-04"]
    north = rows["CY-JS-01"]
    assert (north.community, north.professional, north.registered, north.grassroots) == (
        "劲松北社区",
        1,
        7,
        6,
    )
    assert [north.missing(t) for t in TARGET_1710] == [0, 0, 4] and not north.met
    assert (rows["CY-JS-02"].professional, rows["CY-JS-02"].registered) == (1, 2)
    assert rows["CY-JS-04"].missing("professional") == 1
    async with chat.app.db.transaction() as session:
        from storage.repos import regions

        scope = await regions.by_code(session, "CY-JS-03")
        assert [r.code for r in await report_1710(session, scope)] == ["CY-JS-03"]
