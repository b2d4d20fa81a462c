"""Grid reports (报事): residents report problems, grid workers handle them, the street reviews.

For the scheduler: `escalate_overdue(session, now)` escalates reports past their deadlines.
For the office export: `export_rows(session, region)`.
"""

from handlers.core.auth import ORGANIZERS, STAFF_ROLES
from handlers.core.features import Feature, MenuEntry
from handlers.core.i18n import N_
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


# What this feature serves, in one place (handlers/routes.py lists the features).
FEATURE = Feature(
    "reports",
    commands={
        "report": REPORT,
        "reports": list_mine,
        "report_status": show,
        "reports_grid": list_grid,
        "reports_street": list_street,
    },
    flows=(REPORT, ACTION, DISPUTE, COMMENT),
    keywords={
        "报事": "report",
        "我要报事": "report",
        "我的报事": "reports",
        "网格报事": "reports_grid",
    },
    payloads={
        "rack": acknowledge,
        "rnote": add_note,
        "rclose": close,
        "rbeyond": flag_beyond,
        "rrate": rate,
        "rdispute": dispute,
    },
    help=[
        (N_("reports.help"), None),
        (N_("reports.help_staff"), STAFF_ROLES),
        (N_("reports.help_street"), ORGANIZERS),
    ],
    menu=[
        MenuEntry(N_("wechat.menu.residents"), N_("wechat.menu.report"), ("report", "reports"), 3)
    ],
)
