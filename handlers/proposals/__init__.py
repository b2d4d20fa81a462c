"""Residents' proposals (居民提案) to practical projects (实事项目): routes, sweeps, export."""

from handlers.core.auth import ORGANIZERS
from handlers.core.features import Feature, MenuEntry
from handlers.core.i18n import N_
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


# What this feature serves, in one place (handlers/routes.py lists the features).
FEATURE = Feature(
    "proposals",
    commands={
        "propose": PROPOSE,
        "cosign": cosign_command,
        "proposals": list_proposals,
        "proposal": show_proposal,
        "agenda": show_agenda,
        "decide": DECIDE,
        "progress": PROGRESS,
        "confirm": confirm_command,
        "dispute": dispute_command,
        "close_project": CLOSE,
        "milestone": MILESTONE,
        "milestone_done": milestone_done,
    },
    flows=(DISPUTE, CLOSE, MILESTONE),
    keywords={
        "提案": "propose",
        "我要提案": "propose",
        "提案列表": "proposals",
        "我的提案": "proposals",
        "议程": "agenda",
        "附议": "cosign",
        "确认": "confirm",
    },
    payloads={"cosign": cosign_button, "confirm": confirm_button, "dispute": dispute_button},
    help=[(N_("proposals.help"), None), (N_("proposals.help_organizer"), ORGANIZERS)],
    menu=[
        MenuEntry(N_("wechat.menu.residents"), N_("wechat.menu.propose"), ("propose",), 0),
        MenuEntry(N_("wechat.menu.residents"), N_("wechat.menu.proposals"), ("proposals",), 1),
    ],
)
