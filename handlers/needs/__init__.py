"""Service needs (服务需求, "one window"): residents ask, grid workers enter door to door.

The hand-off to matching and dispatch (the volunteers issue): `open_needs(session, region)` lists
what waits for a volunteer; `set_status(session, need, status, now, actor_id)` moves a need along
open → matching → assigned → done / cancelled (raising Conflict on an invalid or stale move) and
tells the resident through the outbox.
"""

from handlers.core.auth import STAFF_ROLES
from handlers.core.features import Feature, MenuEntry
from handlers.core.i18n import N_
from handlers.needs.behalf import NEED_FOR
from handlers.needs.export import export_rows
from handlers.needs.lifecycle import COMMENT, TRANSITIONS, cancel, open_needs, rate, set_status
from handlers.needs.request import NEED
from handlers.needs.series import create_occurrences, repeat_command, series_command
from handlers.needs.station import move_button as station_move
from handlers.needs.station import progress_command as station_progress
from handlers.needs.views import list_mine, list_open, show
from handlers.needs.visit import VISIT

__all__ = [
    "COMMENT",
    "NEED",
    "NEED_FOR",
    "TRANSITIONS",
    "VISIT",
    "cancel",
    "create_occurrences",
    "export_rows",
    "list_mine",
    "list_open",
    "open_needs",
    "rate",
    "set_status",
    "show",
    "station_move",
    "station_progress",
]


# What this feature serves, in one place (handlers/routes.py lists the features).
FEATURE = Feature(
    "needs",
    commands={
        "need": NEED,
        "needs": list_mine,
        "need_status": show,
        "needs_open": list_open,
        "need_progress": station_progress,
        "visit": VISIT,
        "need_for": NEED_FOR,
        "need_repeat": repeat_command,
        "series": series_command,
    },
    flows=(NEED, VISIT, COMMENT, NEED_FOR),
    keywords={
        "需求": "need",
        "服务需求": "need",
        "我要求助": "need",
        "我的需求": "needs",
        "入户收集": "visit",
        "入户": "visit",
        "替家人求助": "need_for",
        "帮家人求助": "need_for",
        "为家人求助": "need_for",
    },
    payloads={"needcancel": cancel, "needrate": rate, "needst": station_move},
    help=[(N_("needs.help"), None), (N_("needs.help_staff"), STAFF_ROLES)],
    menu=[MenuEntry(N_("wechat.menu.residents"), N_("wechat.menu.need"), ("need", "needs"), 2)],
)
