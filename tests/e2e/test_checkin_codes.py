"""Check-in codes can't be walked or used to learn about other people's activities.

Codes are 6 characters from an alphabet without look-alikes; every code typed that checks the
person into nothing counts, and after 5 in an hour not even the right code is looked at. A code of
an activity the person did not sign up for is answered exactly like a wrong code.
"""

from __future__ import annotations

from handlers.activities.checkin import TRIES_PER_HOUR
from handlers.core.codes import ALPHABET
from storage.models import Activity
from tests.e2e.test_activities import publish, signup
from tests.support.chat import Chat
from tests.support.clock import FakeClock

WRONG = "签到码不对，或者您没有报名这个活动"
BLOCKED = "签到码输错的次数太多了"


def _other(code: str) -> str:
    """A well-formed code that is not `code`."""
    return "AAAAAA" if code != "AAAAAA" else "BBBBBB"


async def _ready(chat: Chat, clock: FakeClock) -> tuple[str, Activity]:
    """An activity 吴海燕 signed up for, check-in open: (its code, it)."""
    activity = await publish(chat, when="12月1日 9:00-11:00", slots="2")
    await chat.say("吴海燕", payload=f"act:{activity.id}:join")
    clock.advance(hours=22, minutes=30)  # 08:30 on the day
    assert activity.checkin_code is not None
    return activity.checkin_code, activity


async def test_codes_are_six_unambiguous_characters(chat: Chat) -> None:
    activity = await publish(chat)
    code = activity.checkin_code or ""
    assert len(code) == 6 and set(code) <= set(ALPHABET)


async def test_a_code_typed_loosely_still_checks_in(chat: Chat, clock: FakeClock) -> None:
    code, _ = await _ready(chat, clock)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())  # ｑｓ２３ｐｌ
    typed = f"{full_width[:3]} {full_width[3:]}"
    assert "签到成功" in await chat.text("吴海燕", f"/checkin {typed}")


async def test_someone_elses_code_reveals_nothing(chat: Chat, clock: FakeClock) -> None:
    code, activity = await _ready(chat, clock)
    wrong = await chat.text("李梦瑶", f"/checkin {_other(code)}")
    # A real code of an activity outside where one lives (百环社区's organizer, 劲松北's
    # activity): the same answer as a wrong code. A neighbour who came is a walk-in instead
    # (tests/e2e/test_walkins.py).
    other_community = await chat.text("李梦瑶", f"/checkin {code}")
    assert WRONG in other_community and other_community == wrong
    assert activity.title not in other_community


async def test_wrong_codes_are_limited_per_person_per_hour(chat: Chat, clock: FakeClock) -> None:
    code, activity = await _ready(chat, clock)
    for _ in range(TRIES_PER_HOUR - 1):
        clock.advance(seconds=3)
        assert WRONG in await chat.text("吴海燕", f"/checkin {_other(code)}")
    clock.advance(seconds=3)
    # the last try goes through the keyword's dialog: counted there too
    await chat.script("吴海燕", [("签到", "签到码"), (_other(code), WRONG)])
    clock.advance(seconds=3)
    got = await chat.text("吴海燕", code)  # still in the dialog: the right code, too late
    assert BLOCKED in got and "签到成功" not in got
    assert BLOCKED in await chat.text("吴海燕", f"/checkin {code}")
    assert (await signup(chat, activity, "吴海燕")).checked_in_at is None
    assert WRONG in await chat.text("马卫东", "/checkin ZZZZZZ")  # others are not held back
    clock.advance(hours=1)
    assert "签到成功" in await chat.text("吴海燕", f"/checkin {code}")
    assert (await signup(chat, activity, "吴海燕")).checked_in_at is not None
