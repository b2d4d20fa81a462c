"""Grid reports where people live them: a place typed in words, the problem's place (not the
reporter's home), the worker's view in words, and photos before and after the fix."""

from __future__ import annotations

from handlers.core.messages import Reply
from storage.repos import regions
from tests.support.chat import Chat
from tests.support.needs_reports import get_report, inbox, make_report

TEXT = "楼下有人私装地锁，占了消防通道"
START = [
    ("报事", "报事：请选择问题类别"),
    ("5", "请简单描述问题"),
    (TEXT, "有照片吗"),
]


async def region_id(chat: Chat, code: str) -> int:
    async with chat.app.db.transaction() as session:
        region = await regions.by_code(session, code)
        assert region is not None
        return region.id


async def test_a_typed_place_is_resolved_to_its_building_and_kept(chat: Chat) -> None:
    await chat.script("王凤兰", START)
    assert "问题在哪里" in await chat.text("王凤兰", "跳过")
    shown = await chat.text("王凤兰", "劲松一区106号楼南侧")
    assert "位置：劲松一区106号楼（您写的：劲松一区106号楼南侧）" in shown
    assert "已转给第二网格的网格员" in await chat.text("王凤兰", "1")
    report = await get_report(chat.app, 1)
    assert report.region_id == await region_id(chat, "CY-JS-01-G2-B2")
    assert report.grid_id == await region_id(chat, "CY-JS-01-G2")
    assert report.place_text == "劲松一区106号楼南侧"
    # The problem is in the second grid: its worker hears, not the reporter's own grid worker.
    notice = (await inbox(chat.app, "杨帆"))[0]
    assert "位置：劲松一区106号楼（第二网格） “劲松一区106号楼南侧”" in notice
    assert await inbox(chat.app, "张磊") == []
    detail = await chat.text("杨帆", "/report_status 1")
    assert "位置：劲松一区106号楼（第二网格）（您写的：劲松一区106号楼南侧）" in detail


async def test_an_unsure_place_is_asked_and_an_unknown_one_picked_from_lists(chat: Chat) -> None:
    await chat.script("王凤兰", [*START, ("跳过", "问题在哪里")])
    asked = await chat.text("王凤兰", "1号楼门口")  # 百环家园 and 和谐家园 both have a 1号楼
    assert "您写的「1号楼门口」是下面哪一处" in asked
    assert "百环家园1号楼（" in asked and "和谐家园1号楼（" in asked
    assert "都不是，从列表里选" in asked
    assert "请选择社区" in await chat.text("王凤兰", "3")  # none of these
    await chat.script(
        "王凤兰",
        [
            ("1", "请选择网格"),  # 劲松北社区
            ("1", "在哪栋楼附近"),  # 第一网格
            ("2", "（您写的：1号楼门口）"),  # 劲松一区102号楼
            ("1", "已提交报事 #1"),
        ],
    )
    report = await get_report(chat.app, 1)
    assert report.region_id == await region_id(chat, "CY-JS-01-G1-B2")
    assert report.place_text == "1号楼门口"


async def test_a_place_matching_nothing_is_said_so(chat: Chat) -> None:
    await chat.script("王凤兰", [*START, ("跳过", "问题在哪里")])
    text = await chat.text("王凤兰", "农贸市场后门")
    assert "没有找到「农贸市场后门」对应的楼院或网格" in text
    assert "请选择社区" in await chat.text("王凤兰", "1")


async def test_my_home_grid_files_on_the_grid_not_on_my_building(chat: Chat) -> None:
    await chat.script(
        "王凤兰",
        [*START, ("跳过", "1. 我家所在网格（第一网格）"), ("1", "位置：第一网格"), ("1", "已提交")],
    )
    report = await get_report(chat.app, 1)
    grid = await region_id(chat, "CY-JS-01-G1")
    assert (report.region_id, report.grid_id) == (grid, grid)  # not 103号楼, where she lives


async def test_the_workers_view_is_in_words(chat: Chat) -> None:
    report_id = await make_report(chat.app)
    detail = await chat.text("张磊", f"/report_status {report_id}")
    assert "优先级：一般" in detail and "上报情况：未超期" in detail
    assert "优先级：0" not in detail and "上报级别" not in detail
    raised = await make_report(chat.app, priority=3, metoo_count=3, escalation_level=1)
    detail = await chat.text("张磊", f"/report_status {raised}")
    assert "优先级：高（3 位邻居也反映了）" in detail
    assert "上报情况：超过回应期限，已报街道" in detail
    residents = await chat.text("王凤兰", f"/report_status {report_id}")
    assert "优先级" not in residents  # staff only


def photos(replies: list[Reply]) -> list[str | None]:
    return [reply.photo for reply in replies]


async def test_photos_before_and_after_the_fix(chat: Chat) -> None:
    await chat.script("王凤兰", START[:2])
    await chat.text("王凤兰", TEXT, photo="console:before.jpg")
    await chat.text("王凤兰", "劲松一区103号楼东侧")
    await chat.text("王凤兰", "1")
    await chat.text("张磊", payload="rclose:1")
    asked = await chat.text("张磊", "地锁已拆除")
    assert "处理后的照片" in asked and "跳过" in asked
    assert "报事 #1 已办结" in await chat.text("张磊", photo="console:after.jpg")
    report = await get_report(chat.app, 1)
    assert (report.photo_ref, report.after_photo_ref) == ("console:before.jpg", "console:after.jpg")
    replies = await chat.say("王凤兰", "/report_status 1")
    assert photos(replies) == ["console:before.jpg", "console:after.jpg"]
    assert "照片：有（上报时一张，办结后一张）" in replies[0].text
    assert "报事 #1 办结后的照片" in replies[1].text
    assert replies[1].choices and not replies[0].choices  # the rating buttons stay last


async def test_an_english_resident_types_a_place(chat: Chat) -> None:
    await chat.script(
        "Michael Brown",
        [
            ("/report", "Report a problem"),
            ("6", "Describe the problem briefly"),
            ("Flyers on the lift door", "Do you have a photo?"),
            ("skip", "Type the place"),
            (
                "劲松一区106号楼 lift",
                "Where: 劲松一区106号楼 (as you wrote it: 劲松一区106号楼 lift)",
            ),
            ("1", "Report #1 was sent to the grid worker of 第二网格"),
        ],
    )
