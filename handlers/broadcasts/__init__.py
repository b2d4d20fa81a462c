"""Broadcasts (通知): an organizer sends a notice to an audience in their region scope.

`/broadcast` (keyword 通知, `compose`) asks for the area, who (everyone / volunteers / organizers /
grid workers), skills (volunteers only), language, the text and when; shows the recipient count
and a preview; on confirmation writes the Broadcast row and one outbox row per reachable identity
in the same transaction (`delivery`), or, for later, a DueJob "broadcast_start". `/broadcast_status
[ID]` shows progress and `/broadcast_cancel ID` stops what has not gone out yet (`progress`).
A recipient's short "我能来" / "报名" reaches the author, and signs them up when the notice was
sent for an activity with `/activity_broadcast ID` (`answers`).
"""

from handlers.broadcasts.answers import activity_broadcast, answer
from handlers.broadcasts.compose import BROADCAST
from handlers.broadcasts.delivery import notice_text, queue_broadcast, start_scheduled
from handlers.broadcasts.progress import cancel_broadcast, describe, show_status, state_of
from handlers.core.auth import ORGANIZERS
from handlers.core.features import Feature
from handlers.core.i18n import N_

__all__ = [
    "BROADCAST",
    "activity_broadcast",
    "answer",
    "cancel_broadcast",
    "describe",
    "notice_text",
    "queue_broadcast",
    "show_status",
    "start_scheduled",
    "state_of",
]


# What this feature serves, in one place (handlers/routes.py lists the features).
FEATURE = Feature(
    "broadcasts",
    commands={
        "broadcast": BROADCAST,
        "broadcast_status": show_status,
        "broadcast_cancel": cancel_broadcast,
        "activity_broadcast": activity_broadcast,
    },
    keywords={"通知": "broadcast", "发通知": "broadcast", "通知进度": "broadcast_status"},
    help=[(N_("broadcasts.help"), ORGANIZERS)],
)
