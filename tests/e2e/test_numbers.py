"""Odd digits everywhere a number is read: numbered prompts, command arguments, button payloads.

Full-width digits are digits; "²" and other non-decimal digits are not; a 20-digit number is out
of range. Each gets the step's or the command's own answer, never the generic error (which is
what `int()` on `isdigit()` text and an id beyond the database's integer column gave).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from handlers.routes import COMMANDS, PAYLOADS
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.errors import DispatcherErrors, dispatcher_errors
from tests.support.volunteering import Talk, record, stored_record

ODD = ["²", "９" * 20, "2147483648"]  # superscript; 20 digits; just past PostgreSQL's integer
GENERIC = "系统出了点问题"


@pytest.fixture
def errors() -> Iterator[DispatcherErrors]:
    """The "unhandled error" lines the dispatcher logs, caught."""
    with dispatcher_errors() as handler:
        yield handler


@pytest.fixture
def talk(chat: Chat, clock: FakeClock) -> Talk:
    """The demo chat, paced under the flood limit."""
    return Talk(chat, clock)


async def test_every_command_takes_odd_numbers_as_arguments(
    talk: Talk, errors: DispatcherErrors
) -> None:
    failed = []
    for name in sorted(COMMANDS):
        for arg in ODD:
            said = f"/{name} {arg}"
            got = await talk.text("王海燕", said)
            if GENERIC in got or errors.records:
                failed.append(
                    f"{said}: {errors.records[0].getMessage() if errors.records else got}"
                )
                errors.records.clear()
    assert not failed, "\n".join(failed)


async def test_every_button_takes_odd_numbers_as_ids(talk: Talk, errors: DispatcherErrors) -> None:
    failed = []
    for prefix in sorted(PAYLOADS):
        for arg in ODD:
            for tail in ([], ["accept"], ["join"]):
                payload = ":".join([prefix, arg, *tail])
                got = await talk.text("王海燕", payload=payload)
                if GENERIC in got or errors.records:
                    failed.append(f"{payload}: {got}")
                    errors.records.clear()
    assert not failed, "\n".join(failed)


async def test_an_id_argument_reads_full_width_and_refuses_the_rest(talk: Talk) -> None:
    await talk.script(
        "赵淑兰",
        [
            ("/proposal " + "９" * 20, "不是有效的提案编号"),
            ("/cosign ²", "「²」不是有效的提案编号"),  # not proposal 2
            ("/cosign 2²", "不是有效的提案编号"),  # nor 22
            ("/need_status ²", "请在命令后面写需求编号"),
            ("/report_status " + "9" * 20, "请在命令后面写报事编号"),
        ],
    )
    assert "没有编号为 1 的提案" in await talk.text("赵淑兰", "/proposal ＃１")


async def test_a_numbered_choice_takes_full_width_and_refuses_superscripts(talk: Talk) -> None:
    await talk.script("赵淑兰", [("/lang", "1. 中文")])
    for odd in ("²", "9" * 20, "0"):
        assert "请从下面的选项中选择" in await talk.text("赵淑兰", odd)
    assert "English" in await talk.text("赵淑兰", "２")


async def test_a_number_prompt_gives_its_own_error(talk: Talk, clock: FakeClock) -> None:
    record_id = await record(talk.chat, "王秀兰", "2", clock.now - timedelta(days=1))
    await talk.script(
        "王秀兰",
        [
            (f"/hours_fix {record_id}", "现在是 2.0 小时"),
            ("²", "请输入小时数"),
            ("3²", "请输入小时数"),
            ("9" * 20, "时长应在 0 到"),
            ("９" * 20, "时长应在 0 到"),
            ("３", "请简单说明更正原因"),
            ("路上堵车", "3.0 小时"),
        ],
    )
    assert (await stored_record(talk.chat, record_id)).correction_requested == Decimal("3.0")
