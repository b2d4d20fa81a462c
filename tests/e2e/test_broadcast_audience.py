"""The rows a filtered broadcast queues go to exactly its audience, not only the preview count.

The recipients are worked out from the demo tables (tests/support/audience.py), independently
of the SQL, and compared with the queued outbox rows' recipients by name.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from storage.models import OutboxMessage
from tests.support.audience import demo_audience_names
from tests.support.chat import Chat

BODY = "本周六上午九点在社区广场集合，参加冬季扫雪志愿活动。"

# (who composes, answers up to the language, area prefix, role, skills, language)
CASES = [
    ("刘文静", ["1", "1", "3"], "CY-JS", "everyone", (), "en"),  # the street, everyone, English
    ("刘文静", ["1", "1", "2"], "CY-JS", "everyone", (), "zh_CN"),
    ("刘文静", ["1", "2", "陪诊", "2"], "CY-JS", "volunteers", ("medical_escort",), "zh_CN"),
    ("刘文静", ["1", "2", "1", "3"], "CY-JS", "volunteers", (), "en"),
    ("刘文静", ["3", "2", "英语教学", "1"], "CY-JS-02", "volunteers", ("english_teaching",), None),
    ("王海燕", ["1", "3", "1"], "CY-JS-01", "organizers", (), None),
    ("刘文静", ["1", "4", "1"], "CY-JS", "grid_workers", (), None),
]


@pytest.mark.parametrize(("who", "answers", "prefix", "role", "skills", "lang"), CASES)
async def test_queued_rows_go_only_to_the_filtered_audience(
    chat: Chat,
    who: str,
    answers: list[str],
    prefix: str,
    role: str,
    skills: tuple[str, ...],
    lang: str | None,
) -> None:
    wanted = demo_audience_names(prefix, role, skills, lang)
    assert wanted, "the case must reach someone"
    await chat.script(who, [("/broadcast", "请选择发送范围")] + [(a, "") for a in answers])
    assert "什么时候发送" in await chat.text(who, BODY)
    assert f"将发送给 {len(wanted)} 人" in await chat.text(who, "1")  # now
    assert "已进入发送队列" in await chat.text(who, "1")  # confirm
    async with chat.app.db.transaction() as session:
        rows = (
            await session.execute(
                select(OutboxMessage.external_id, OutboxMessage.payload).where(
                    OutboxMessage.broadcast_id.is_not(None)
                )
            )
        ).all()
    assert Counter(name for name, _ in rows) == Counter(wanted)
    if lang == "en":  # and each reads it in the language it was filtered by
        assert all("Notice" in payload["text"] for _, payload in rows), rows[0]
