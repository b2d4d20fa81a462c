"""Residents' proposals (居民提案) to practical projects (实事项目): routes, sweeps, export."""

from handlers.proposals.cosign import cosign_button, cosign_command
from handlers.proposals.decide import DECIDE, show_agenda
from handlers.proposals.export import COLUMNS as EXPORT_COLUMNS
from handlers.proposals.export import export_rows
from handlers.proposals.projects import (
    PROGRESS,
    confirm_button,
    confirm_command,
    dispute_button,
    dispute_command,
)
from handlers.proposals.stale import flag_stale
from handlers.proposals.submit import PROPOSE
from handlers.proposals.views import list_proposals, show_proposal

__all__ = [
    "DECIDE",
    "EXPORT_COLUMNS",
    "PROGRESS",
    "PROPOSE",
    "confirm_button",
    "confirm_command",
    "cosign_button",
    "cosign_command",
    "dispute_button",
    "dispute_command",
    "export_rows",
    "flag_stale",
    "list_proposals",
    "show_agenda",
    "show_proposal",
]
