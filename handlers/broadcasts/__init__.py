"""Broadcasts (通知): an organizer sends a notice to an audience in their region scope.

`/broadcast` (keyword 通知, `compose`) asks for the area, who (everyone / volunteers / organizers /
grid workers), skills (volunteers only), language, the text and when; shows the recipient count
and a preview; on confirmation writes the Broadcast row and one outbox row per reachable identity
in the same transaction (`delivery`), or, for later, a DueJob "broadcast_start". `/broadcast_status
[ID]` shows progress and `/broadcast_cancel ID` stops what has not gone out yet (`progress`).
"""

from handlers.broadcasts.compose import BROADCAST
from handlers.broadcasts.delivery import notice_text, queue_broadcast, start_scheduled
from handlers.broadcasts.progress import cancel_broadcast, describe, show_status, state_of

__all__ = [
    "BROADCAST",
    "cancel_broadcast",
    "describe",
    "notice_text",
    "queue_broadcast",
    "show_status",
    "start_scheduled",
    "state_of",
]
