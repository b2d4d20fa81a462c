"""The neutral message and reply types."""

from __future__ import annotations

import pytest

from handlers.core.messages import MAX_PAYLOAD_BYTES, Choice, Link, Message, Reply


@pytest.mark.parametrize(
    ("text", "command", "args"),
    [
        ("/start", "start", ""),
        ("/Start@LinliBot now", "start", "now"),
        ("  /proposal 12 ", "proposal", "12"),
        ("你好", None, ""),
        ("/", None, ""),
        ("", None, ""),
    ],
)
def test_command_and_args(text: str, command: str | None, args: str) -> None:
    message = Message(channel="console", user_id="u", text=text)
    assert message.command == command
    assert message.args == args


def test_value_prefers_the_payload() -> None:
    assert Message(channel="c", user_id="u", text="2", payload="agree").value == "agree"
    assert Message(channel="c", user_id="u", text=" 好的 ").value == "好的"


def test_choice_payload_is_limited_in_bytes() -> None:
    Choice("ok", "x" * MAX_PAYLOAD_BYTES)
    with pytest.raises(ValueError):
        Choice("中", "中" * 22)  # 66 bytes, though only 22 characters


def test_reply_round_trips_through_json() -> None:
    reply = Reply(
        "正文", (Choice("同意", "agree"),), (Link("说明", "https://example.org"),), ("a.csv", "x")
    )
    assert Reply.from_dict(reply.to_dict()) == reply
