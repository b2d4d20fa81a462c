"""Who may do what with a proposal: every action × every kind of person, allowed or refused.

Proposal #1 is 王凤兰's (劲松北社区), co-signed by 李福海, moved to the state each action needs.
Co-signing and proposing go by where a person lives, whatever roles they hold; deciding and
project follow-up need organizer or admin over the community; confirming or disputing "done" is
for the proposer and co-signers.
"""

from __future__ import annotations

import pytest

from tests.support.chat import Chat
from tests.support.proposals import propose, set_fields

PEOPLE = {
    "resident_here": "赵淑兰",  # lives in 劲松北社区
    "resident_other": "刘思彤",  # lives in 百环社区
    "grid_worker": "张磊",  # grid worker of 劲松北 第一网格, home there
    "organizer_here": "王海燕",  # organizer of 劲松北社区
    "organizer_other": "李梦瑶",  # organizer of 百环社区
    "admin": "刘文静",  # admin over the whole street, home is the street
    "unregistered": "路人",  # never sent /start
    "proposer": "王凤兰",
    "cosigner": "李福海",
}

# action: (state of #1, what is said, what an allowed person sees)
ACTIONS = {
    "propose": (None, "/propose", "请用一句话写下提案的标题"),
    "view": ("submitted", "/proposal 1", "提案 #1「加装电梯」"),
    "cosign": ("submitted", "/cosign 1", "您已附议提案 #1"),
    "agenda": ("seconded", "/agenda", "#1 加装电梯｜劲松北社区"),
    "decide": ("seconded", "/decide 1", "社区的决定是"),
    "progress": ("accepted", "/progress 1", "有什么新进展"),
    "confirm": ("done", "/confirm 1", "谢谢确认"),
    "dispute": ("done", "/dispute 1", "请说明理由"),
}

# Who is allowed, per action; everyone else is refused.
ALLOWED = {
    "propose": {
        "resident_here",
        "resident_other",
        "grid_worker",
        "organizer_here",
        "organizer_other",
        "proposer",
        "cosigner",
    },
    "view": {"resident_here", "grid_worker", "organizer_here", "admin", "proposer", "cosigner"},
    "cosign": {"resident_here", "grid_worker", "organizer_here"},
    "agenda": {"organizer_here", "admin"},
    "decide": {"organizer_here", "admin"},
    "progress": {"organizer_here", "admin"},
    "confirm": {"proposer", "cosigner"},
    "dispute": {"proposer", "cosigner"},
}

# Every refusal says why, in words like these.
REFUSALS = (
    "请先发送 /start",
    "没有权限",
    "不属于您所在的社区",
    "只有本社区的居民",
    "只有提案人和附议人",
    "没有所在社区",
    "您自己提出的提案",
    "已经附议过",
    "目前没有待联席会议研究的提案",
)

TABLE = [
    pytest.param(action, who, who in ALLOWED[action], id=f"{action}-{who}")
    for action in ACTIONS
    for who in PEOPLE
]


@pytest.mark.parametrize(("action", "who", "allowed"), TABLE)
async def test_who_may_do_what(chat: Chat, action: str, who: str, allowed: bool) -> None:
    state, said, success = ACTIONS[action]
    await propose(chat, "王凤兰", "加装电梯", "六层没有电梯，老人上下楼难。")
    await chat.text("李福海", "/cosign 1")
    now = chat.app.deps.clock()
    if state == "seconded":
        await chat.text("陈永福", "/cosign 1")
        await set_fields(chat, 1, status="seconded")
    elif state == "accepted":
        await set_fields(chat, 1, status="accepted", owner="居委会", decided_at=now)
    elif state == "done":
        await set_fields(chat, 1, status="done", owner="居委会", decided_at=now, done_at=now)
    text = await chat.text(PEOPLE[who], said)
    if allowed:
        assert success in text, text
    else:
        assert success not in text and any(r in text for r in REFUSALS), text
