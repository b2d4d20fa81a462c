"""Residents' proposals (居民提案) to practical projects (实事项目): routes, sweeps, export."""

from handlers.proposals.closing import (
    CLOSE,
    DISPUTE,
    confirm_button,
    confirm_command,
    dispute_button,
    dispute_command,
    settle_due,
)
from handlers.proposals.cosign import cosign_button, cosign_command
from handlers.proposals.decide import DECIDE, show_agenda
from handlers.proposals.export import COLUMNS as EXPORT_COLUMNS
from handlers.proposals.export import export_projects, export_rows
from handlers.proposals.milestones import MILESTONE, milestone_done
from handlers.proposals.projects import PROGRESS
from handlers.proposals.stale import flag_stale
from handlers.proposals.submit import PROPOSE
from handlers.proposals.views import list_proposals, show_proposal

__all__ = [
    "CLOSE",
    "DECIDE",
    "DISPUTE",
    "EXPORT_COLUMNS",
    "MILESTONE",
    "PROGRESS",
    "PROPOSE",
    "confirm_button",
    "confirm_command",
    "cosign_button",
    "cosign_command",
    "dispute_button",
    "dispute_command",
    "export_projects",
    "export_rows",
    "flag_stale",
    "list_proposals",
    "milestone_done",
    "settle_due",
    "show_agenda",
    "show_proposal",
]
