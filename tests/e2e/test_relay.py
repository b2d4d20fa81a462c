"""The journey as people live it: a need in words with its place, an offer that shows neither the
place nor the health note, the accepted view that shows both, the relay both ways, done.

The clock stands on Monday 30 November 2026, 10:00 in Beijing; "明天上午" is Tuesday morning.
"""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Need, NeedSensitive
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import inbox, inbox_choices
from tests.support.relay import offers, thread
from tests.support.volunteering import Talk

CONSENT = [("/sensitive_consent", "是否同意"), ("1", "14 周岁"), ("1", "已记录您的同意")]
ASK_ZH = [
    ("需求", "您需要什么服务？"),
    ("陪老人看病", "1. 陪诊服务"),
    ("1", "什么时间方便？"),
    ("2", "在哪里提供服务"),
    ("朝阳医院，从家里出发", "还有什么需要说明"),
    ("要带医保卡，我有高血压", "健康说明（单独保存，仅承接的志愿者可见）：我有高血压"),
    ("1", "已提交服务需求 #1（陪诊服务）"),
]
PRIVATE = ("朝阳医院，从家里出发", "高血压", "502", "13600000101")


async def test_a_resident_and_her_volunteer_reach_each_other_in_chinese(
    chat: Chat, clock: FakeClock
) -> None:
    talk = Talk(chat, clock)
    await talk.script("王凤兰", [("/address 3单元 502", "已登记门牌：3单元 502")])
    await talk.script("王凤兰", CONSENT + ASK_ZH)
    async with chat.app.db.transaction() as session:
        need = await session.get(Need, 1)
        assert need is not None and need.place == "朝阳医院，从家里出发"
        assert need.notes == "要带医保卡"  # the health clause is kept apart
        kept = await session.get(NeedSensitive, 1)
        assert kept is not None and kept.note == "我有高血压"
    assert "推送给 3 位候选人" in await talk.text("王海燕", "/dispatch 1")
    offered = await offers(chat.app, 1)
    for _, name in offered:  # the offer describes the task, never where exactly or her health
        [offer] = [t for t in await inbox(chat.app, name) if "新的服务任务" in t]
        assert "陪诊服务" in offer and "要带医保卡" in offer
        assert not [p for p in PRIVATE if p in offer], offer
    (offer_id, volunteer), *others = offered
    accepted = await talk.text(volunteer, payload=f"offer:{offer_id}:accept")
    assert "地点：朝阳医院，从家里出发" in accepted and "我有高血压" in accepted
    assert "发消息" in accepted and "13600000101" not in accepted
    for _, name in others:  # those who only got the offer hear it is taken, nothing more
        assert not [t for t in await inbox(chat.app, name) if "高血压" in t or "朝阳医院" in t]
    told = (await inbox(chat.app, "王凤兰"))[-1]
    assert f"已有人承接：{volunteer}" in told and "138" not in told
    assert "relay:need:1" in (await inbox_choices(chat.app, "王凤兰"))[-1]

    # the volunteer writes first, by command; the resident answers from the button
    sent = await talk.text(volunteer, "/msg 1 王阿姨您好，我明早八点到您家楼下")
    assert "已转达" in sent
    heard = (await inbox(chat.app, "王凤兰"))[-1]
    assert f"志愿者 {volunteer}：王阿姨您好，我明早八点到您家楼下" in heard
    assert "+86138" not in heard
    opened = await talk.text("王凤兰", payload="relay:need:1")
    assert "消息记录" in opened and "王阿姨您好" in opened and "请输入要转达给对方的话" in opened
    assert "已转达" in await talk.text("王凤兰", "好的，我在3单元门口等您")
    assert "对话已关闭" in await talk.text("王凤兰", "结束")
    answered = await inbox(chat.app, volunteer)
    assert "居民 王凤兰：好的，我在3单元门口等您" in answered[-1]
    assert "13600000101" not in "".join(answered)

    # she chooses to give her number; now the task shows it
    given = await talk.text("王凤兰", payload="relayphone:need:1")
    assert "已把您的手机号 +8613600000101 告诉对方" in given
    assert "+8613600000101" in (await inbox(chat.app, volunteer))[-1]
    tasks = await talk.text(volunteer, "/tasks")
    assert "朝阳医院，从家里出发" in tasks and "电话 +8613600000101" in tasks
    assert [kind for kind, _ in await thread(chat.app, "need", 1)] == [
        "text",
        "text",
        "phone",
    ]
    view = await talk.text("王凤兰", "/need_status 1")
    assert "消息记录" in view and "我：好的，我在3单元门口等您" in view
    assert f"志愿者 {volunteer}：王阿姨您好" in view
    clock.advance(days=1)  # the task's morning has come (not done before it starts)
    assert "已标记任务完成" in await talk.text(volunteer, "/task_done 1 2")


