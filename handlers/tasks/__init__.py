"""Dispatch of service needs to volunteers and organizations, and the tasks that follow.

A need is offered to the top k matches (`dispatch.offer_round`); the first acceptance wins
atomically (`dispatch.accept`); declines and time-outs (rows of kind "offer_timeout") move on to the
next candidates; when nobody is left the community's organizers are alerted. After acceptance the
two sides see each other's contact; the volunteer marks the task done, the resident (or an
organizer) confirms, hours are recorded and the need closes (`work`).
"""

from handlers.tasks.offers import (
    accept,
    answer_offer,
    decline,
    dispatch_command,
    expire_offer,
    offer_round,
)
from handlers.tasks.sweep import dispatch_batch, dispatch_open
from handlers.tasks.work import (
    TASK_CANCEL,
    confirm,
    dispute,
    list_tasks,
    mark_done,
    task_done_command,
)

__all__ = [
    "TASK_CANCEL",
    "accept",
    "answer_offer",
    "confirm",
    "decline",
    "dispatch_batch",
    "dispatch_command",
    "dispatch_open",
    "dispute",
    "expire_offer",
    "list_tasks",
    "mark_done",
    "offer_round",
    "task_done_command",
]
