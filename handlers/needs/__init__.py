"""Service needs (服务需求, "one window"): residents ask, grid workers enter door to door.

The hand-off to matching and dispatch (the volunteers issue): `open_needs(session, region)` lists
what waits for a volunteer; `set_status(session, need, status, now, actor_id)` moves a need along
open → matching → assigned → done / cancelled (raising Conflict on an invalid or stale move) and
tells the resident through the outbox.
"""

from handlers.needs.export import export_rows
from handlers.needs.lifecycle import COMMENT, TRANSITIONS, cancel, open_needs, rate, set_status
from handlers.needs.request import NEED
from handlers.needs.station import move_button as station_move
from handlers.needs.station import progress_command as station_progress
from handlers.needs.views import list_mine, list_open, show
from handlers.needs.visit import VISIT

__all__ = [
    "COMMENT",
    "NEED",
    "TRANSITIONS",
    "VISIT",
    "cancel",
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