async def test_a_place_at_home_carries_the_door_to_the_helper_only(
    chat: Chat, clock: FakeClock
) -> None:
    talk = Talk(chat, clock)
    await talk.script(
        "王凤兰",
        [
            ("/address", "还没有登记门牌"),
            ("/address 3单元 502", "已登记门牌"),
            ("/me", "门牌：3单元 502（仅承接人可见）"),
            ("需求", "您需要什么服务？"),
            ("陪老人看病", "1. 陪诊服务"),
            ("1", "什么时间方便？"),
            ("2", "1. 在家"),
            ("1", "还有什么需要说明"),
            ("跳过", "地点：劲松北社区 劲松一区103号楼 3单元 502"),
            ("1", "已提交"),
        ],
    )
    await talk.text("王海燕", "/dispatch 1")
    (offer_id, volunteer), *_ = await offers(chat.app, 1)
    [offer] = [t for t in await inbox(chat.app, volunteer) if "新的服务任务" in t]
    assert "502" not in offer
    accepted = await talk.text(volunteer, payload=f"offer:{offer_id}:accept")
    assert "地点：劲松北社区 劲松一区103号楼 3单元 502" in accepted


async def test_without_the_separate_consent_a_health_note_is_not_kept(
    chat: Chat, clock: FakeClock
) -> None:
    talk = Talk(chat, clock)
    await talk.script("王凤兰", ASK_ZH[:5])
    refused = await talk.text("王凤兰", "要带医保卡，我有高血压")
    assert "敏感个人信息" in refused and "/sensitive_consent" in refused
    assert "还有什么需要说明" in refused  # asked again
    await talk.script("王凤兰", [("要带医保卡", "备注：要带医保卡"), ("1", "已提交")])
    async with chat.app.db.transaction() as session:
        assert (await session.execute(select(NeedSensitive))).first() is None
        need = await session.get(Need, 1)
        assert need is not None and "高血压" not in need.notes


async def test_an_english_resident_and_volunteer_talk_through_the_relay(
    chat: Chat, clock: FakeClock
) -> None:
    talk = Talk(chat, clock)
    await talk.script(
        "Michael Brown",
        [
            ("/address Unit 2, Room 301", "Saved: Unit 2, Room 301"),
            ("/need", "What service do you need?"),
            ("medical escort to hospital", "1. Medical escort service"),
            ("1", "When would suit you?"),
            ("tomorrow 9:00-11:00", "1. At home"),
            ("1", "Anything else we should know?"),
            ("1", "Room 301"),
            ("1", "Your request #1 (Medical escort service) was submitted"),
        ],
    )
    await talk.text("李梦瑶", "/dispatch 1")
    (offer_id, volunteer), *_ = await offers(chat.app, 1)
    await talk.script(volunteer, [("/lang", "English"), ("2", "")])
    [offer] = [t for t in await inbox(chat.app, volunteer) if "新的服务任务" in t]
    assert "Room 301" not in offer
    accepted = await talk.text(volunteer, payload=f"offer:{offer_id}:accept")
    assert "Room 301" in accepted and "Send a message" in accepted
    assert "13600000106" not in accepted
    told = (await inbox(chat.app, "Michael Brown"))[-1]
    assert f"has been taken by {volunteer}" in told
    assert "Passed on" in await talk.text(volunteer, "/msg 1 I will be at your door at 9")
    heard = (await inbox(chat.app, "Michael Brown"))[-1]
    assert heard.startswith("💬 Request #1 (Medical escort service)\n")  # a title: capitalised
    assert f"\nVolunteer {volunteer}: I will be at your door at 9" in heard
    await talk.script(
        "Michael Brown",
        [("message", "Write to the other side of which item?"), ("1", "type what you want")],
    )
    assert "Passed on" in await talk.text("Michael Brown", "Thank you, ring 301 please")
    assert "Conversation closed" in await talk.text("Michael Brown", "end")
    assert (
        "Resident Michael Brown: Thank you, ring 301 please"
        in (await inbox(chat.app, volunteer))[-1]
    )


async def test_an_open_thread_gives_way_to_other_buttons(chat: Chat, clock: FakeClock) -> None:
    talk = Talk(chat, clock)
    asked = [*ASK_ZH[:4], ("朝阳医院", "说明"), ("跳过", "地点"), ("1", "已提交")]
    await talk.script("王凤兰", asked)
    await talk.text("王海燕", "/dispatch 1")
    (offer_id, volunteer), *_ = await offers(chat.app, 1)
    await talk.text(volunteer, payload=f"offer:{offer_id}:accept")
    assert "请输入要转达" in await talk.text(volunteer, "/msg 1")
    # an old notice's button pressed while the thread is open: not relayed as words
    closed = await talk.text(volunteer, payload="taskdone:1")
    assert "请再按一次" in closed
    assert await thread(chat.app, "need", 1) == []
    clock.advance(days=1)  # the task's morning (done is refused before the task starts)
    assert "计划时长" in await talk.text(volunteer, payload="taskdone:1")  # the hours asked
    assert "已标记任务完成" in await talk.text(volunteer, "2小时")
