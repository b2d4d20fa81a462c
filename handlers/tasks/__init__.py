"""Dispatch of service needs to volunteers and organizations, and the tasks that follow.

A need is offered to the top k matches (`dispatch.offer_round`); the first acceptance wins
atomically (`dispatch.accept`); declines and time-outs (rows of kind "offer_timeout") move on to the
next candidates; when nobody is left the community's organizers are alerted. After acceptance the
two sides see each other's contact; the volunteer marks the task done, the resident (or an
organizer) confirms, hours are recorded and the need closes (`work`); reminders, the automatic
confirmation and the hours asked at "done" are in `closing`.
"""

from handlers.core.auth import ORGANIZERS
from handlers.core.features import Feature, MenuEntry
from handlers.core.i18n import N_
from handlers.tasks.closing import HOURS, confirm_command
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


# What this feature serves, in one place (handlers/routes.py lists the features).
FEATURE = Feature(
    "tasks",
    commands={
        "tasks": list_tasks,
        "task_done": task_done_command,
        "task_cancel": TASK_CANCEL,
        "dispatch": dispatch_command,
        "task_confirm": confirm_command,
    },
    flows=(HOURS,),
    keywords={
        "任务": "tasks",
        "我的任务": "tasks",
        "确认完成": "task_confirm",
        "完成了": "task_confirm",
        "confirm": "task_confirm",
        "confirm done": "task_confirm",
    },
    payloads={"offer": answer_offer, "taskdone": mark_done, "taskok": confirm, "taskbad": dispute},
    help=[
        (N_("help.tasks"), None),
        (N_("closing.help"), None),
        (N_("help.dispatch"), ORGANIZERS),
    ],
    menu=[MenuEntry(N_("wechat.menu.volunteers"), N_("wechat.menu.tasks"), ("tasks",), 1)],
)
