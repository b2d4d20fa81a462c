"""Free text at the top level reaches the flow it means; unsure → one question; 转人工 answered."""

from __future__ import annotations

from sqlalchemy import select

from handlers.needs.lifecycle import open_needs
from handlers.tasks.candidates import need_spec
from storage.models import Need, OutboxMessage, PersonRequest, Region, ServiceItem
from tests.support.chat import Chat
from tests.support.needs_reports import count, inbox, inbox_choices

ORGANIZER = "王海燕"  # organizer of 劲松北社区, where 王凤兰 lives


async def test_a_need_in_everyday_words_starts_the_need_flow_with_the_sentence(chat: Chat) -> None:
    await chat.script(
        "王凤兰",
        [
            ("家里水管漏了，水一直往外冒", "1. 水电维修"),
            ("1", "什么时间方便？"),
        ],
    )


async def test_english_need_and_volunteer_sign_up(chat: Chat) -> None:
    got = await chat.text("Michael Brown", "my water pipe is leaking")
    assert "1. Plumbing and electrical repair" in got
    await chat.text("Michael Brown", "/cancel")
    assert "volunteer" in (await chat.text("Michael Brown", "I want to volunteer")).lower()


async def test_each_intent_reaches_its_flow(chat: Chat) -> None:
    assert "请简单描述问题" in await chat.text("王凤兰", "楼下有人私装地锁")  # category: 私装地锁
    await chat.text("王凤兰", "取消")
    assert "报事：请选择问题类别" in await chat.text("王凤兰", "我要报事")
    await chat.text("王凤兰", "取消")
    assert "提案的标题" in await chat.text("王凤兰", "我建议小区加装电梯")
    await chat.text("王凤兰", "取消")
    assert "志愿" in await chat.text("王凤兰", "我想当志愿者")


async def test_unsure_message_gets_one_question_with_the_likely_choices(chat: Chat) -> None:
    got = await chat.text("王凤兰", "楼下停车的事")
    assert "您是想办哪件事" in got and "1. 我需要服务" in got and "转人工" in got
    assert "报事：请选择问题类别" in await chat.text("王凤兰", "2")


async def test_not_understood_goes_to_a_person_and_the_answer_comes_back(chat: Chat) -> None:
    got = await chat.text("王凤兰", "嗯嗯嗯那个事怎么说")
    assert "没完全看懂" in got and "4. 转人工" in got
    assert "已转给社区工作人员" in await chat.text("王凤兰", "4")
    assert await count(chat.app, PersonRequest) == 1
    alert = (await inbox(chat.app, "王海燕"))[-1]
    assert "嗯嗯嗯那个事怎么说" in alert
    payload = (await inbox_choices(chat.app, "王海燕"))[-1][0]
    assert "请写您的回复" in await chat.text("王海燕", payload=payload)
    assert "回复已发给居民" in await chat.text("王海燕", "明天上午来居委会找我")
    assert "明天上午来居委会找我" in (await inbox(chat.app, "王凤兰"))[-1]
    assert "已经回复过了" in await chat.text("王海燕", payload=payload)


async def test_typing_zhuan_ren_gong_asks_what_to_pass_on(chat: Chat) -> None:
    await chat.script(
        "王凤兰", [("转人工", "请说说您想问什么"), ("想问问低保的事", "已转给社区工作人员")]
    )


async def test_a_keyword_with_its_number(chat: Chat) -> None:
    got = await chat.text("王凤兰", "附议 99")
    assert "没听懂" not in got and "看懂" not in got
    assert "99" in got  # the co-sign command ran for proposal 99 (which does not exist)


async def test_choice_steps_accept_the_options_own_words(chat: Chat) -> None:
    await chat.script(
        "王凤兰",
        [
            ("报事", "报事：请选择问题类别"),
            ("私搭乱建", "请简单描述问题"),  # the label typed instead of its number
        ],
    )
    await chat.text("王凤兰", "取消")
    await chat.script(
        "王凤兰",
        [
            ("需求", "您需要什么服务？"),
            ("陪老人看病", "陪诊服务"),
            ("陪诊", "什么时间方便？"),  # a part of the label: 陪诊服务
        ],
    )


async def test_english_choice_by_words(chat: Chat) -> None:
    await chat.text("Michael Brown", "/need")
    assert "Medical escort service" in await chat.text("Michael Brown", "escort to hospital")
    assert "When" in await chat.text("Michael Brown", "medical escort service")


