"""吹哨报到: grid reports handed to departments and property companies, answered in chat.

Wiring (merged by handlers/routes.py): FLOWS, COMMANDS, KEYWORDS, PAYLOADS, HELP.
For the scheduler: `escalate_handoffs(sink, job)`. For exports: `export_rates`,
`export_handoffs`. For the demo district: `seed_agencies`.
"""

from __future__ import annotations

from handlers.core.dialogs import Flow
from handlers.core.dispatcher import Command, PayloadHandler
from handlers.core.features import Feature
from handlers.core.i18n import N_
from handlers.departments.answer import (
    ANSWER,
    answer,
    ask_help,
    hand_back,
    list_handoffs,
    show_handoff,
)
from handlers.departments.demo import seed_agencies
from handlers.departments.escalation import escalate_handoffs
from handlers.departments.rates import export_handoffs, export_rates, show_rates
from handlers.departments.staff import add_department, create_invites, join_command
from handlers.departments.whistle import WHISTLE, whistle_command

FLOWS: dict[str, Flow] = {f.name: f for f in (WHISTLE, ANSWER)}
COMMANDS: dict[str, Command | Flow] = {
    "whistle": whistle_command,
    "handoffs": list_handoffs,
    "handoff": show_handoff,
    "dept_stats": show_rates,
    "join": join_command,
}
KEYWORDS = {
    "吹哨": "whistle",
    "吹哨任务": "handoffs",
    "部门任务": "handoffs",
    "部门统计": "dept_stats",
    "加入": "join",
}
PAYLOADS: dict[str, PayloadHandler] = {"hans": answer, "hhelp": ask_help, "hback": hand_back}
HELP: list[tuple[str, set[str] | None]] = [
    (N_("departments.help"), None),
    (N_("departments.help_staff"), {"grid_worker", "organizer", "admin"}),
]

FEATURE = Feature(
    "departments", commands=COMMANDS, flows=FLOWS, keywords=KEYWORDS, payloads=PAYLOADS, help=HELP
)

__all__ = [
    "COMMANDS",
    "FEATURE",
    "FLOWS",
    "HELP",
    "KEYWORDS",
    "PAYLOADS",
    "add_department",
    "create_invites",
    "escalate_handoffs",
    "export_handoffs",
    "export_rates",
    "seed_agencies",
]
