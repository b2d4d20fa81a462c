"""/mydata in words (Chinese first, then English), and the console writing the file to disk."""

from __future__ import annotations

import json
from pathlib import Path

from bot.console import Console
from tests.support.chat import Chat
from tests.support.needs_reports import make_need, make_report
from tests.support.proposals import propose


async def test_mydata_is_a_readable_summary_beside_the_file(chat: Chat) -> None:
    await propose(chat, "王凤兰", "加装电梯", "103号楼六层没有电梯，老人上下楼太难。")
    await make_need(chat.app, "王凤兰")
    await make_report(chat.app, "王凤兰")
    replies = await chat.say("王凤兰", "/mydata")
    text = replies[0].text
    assert "称呼：王凤兰" in text and "住址：劲松街道 劲松北社区 第一网格 劲松一区103号楼" in text
    assert "手机：136****0101" in text  # masked in the chat; in full in the file
    assert "提案 1 条：\n· #1 加装电梯 · " in text
    assert "报事 1 条：\n· #1 私装地锁 · 待受理 · 2026-" in text
    assert "敏感信息单独同意：未同意" in text
    assert "+8613600000101" not in text and "T0" not in text  # no raw codes or ISO times
    _name, content = replies[0].document or ("", "")
    assert json.loads(content)["profile"]["phone"] == "+8613600000101"


async def test_mydata_in_english(chat: Chat) -> None:
    replies = await chat.say("Michael Brown", "/mydata")
    assert "Name: Michael Brown" in replies[0].text and "Language: English" in replies[0].text


async def test_the_console_writes_files_and_prints_their_path(chat: Chat, tmp_path: Path) -> None:
    said: list[str] = []
    console = Console(chat.app, write=said.append, files=tmp_path / "files")
    await console.say("王凤兰", "/mydata")
    written = tmp_path / "files" / "0001-linli-mydata.json"
    assert json.loads(written.read_text(encoding="utf-8"))["profile"]["display_name"] == "王凤兰"
    assert "📎 linli-mydata.json" in "\n".join(said) and str(written) in "\n".join(said)