async def test_a_government_item_goes_to_the_station_queue_not_to_volunteers(chat: Chat) -> None:
    await chat.script(
        "王凤兰",
        [
            ("我想申请低保，家里实在困难", "1. 最低生活保障申请协助"),
            ("1", "什么时间方便？"),
            ("2", "1. 在家"),
            ("1", "还有什么需要说明的吗？"),
            ("跳过", "服务：最低生活保障申请协助"),
            ("1", "已转社区服务站“一窗受理”"),
        ],
    )
    assert any("一窗受理" in text for text in await inbox(chat.app, "王海燕"))
    async with chat.app.db.transaction() as session:
        assert await open_needs(session) == []  # never offered to volunteers
        need = await session.get(Need, 1)
        assert need is not None and need.status == "open" and need.words
    assert "#1" in await chat.text("王凤兰", "/need_status 1")


async def test_none_of_these_goes_to_a_person(chat: Chat) -> None:
    got = await chat.text("王凤兰", "需求")
    got = await chat.text("王凤兰", "陪老人看病")
    options = [line for line in got.splitlines() if "都不是，转给社区工作人员" in line]
    number = options[0].split(".")[0]
    assert "已转给社区工作人员" in await chat.text("王凤兰", number)
    assert any("陪老人看病" in text for text in await inbox(chat.app, "王海燕"))


async def test_the_sentence_skills_reach_dispatch(chat: Chat) -> None:
    await chat.script(
        "王凤兰",
        [
            ("明天想找人陪我去医院看病，我坐轮椅，要人推", "陪诊服务"),
            ("1", "什么时间方便？"),
            ("2", "1. 在家"),
            ("1", "还有什么需要说明的吗？"),
            ("跳过", "服务："),
            ("1", "已提交服务需求 #1"),
        ],
    )
    async with chat.app.db.transaction() as session:
        need = await session.get(Need, 1)
        assert need is not None
        item = await session.get(ServiceItem, need.service_item_id)
        assert item is not None and "walking_assist" not in item.skills
        region = await session.get(Region, need.region_id)
        assert region is not None
        spec = need_spec(need, item, region, [], "Asia/Shanghai")
    assert "walking_assist" in need.skills and "walking_assist" in spec.skills
    await chat.text("王海燕", "/dispatch 1")
    async with chat.app.db.transaction() as session:
        offers = await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "offer"))
        texts = [row.payload["text"] for row in offers.scalars()]
    assert texts and all("匹配依据：" in text and "医院" in text for text in texts)


async def test_the_offer_shows_the_residents_own_words(chat: Chat) -> None:
    """ "匹配依据" quotes what the resident typed, not a catalog phrase the sentence held only
    in part (帮忙买菜 once showed "帮忙买药", a word she never said)."""
    await chat.script(
        "王凤兰",
        [
            ("能不能帮忙买菜送上门，我腿脚不好", "1. "),
            ("1", "什么时间方便？"),
            ("2", "1. 在家"),
            ("1", "还有什么需要说明的吗？"),
            ("跳过", "服务："),
            ("1", "已提交服务需求 #1"),
        ],
    )
    await chat.text("王海燕", "/dispatch 1")
    async with chat.app.db.transaction() as session:
        offers = await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "offer"))
        texts = [row.payload["text"] for row in offers.scalars()]
    assert texts
    for text in texts:
        said = text.split("匹配依据：", 1)[1].splitlines()[0]
        assert said != "—" and "买药" not in said
        assert all(word in "能不能帮忙买菜送上门，我腿脚不好" for word in said.split("、")), said


async def test_a_report_in_everyday_words_offers_the_sentence_as_its_description(
    chat: Chat,
) -> None:
    """The resident already said what is wrong: the report does not make her type it again."""
    said = "楼下有人在绿化带里私搭乱建了一个小棚子"
    await chat.script(
        "王凤兰",
        [
            (said, f"「{said}」"),  # the category 私搭乱建 was named: on to the description
            ("1", "有照片吗"),  # "✔ 就用这句"
            ("跳过", "问题在哪里"),
            ("1", f"内容：{said}"),
        ],
    )
    await chat.script(
        "Michael Brown",
        [
            ("there is graffiti on the wall by gate 3", "choose the kind of problem"),
            ("4", '"there is graffiti on the wall by gate 3"'),
            ("1", "Do you have a photo"),
            ("skip", "Where is it"),
            ("1", "What: there is graffiti on the wall by gate 3"),
        ],
    )
    # Only saying "a report" is no description: the question is asked plainly.
    await asked_plainly(chat, "王凤兰", ("我要报事", "1"), "请简单描述问题", "您刚才说")


