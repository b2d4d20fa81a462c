"""A family member asks for a parent: the parent is the served person, the consent is recorded,
and the asker follows, confirms and rates the help."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AuditEntry, Identity, Need, Person
from tests.e2e.test_tasks import _offers, _outbox_to, _round
from tests.support.chat import Chat


async def _start(chat: Chat, consent: str) -> str:
    await chat.script(
        "李建国",
        [
            ("替家人求助", "您替谁求助"),
            ("李奶奶", "对方是您的什么人"),
            ("1", "是否已征得本人同意"),
        ],
    )
    return await chat.text("李建国", consent)


async def test_without_consent_nothing_is_recorded(chat: Chat) -> None:
    assert "本次没有保存任何信息" in await _start(chat, "2")
    async with chat.app.db.transaction() as session:
        assert (await session.execute(select(Need))).first() is None
        assert not list(
            (await session.execute(select(Person).where(Person.display_name == "李奶奶"))).scalars()
        )


async def test_a_family_member_asks_for_a_parent_and_closes_the_loop(chat: Chat) -> None:
    assert "您需要什么服务" in await _start(chat, "已征得本人同意")
    await chat.script(
        "李建国",
        [
            ("陪老人看病", "1. 陪诊服务"),
            ("1", "什么时间方便"),
            ("灵活", "在哪里提供服务"),
            ("1", "还有什么需要说明的吗"),
            ("跳过", "服务对象：李奶奶（父母，已征得本人同意）"),
            ("1", "已替李奶奶提交服务需求 #1"),
        ],
    )
    async with chat.app.db.transaction() as session:
        need = (await session.execute(select(Need))).scalar_one()
        parent = await session.get(Person, need.person_id)
        asker = (
            await session.execute(select(Person).where(Person.display_name == "李建国"))
        ).scalar_one()
        assert parent is not None and parent.display_name == "李奶奶"
        assert need.entered_by_id == asker.id and need.relation == "parent"
        assert need.consent_at is not None
        assert not list(
            (
                await session.execute(select(Identity).where(Identity.person_id == parent.id))
            ).scalars()
        )  # the parent has no channel: the asker follows the need
        audit = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "need.on_behalf"))
        ).scalar_one()
        assert audit.details["consent"] == "已征得本人同意"
    assert "李奶奶" in await chat.text("李建国", "/need_status 1")
    await _round(chat.app, need.id)
    (offer_id, volunteer, _), *_ = await _offers(chat.app, need.id)
    await chat.say(volunteer, payload=f"offer:{offer_id}:accept")
    await chat.script(volunteer, [(f"/task_done {need.id}", "服务了多长时间"), ("2", "已标记")])
    assert any("请确认" in t for t in await _outbox_to(chat.app, "李建国"))
    assert "没有权限" in await chat.text("王凤兰", f"/task_confirm {need.id}")
    assert "记录服务时长 2.0 小时" in await chat.text("李建国", "确认完成")
