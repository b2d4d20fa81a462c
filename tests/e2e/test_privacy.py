"""Privacy: consent per policy version, /mydata, /forget, /phone, sensitive consent, retention."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select, update

from bot.bootstrap import App, build
from bot.settings import Settings
from handlers.core.i18n import Translator
from handlers.privacy import has_sensitive_consent, mask_phone
from handlers.sweeps import PERIODIC, Sweeper, build_registry
from storage.models import (
    AuditEntry,
    DialogState,
    GridReport,
    Identity,
    Need,
    OutboxMessage,
    Person,
    ProcessedUpdate,
    Proposal,
    Region,
    ServiceRecord,
    TargetGroup,
    VolunteerProfile,
)
from storage.repos import privacy as privacy_repo
from tests.e2e.test_needs import VISIT_SERVICE
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import make_need, make_report, move_need
from tests.support.proposals import propose
from tests.support.volunteering import person_id, record


async def _person(app: App, pid: int) -> Person:
    async with app.db.transaction() as session:
        found = await session.get(Person, pid)
        assert found is not None
        return found


async def _audit(app: App, action: str) -> list[AuditEntry]:
    async with app.db.transaction() as session:
        rows = await session.execute(select(AuditEntry).where(AuditEntry.action == action))
        return list(rows.scalars())


# -- consent per policy version ----------------------------------------------------------------


async def test_a_new_policy_version_asks_everyone_to_consent_again(
    chat: Chat, db_url: str, clock: FakeClock, translator: Translator
) -> None:
    assert "还没有提过服务需求" in await chat.text("王凤兰", "/needs")
    await chat.app.close()
    bumped = build(
        Settings(LINLI_LANG="zh_CN", LINLI_POLICY_VERSION="2027-01"),
        database_url=db_url,
        clock=clock,
        translator=translator,
    )
    try:
        again = Chat(bumped)
        for command in ("/needs", "/propose", "/volunteer"):
            assert "隐私政策已更新" in await again.text("王凤兰", command)
        await again.script(
            "王凤兰",
            [
                ("/start", "请选择语言"),
                ("1", "您是以什么身份使用"),
                ("1", "请选择您所在的社区"),
                ("1", "请选择您所在的网格"),
                ("1", "我们怎么称呼您"),
                ("1", "隐私政策（版本 2027-01）"),
                ("1", "登记完成，王凤兰"),
            ],
        )
        assert "还没有提过服务需求" in await again.text("王凤兰", "/needs")
        pid = await person_id(again, "王凤兰")
        person = await _person(bumped, pid)
        assert person.consent_version == "2027-01"
        versions = [e.details.get("version") for e in await _audit(bumped, "consent")]
        assert "2027-01" in versions
        exported = json.loads(_document(await again.say("王凤兰", "/mydata"))[1])
        assert [h["version"] for h in exported["consent_history"]][-1] == "2027-01"
    finally:
        await bumped.close()


def test_the_consent_text_states_retention_and_rights(translator: Translator) -> None:
    zh = translator.translate("zh_CN", "start.ask_consent", version="v", days=730)
    en = translator.translate("en", "start.ask_consent", version="v", days=730)
    for text in (zh, en):
        assert "730" in text and "/mydata" in text and "/forget" in text
    assert "14 周岁" in zh and "监护人" in zh and "under 14" in en


# -- /mydata -------------------------------------------------------------------------------------


def _document(replies: list) -> tuple[str, str]:
    docs = [r.document for r in replies if r.document]
    assert len(docs) == 1, replies
    return docs[0]


async def test_mydata_sends_everything_held_as_a_json_file(chat: Chat) -> None:
    await propose(chat, "王凤兰", "加装电梯", "103号楼六层没有电梯，老人上下楼太难。")
    await make_need(chat.app, "王凤兰")
    await make_report(chat.app, "王凤兰")
    replies = await chat.say("王凤兰", "/mydata")
    name, content = _document(replies)
    assert name == "linli-mydata.json"
    assert "1 条提案、1 条服务需求、1 条报事" in replies[0].text
    data = json.loads(content)
    assert data["profile"]["display_name"] == "王凤兰"
    assert data["profile"]["phone"] == "+8613600000101"  # one's own data, in full
    assert data["identities"] == [
        {"channel": "console", "id": "王*兰", "since": data["identities"][0]["since"]}
    ]
    assert [p["title"] for p in data["proposals"]] == ["加装电梯"]
    assert data["needs"][0]["service"] == "medical_escort_service"
    assert data["reports"][0]["text"] == "楼下有人私装地锁"
    assert data["consent_history"] == []  # the demo district was imported, not registered
    assert {"roles", "volunteer_profile", "activity_signups", "service_records"} <= set(data)
    assert len(await _audit(chat.app, "privacy.export")) == 1
    # a volunteer sees their profile and hours
    await record(chat, "张淑珍", "2.5", chat.app.deps.clock() - timedelta(days=3))
    volunteer = json.loads(_document(await chat.say("张淑珍", "/mydata"))[1])
    assert volunteer["volunteer_profile"]["skills"]
    assert volunteer["service_hours_total"] >= 2.5


async def test_mydata_works_in_english_and_for_strangers(chat: Chat) -> None:
    replies = await chat.say("visitor", "/mydata", lang_hint="en")
    assert "Here is everything we hold about you" in replies[0].text
    data = json.loads(_document(replies)[1])
    assert data["profile"]["consent_version"] is None and data["proposals"] == []


# -- /forget -------------------------------------------------------------------------------------


async def _community_hours(app: App) -> Decimal:
    async with app.db.transaction() as session:
        return Decimal(str(await session.scalar(select(func.sum(ServiceRecord.hours))) or 0))


async def test_forget_asks_first_and_can_be_called_off(chat: Chat) -> None:
    await chat.script(
        "王凤兰",
        [("/forget", "此操作无法撤销"), ("2", "您的信息保持不变")],
    )
    assert "称呼：王凤兰" in await chat.text("王凤兰", "/me")
    await chat.script("王凤兰", [("注销", "确定要注销吗"), ("/cancel", "已取消")])
    assert "称呼：王凤兰" in await chat.text("王凤兰", "/me")


async def test_forget_erases_the_person_and_keeps_the_community_records(chat: Chat) -> None:
    app = chat.app
    pid = await person_id(chat, "张淑珍")  # a volunteer who also lives in 劲松北社区
    await record(chat, "张淑珍", "3", app.deps.clock() - timedelta(days=10))
    await propose(chat, "张淑珍", "修楼道灯", "2号楼楼道灯坏了很久，晚上很黑。")
    need_id = await make_need(app, "张淑珍")
    report_id = await make_report(app, "张淑珍", region_code="CY-JS-01-G1-B3")
    async with app.db.transaction() as session:
        await session.execute(
            update(Need).where(Need.id == need_id).values(notes="家住三楼，门铃坏了")
        )
        await session.execute(
            update(GridReport).where(GridReport.id == report_id).values(rating_comment="谢谢")
        )
    await chat.text("王海燕", "/broadcast")  # leaves a flow of someone else's untouched
    hours_before = await _community_hours(app)
    await chat.script("张淑珍", [("/phone 13800138000", "138****8000")])

    async with app.db.transaction() as session:
        kept = select(ProcessedUpdate.replies).where(ProcessedUpdate.user_id == "张淑珍")
        assert "138****8000" in str((await session.execute(kept)).scalars().all())

    await chat.script("张淑珍", [("/forget", "确定要注销吗"), ("1", "您的信息已删除")])

    async with app.db.transaction() as session:  # the replies kept for redeliveries went too
        assert (await session.execute(kept)).first() is None
        everything = str((await session.execute(select(ProcessedUpdate.replies))).scalars().all())
        assert "138****8000" not in everything and "您的信息已删除" in everything
    person = await _person(app, pid)
    assert person.display_name == "已注销用户" and person.erased_at is not None
    assert person.phone is None and person.consent_version is None and not person.target_groups
    async with app.db.transaction() as session:
        home = await session.get(Region, person.home_region_id)
        assert home is not None and home.level == "community"
        assert not (
            await session.execute(select(Identity).where(Identity.person_id == pid))
        ).first()
        assert await session.get(DialogState, ("console", "张淑珍")) is None
        assert await session.get(DialogState, ("console", "王海燕")) is not None
        assert await session.get(VolunteerProfile, pid) is None
        need = await session.get(Need, need_id)
        assert need is not None and need.status == "cancelled" and need.notes == ""
        assert need.place == "" and need.person_id == pid
        proposal = (
            await session.execute(select(Proposal).where(Proposal.proposer_id == pid))
        ).scalar_one()
        assert proposal.body.startswith("2号楼楼道灯")  # the public record stays
        report = await session.get(GridReport, report_id)
        assert report is not None and report.rating_comment is None
        records = (
            await session.execute(select(ServiceRecord).where(ServiceRecord.person_id == pid))
        ).all()
        assert records  # hours stay, linked to the anonymized person
    assert await _community_hours(app) == hours_before
    assert len(await _audit(app, "privacy.erase")) == 1
    # the same chat user is a stranger now
    assert "称呼：—" in await chat.text("张淑珍", "/me")
    assert "请先发送 /start" in await chat.text("张淑珍", "/needs")


async def test_forget_cancels_pending_messages_to_the_person(chat: Chat) -> None:
    app = chat.app
    pid = await person_id(chat, "王凤兰")
    need_id = await make_need(app, "王凤兰")
    await move_need(app, need_id, "cancelled", actor="王海燕")  # a notice to 王凤兰 is queued
    async with app.db.transaction() as session:
        queued = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.person_id == pid, OutboxMessage.status == "pending")
        )
    assert queued
    await chat.script("王凤兰", [("/forget", "确定"), ("1", "已删除")])
    async with app.db.transaction() as session:
        rows = (
            await session.execute(select(OutboxMessage).where(OutboxMessage.person_id == pid))
        ).scalars()
        for row in rows:
            assert row.status == "cancelled" and row.payload == {} and row.external_id == ""


async def test_forget_waits_for_work_in_progress(chat: Chat) -> None:
    need_id = await make_need(chat.app, "王凤兰")
    await move_need(chat.app, need_id, "assigned")
    assert f"进行中的事项（#{need_id}）" in await chat.text("王凤兰", "/forget")
    assert "称呼：王凤兰" in await chat.text("王凤兰", "/me")


# -- /phone --------------------------------------------------------------------------------------


def test_phones_are_shown_masked() -> None:
    assert mask_phone("+8613800138000") == "138****8000"
    assert mask_phone("+861012345678") == "101***5678"
    assert mask_phone(None) == "—"


async def test_phone_is_optional_normalized_and_shown_masked(chat: Chat) -> None:
    await chat.script(
        "赵淑兰",
        [
            ("/phone", "您登记的手机号：136****0103"),
            ("/phone clear", "手机号已清除"),
            ("/phone", "您还没有登记手机号"),
            ("/phone 12345", "不是有效的手机号"),
            ("/phone 138 0013 8000", "手机号已登记：138****8000"),
        ],
    )
    person = await _person(chat.app, await person_id(chat, "赵淑兰"))
    assert person.phone == "+8613800138000"
    assert "13800138000" not in await chat.text("赵淑兰", "/phone")
    assert "请先发送 /start" in await chat.text("stranger", "/phone 13800138000")


# -- sensitive details ---------------------------------------------------------------------------


async def test_sensitive_consent_is_separate_and_a_child_needs_a_guardian(chat: Chat) -> None:
    await chat.script(
        "赵淑兰",
        [
            ("/sensitive_consent", "敏感个人信息单独同意"),
            ("1", "是否已满 14 周岁"),
            ("2", "需要父母或其他监护人同意"),
            ("2", "不会保存您的敏感信息"),
        ],
    )
    pid = await person_id(chat, "赵淑兰")
    assert (await _person(chat.app, pid)).sensitive_consent_at is None
    await chat.script(
        "赵淑兰",
        [("敏感信息", "是否同意"), ("1", "14 周岁"), ("2", "监护人"), ("1", "已记录您的同意")],
    )
    person = await _person(chat.app, pid)
    assert person.sensitive_consent_at is not None and person.guardian_consent
    assert has_sensitive_consent(person, chat.app.deps.clock())
    assert {e.action for e in await _audit(chat.app, "consent.guardian")} == {"consent.guardian"}
    await chat.script("赵淑兰", [("/sensitive_consent", "3. 撤回同意并删除"), ("3", "已撤回同意")])
    person = await _person(chat.app, pid)
    assert person.sensitive_consent_at is None and not person.guardian_consent
    assert len(await _audit(chat.app, "consent.sensitive_withdrawn")) == 1


async def test_a_known_birth_year_decides_whether_a_guardian_is_asked(chat: Chat) -> None:
    pid = await person_id(chat, "赵淑兰")
    async with chat.app.db.transaction() as session:
        await session.execute(update(Person).where(Person.id == pid).values(birth_year=1950))
    await chat.script("赵淑兰", [("/sensitive_consent", "是否同意"), ("1", "已记录您的同意")])
    person = await _person(chat.app, pid)
    assert person.sensitive_consent_at is not None and not person.guardian_consent
    person.birth_year = chat.app.deps.clock().year - 10
    assert not has_sensitive_consent(person, chat.app.deps.clock())


async def test_no_message_carries_target_groups_or_birth_years(chat: Chat) -> None:
    async with chat.app.db.transaction() as session:
        await session.execute(
            update(Person).where(Person.display_name == "陈永福").values(birth_year=1941)
        )
        groups = list((await session.execute(select(TargetGroup))).scalars())
    await chat.script(
        "张磊",
        [
            ("/visit", "请输入居民姓名"),
            ("陈", "陈永福"),
            ("1", "您需要什么服务"),
            *VISIT_SERVICE,
            ("9", "敏感个人信息"),
            ("1", "服务对象类别：残疾人、独居老人"),
            ("1", "已为陈永福登记服务需求 #1"),
        ],
    )
    await chat.text("王海燕", "/dispatch 1")  # offers go out to volunteers
    async with chat.app.db.transaction() as session:
        payloads = [
            json.dumps(row.payload, ensure_ascii=False)
            for row in (await session.execute(select(OutboxMessage))).scalars()
        ]
    assert len(payloads) >= 2  # the resident's notice, the offers
    needles = [g.name_zh for g in groups] + [g.name_en for g in groups] + ["1941"]
    leaked = [(n, p) for p in payloads for n in needles if n in p]
    assert not leaked, leaked


# -- retention -----------------------------------------------------------------------------------


async def test_closed_items_are_anonymized_after_the_retention_period(chat: Chat) -> None:
    app, clock = chat.app, chat.app.deps.clock
    pid = await person_id(chat, "王凤兰")
    old_need, new_need = await make_need(app, "王凤兰"), await make_need(app, "王凤兰")
    old_report = await make_report(app, "王凤兰", photo_ref="console:p1", lat=39.9, lon=116.4)
    await propose(chat, "王凤兰", "加装电梯", "103号楼六层没有电梯，老人上下楼太难。")
    long_ago = clock() - timedelta(days=800)
    async with app.db.transaction() as session:
        for need_id in (old_need, new_need):
            await session.execute(
                update(Need)
                .where(Need.id == need_id)
                .values(status="done", notes="三楼", rating_comment="好")
            )
        await session.execute(update(Need).where(Need.id == old_need).values(closed_at=long_ago))
        await session.execute(update(Need).where(Need.id == new_need).values(closed_at=clock()))
        await session.execute(
            update(GridReport)
            .where(GridReport.id == old_report)
            .values(status="closed", updated_at=long_ago)
        )
        await session.execute(update(Proposal).values(status="done", updated_at=long_ago))
    assert any(p.kind == "retention" for p in PERIODIC)
    registry = build_registry()
    sweeper = Sweeper(app.deps, {"retention": registry["retention"]})
    assert (await sweeper.tick()).kinds == {"retention": 1}
    async with app.db.transaction() as session:
        old, new = await session.get(Need, old_need), await session.get(Need, new_need)
        assert old is not None and old.person_id is None and old.notes == ""
        assert old.rating_comment is None
        assert new is not None and new.person_id == pid and new.notes == "三楼"
        report = await session.get(GridReport, old_report)
        assert report is not None and report.reporter_id is None and report.photo_ref is None
        assert report.text  # the problem's description stays
        proposal = (await session.execute(select(Proposal))).scalar_one()
        assert proposal.proposer_id is None and proposal.title == "加装电梯"
        again = await privacy_repo.anonymize_expired(session, clock(), 730)
    assert not any(again.values())
    (entry,) = await _audit(app, "retention.anonymize")
    assert entry.details["needs"] == 1 and entry.details["reports"] == 1
