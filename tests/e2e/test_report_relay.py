"""A report as people live it: a typed place, a photo, the grid worker and the reporter writing to
each other from the notices' "发消息" button, the fix with a photo after. A neighbour who only
said "me too" gets the notices, never the button (the thread is the two sides')."""

from __future__ import annotations

from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.needs_reports import inbox, inbox_choices
from tests.support.volunteering import Talk

TEXT = "楼下有人私装地锁，占了消防通道"
WRITE = "relay:report:1"


async def test_reporter_and_worker_write_from_the_notices(chat: Chat, clock: FakeClock) -> None:
    talk = Talk(chat, clock)
    await talk.script(
        "王凤兰",
        [
            ("报事", "报事：请选择问题类别"),
            ("5", "请简单描述问题"),
        ],
    )
    assert "问题在哪里" in await talk.text("王凤兰", TEXT, photo="console:before.jpg")
    shown = await talk.text("王凤兰", "劲松一区103号楼东侧")
    assert "劲松一区103号楼（您写的：劲松一区103号楼东侧）" in shown
    assert "已提交报事 #1" in await talk.text("王凤兰", "1")
    await talk.script(
        "陈永福",
        [
            ("报事", "请选择问题类别"),
            ("5", "请简单描述"),
            (TEXT, "有照片吗"),
            ("跳过", "问题在哪里"),
        ],
    )
    await talk.text("陈永福", "劲松一区103号楼东侧")
    assert "现在 2 人反映" in await talk.text("陈永福", "1")

    # the worker's notice of the new report: "发消息" beside acknowledging
    assert WRITE in (await inbox_choices(chat.app, "张磊"))[0]
    opened = await talk.text("张磊", payload=WRITE)
    assert "请输入要转达" in opened
    assert "报事 #1（" in opened and "r1" not in opened  # one number, as everywhere else
    assert "已转达" in await talk.text("张磊", "您好，请问地锁在哪个车位？")
    assert "对话已关闭" in await talk.text("张磊", "结束")
    heard = (await inbox(chat.app, "王凤兰"))[-1]
    assert "网格员 张磊：您好，请问地锁在哪个车位？" in heard

    # the worker acknowledges: the reporter's notice carries "发消息", the neighbour's does not
    await talk.text("张磊", payload="rack:1")
    assert WRITE in (await inbox_choices(chat.app, "王凤兰"))[-1]
    told = await inbox(chat.app, "陈永福")
    assert told and "报事 #1" in told[-1], told  # the neighbour hears about it too
    assert all(WRITE not in choices for choices in await inbox_choices(chat.app, "陈永福"))
    assert "请输入要转达" in await talk.text("王凤兰", payload=WRITE)
    assert "已转达" in await talk.text("王凤兰", "3号楼东侧第二个车位")
    assert "报事人 王凤兰：3号楼东侧第二个车位" in (await inbox(chat.app, "张磊"))[-1]
    await talk.text("王凤兰", "结束")

    # fixed with a photo after; the thread stays with the report
    await talk.text("张磊", payload="rclose:1")
    assert "处理后的照片" in await talk.text("张磊", "地锁已拆除")
    assert "报事 #1 已办结" in await talk.text("张磊", photo="console:after.jpg")
    view = await talk.text("王凤兰", "/report_status 1")
    assert "消息记录" in view and "我：3号楼东侧第二个车位" in view