async def asked_plainly(
    chat: Chat, user: str, said: tuple[str, str], question: str, offer: str
) -> None:
    """After /cancel, `said` (an opening that names no subject, then the next answer) gets
    `question` without the offer of the sentence."""
    await chat.text(user, "/cancel")
    await chat.text(user, said[0])
    asked = await chat.text(user, said[1])
    assert question in asked and offer not in asked


async def test_a_proposal_in_everyday_words_offers_the_sentence_as_its_text(chat: Chat) -> None:
    said = "我建议在小区里加装几个快递柜，现在快递都堆在门口容易丢"  # kept as typed (，not ,)
    await chat.script(
        "王凤兰",
        [
            (said, "提案的标题"),
            ("加装快递柜", f"「{said}」"),
            ("1", "涉及的范围"),  # "✔ 就用这句"
        ],
    )
    await chat.text("王凤兰", "/cancel")
    await chat.script(
        "Michael Brown",
        [
            ("I suggest we put a bench at the bus stop by gate 2", "title"),
            ("A bench at the bus stop", '"I suggest we put a bench at the bus stop by gate 2"'),
        ],
    )
    opening = ("I want to make a proposal", "A bench at the bus stop")
    await asked_plainly(chat, "Michael Brown", opening, "Describe the situation", "You said")


def test_what_a_sentence_is_about_decides_whether_it_is_offered() -> None:
    from handlers.understanding import _describes

    for about in (
        "路灯坏了好几天了",
        "楼下有人私装地锁",
        "我建议小区加装电梯",
        "there is graffiti on the wall by gate 3",
        "I suggest we put a bench at the bus stop by gate 2",
    ):
        assert _describes(about), about
    only_that = ("我要报事", "举报", "我要提案", "我想提个建议", "我想给社区提个意见")
    for only in (*only_that, "I want to report a problem"):
        assert not _describes(only), only
    assert not _describes("I want to make a proposal")


async def test_the_request_sentence_can_be_the_notes_the_volunteer_reads(chat: Chat) -> None:
    """ "我腿脚不好" was said once, at the start: it reaches the volunteer without typing it again.
    A sentence that only names the service ("陪老人看病") is not offered."""
    said = "能不能帮忙买菜送上门，我腿脚不好"
    await chat.script(
        "王凤兰",
        [
            (said, "1. "),
            ("1", "什么时间方便？"),
            ("2", "1. 在家"),
            ("1", f"「{said}」"),
            ("1", f"备注：{said}"),  # "✔ 就用这句"
            ("1", "已提交服务需求 #1"),
        ],
    )
    await chat.text("王海燕", "/dispatch 1")
    async with chat.app.db.transaction() as session:
        offers = await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "offer"))
        texts = [row.payload["text"] for row in offers.scalars()]
    assert texts and all(f"说明：{said}" in text for text in texts)
    # the window she chose (明天上午), as she saw it, not only its start
    assert all("时间：2026-12-01 08:00–12:00" in text for text in texts), texts[0]
    await chat.script("王凤兰", [("陪老人看病", "1. "), ("1", "什么时间方便？"), ("2", "1. 在家")])
    asked = await chat.text("王凤兰", "1")
    assert "还有什么需要说明的吗" in asked and "您一开始说" not in asked


async def test_an_emergency_gets_the_numbers_first_and_staff_at_once(chat: Chat) -> None:
    """ "我妈摔倒了起不来" went to the need flow (a care service tomorrow morning): it now gets the
    emergency numbers at once, and one press tells the organizers, marked, in the quiet hours
    too."""
    said = "我妈摔倒了起不来"
    got = await chat.text("王凤兰", said)
    assert "120" in got and "转人工" in got and "什么时间方便" not in got
    assert "已转给社区工作人员" in await chat.text("王凤兰", "1")
    told = await inbox(chat.app, ORGANIZER)
    assert any("可能有紧急情况" in text and said in text for text in told), told
    async with chat.app.db.transaction() as session:
        rows = await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "notice"))
        alerts = [row for row in rows.scalars() if "可能有紧急情况" in row.payload["text"]]
    assert alerts and all(row.urgent for row in alerts)  # not held for the quiet hours
    got = await chat.text("Michael Brown", "my father fell and can't get up")
    assert "call 120" in got and "Talk to a person" in got


async def test_a_thank_you_gets_a_welcome_not_a_menu(chat: Chat) -> None:
    assert await chat.text("王凤兰", "谢谢你们！") == "不客气！有需要随时告诉我。"
    assert "welcome" in await chat.text("Michael Brown", "Thanks a lot")
    assert "水电维修" in await chat.text("王凤兰", "谢谢，我家水管漏了")  # thanks, and a need
