"""The demo's elderly resident gives her door with the button under /me (🏠 填写门牌地址); the
volunteers offered her need do not see it, the one who accepts does (Chinese and English)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.demo import run_demo

DOOR = {"zh_CN": "3单元 502", "en": "Entrance 3, Room 502"}
BUTTON = {"zh_CN": "1. 🏠 填写门牌地址", "en": "1. 🏠 Add my building and door"}
OFFER = {"zh_CN": "📋 新的服务任务 #1", "en": "📋 New task #1"}
ACCEPTED = {"zh_CN": "已由您承接", "en": "is yours"}


def _blocks(out: str) -> list[str]:
    """The transcript cut into one block per line said or message pushed (with its replies)."""
    blocks: list[str] = []
    for line in out.splitlines():
        if line.startswith(("[", "  📨", "══", "⏱", "⏩")) or not blocks:
            blocks.append(line)
        else:
            blocks[-1] += "\n" + line
    return blocks


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_door_is_given_by_button_and_seen_after_accepting(
    tmp_path: Path, lang: str
) -> None:
    lines: list[str] = []
    await run_demo(lang, lines.append, f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}")
    blocks = _blocks("\n".join(lines))
    said = [(b.splitlines() or [""])[0] for b in blocks]
    me = said.index("[王凤兰] /me")
    assert BUTTON[lang] in blocks[me]
    assert said[me + 1] == "[王凤兰] 1"  # she presses it …
    assert said[me + 2] == f"[王凤兰] {DOOR[lang]}"  # … and writes her door
    assert DOOR[lang] in blocks[me + 2].splitlines()[1]  # saved
    offers = [b for b in blocks if OFFER[lang] in b]
    assert len(offers) >= 2 and not any(DOOR[lang] in b for b in offers)  # never in an offer
    [accepted] = [b for b in blocks if ACCEPTED[lang] in b and b.startswith("[张淑珍]")]
    assert DOOR[lang] in accepted  # the volunteer who accepted sees it
    assert blocks.index(accepted) > blocks.index(offers[0])
    out = "\n".join(lines)
    assert "系统出了点问题" not in out and "went wrong" not in out
