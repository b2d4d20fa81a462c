"""The residents' features over Telegram: a proposal with co-signs, a service need, a grid report
with a photo and a location — buttons pressed, notifications delivered by the outbox sender."""

from __future__ import annotations

from sqlalchemy import select, update

from storage.models import GridReport, Need, Proposal, Region
from tests.e2e.telegram.conftest import LIN, TOM, TelegramBot
from tests.e2e.telegram.test_dialogs import REGISTRATION_ZH
from tests.support.fake_telegram import User

WANG = User(5004, "王芳")
ZHANG = User(6001, "张磊")  # the demo grid worker of 劲松北社区 第一网格
ORGANIZER = User(6002, "王海燕")  # the demo organizer of 劲松北社区
LIFT = ("加装电梯", "我们103号楼都是老人，六层没有电梯，上下楼太难，希望加装电梯。")
LOCK = "103号楼下有人私装地锁，占了消防通道"


async def _register(bot: TelegramBot, user: User, english: bool = False) -> None:
    if not english:
        steps = list(REGISTRATION_ZH)
        steps[5] = (f"[就叫我「{user.first_name}」]", "隐私政策")
        steps[6] = ("[同意]", f"登记完成，{user.first_name}")
        await bot.script(user, steps)
        return
    await bot.script(
        user,
        [
            ("/start", "Welcome"),
            ("[English]", "How will you use"),
            ("[Resident]", "community"),
            ("[劲松北社区]", "grid"),
            ("[第一网格]", "What should we call you"),
            ("#1", "Privacy policy"),
            ("[I agree]", "You are registered"),
        ],
    )


async def test_a_proposal_gathers_co_signs_from_telegram_users(bot: TelegramBot) -> None:
    async with bot.app.db.transaction() as session:
        await session.execute(
            update(Region).where(Region.code == "CY-JS-01").values(cosign_threshold=2)
        )
    await bot.link(ORGANIZER, "王海燕")
    await _register(bot, LIN)
    await bot.script(
        LIN,
        [
            ("/propose", "请用一句话写下提案的标题"),
            (LIFT[0], "请具体说明情况和您的建议"),
            (LIFT[1], "这条提案涉及的范围是？"),
            ("[全社区（劲松北社区）]", "请选择提案类别"),
            ("[设施]", "提案 #1「加装电梯」已提交"),
        ],
    )
    await _register(bot, TOM, english=True)
    assert "1/2 co-signatures" in await bot.send(TOM, "/cosign 1")
    await _register(bot, WANG)
    shown = await bot.send(WANG, "/proposal 1")
    assert "加装电梯" in shown and "[附议]" in shown
    seconded = await bot.send(WANG, "[附议]")
    assert "目前附议 2/2 人" in seconded and "已进入下一次社区联席会议的议程" in seconded
    for _ in range(3):  # one message a second per chat
        await bot.drain()
        bot.clock.advance(seconds=1)
    lin = bot.new_for(LIN)
    assert "附议已达门槛的 50%（1/2 人）" in lin and "门槛的 100%（2/2 人）" in lin
    assert "已进入下一次社区联席会议的议程" in lin
    agenda = bot.new_for(ORGANIZER)
    assert "【联席会议议程】劲松北社区的提案 #1「加装电梯」附议已达 2 人" in agenda
    assert "[作出决定]" in agenda
    async with bot.app.db.transaction() as session:
        proposal = await session.get(Proposal, 1)
        assert proposal is not None and proposal.status == "seconded"
        assert proposal.cosign_count == 2


async def test_a_service_need_is_asked_for_with_buttons(bot: TelegramBot) -> None:
    await _register(bot, LIN)
    await bot.script(
        LIN,
        [
            ("/need", "您需要什么服务？"),
            ("陪老人看病", "找到以下服务项目"),
            ("[陪诊服务]", "什么时间方便？"),
            ("[明天上午]", "在哪里提供服务？"),
            ("#1", "还有什么需要说明的吗？"),
            ("需要轮椅", "服务：陪诊服务\n时间：2026-12-01 08:00–12:00"),
            ("[✔ 确认提交]", "已提交服务需求 #1（陪诊服务），状态：待匹配"),
        ],
    )
    assert "#1 陪诊服务 · 待匹配" in await bot.send(LIN, "/needs")
    async with bot.app.db.transaction() as session:
        need = await session.get(Need, 1)
        assert need is not None and need.notes == "需要轮椅" and need.status == "open"


async def _report_with_photo_and_location(bot: TelegramBot) -> str:
    await _register(bot, LIN)
    await bot.script(LIN, [("/report", "请选择问题类别"), ("[私装地锁]", "请简单描述问题")])
    # a captioned photo answers "what" and "photo" at once; then the location is shared
    photo = bot.tg.photo(LIN, "AgACAgUAAxkB-report", caption=LOCK)
    assert (await bot.post(photo)).status_code == 200
    assert "问题在哪里？可以发送位置" in bot.new_for(LIN)
    assert (await bot.post(bot.tg.location(LIN, 39.8883, 116.4618))).status_code == 200
    confirm = bot.new_for(LIN)
    assert "照片：有\n位置：劲松一区103号楼" in confirm
    return await bot.send(LIN, "[✔ 确认提交]")


async def test_a_grid_report_with_photo_and_location_reaches_the_grid_worker(
    bot: TelegramBot,
) -> None:
    await bot.link(ZHANG, "张磊")
    assert "已提交报事 #1，已转给第一网格的网格员" in await _report_with_photo_and_location(bot)
    async with bot.app.db.transaction() as session:
        report = (await session.execute(select(GridReport))).scalar_one()
    assert report.photo_ref == "telegram:AgACAgUAAxkB-report"  # the largest size
    assert (report.lat, report.lon) == (39.8883, 116.4618)
    assert (await bot.drain()).sent == 1
    assert f"新报事 #1（私装地锁，第一网格）：{LOCK}" in bot.new_for(ZHANG)
    assert "已受理报事 #1" in await bot.send(ZHANG, "[受理]")
    bot.clock.advance(seconds=2)
    await bot.drain()
    assert "已由网格员张磊受理" in bot.new_for(LIN)


async def test_the_grid_worker_sees_the_report_photo(bot: TelegramBot) -> None:
    await bot.link(ZHANG, "张磊")
    await _report_with_photo_and_location(bot)
    await bot.drain()
    [notice] = bot.tg.sent(ZHANG.id)
    assert notice.method == "sendPhoto" and notice.params["photo"] == "AgACAgUAAxkB-report"
