"""Grid reports (报事): residents report problems, grid workers handle them, the street reviews.

For the scheduler: `escalate_overdue(session, now)` escalates reports past their deadlines.
For the office export: `export_rows(session, region)`.
"""

from handlers.reports.assign import reassign, workers_for
from handlers.reports.common import CATEGORIES, DEADLINES, deadlines
from handlers.reports.escalation import escalate_overdue
from handlers.reports.export import export_rows
from handlers.reports.feedback import COMMENT, DISPUTE, dispute, rate
from handlers.reports.submit import REPORT
from handlers.reports.views import list_mine, show
from handlers.reports.work import (
    ACTION,
    acknowledge,
    act,
    add_note,
    close,
    flag_beyond,
    list_grid,
    list_street,
)

__all__ = [
    "ACTION",
    "CATEGORIES",
    "COMMENT",
    "DEADLINES",
    "DISPUTE",
    "REPORT",
    "acknowledge",
    "act",
    "add_note",
    "close",
    "deadlines",
    "dispute",
    "escalate_overdue",
    "export_rows",
    "flag_beyond",
    "list_grid",
    "list_mine",
    "list_street",
    "rate",
    "reassign",
    "show",
    "workers_for",
]
