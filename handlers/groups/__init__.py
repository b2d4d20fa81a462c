"""Social organizations residents can find and join (社会组织), their incubation and filing
(孵化、备案), and the monthly "1710" alert to organizers.

Registration and the "1710" standing for organizers stay in handlers/organizations.py.
"""

from handlers.core.dialogs import Flow
from handlers.core.dispatcher import Command, PayloadHandler
from handlers.core.features import Feature
from handlers.core.i18n import N_
from handlers.groups.browse import browse, category_button, show
from handlers.groups.gaps import monthly_1710
from handlers.groups.membership import (
    answer_button,
    join_button,
    join_command,
    leave_command,
    requests_command,
)
from handlers.groups.status import ORG_STATUS

FLOWS: dict[str, Flow] = {ORG_STATUS.name: ORG_STATUS}
COMMANDS: dict[str, Command | Flow] = {
    "groups": browse,
    "org": show,
    "org_join": join_command,
    "org_leave": leave_command,
    "org_requests": requests_command,
    "org_status": ORG_STATUS,
}
KEYWORDS = {
    "社会组织": "groups",
    "找组织": "groups",
    "加入组织": "groups",
    "兴趣小组": "groups",
    "社团": "groups",
    "入会申请": "org_requests",
}
PAYLOADS: dict[str, PayloadHandler] = {
    "gcat": category_button,
    "ojoin": join_button,
    "omem": answer_button,
}
# Help sections: (catalog key, roles that see it; None for everyone).
HELP: list[tuple[str, set[str] | None]] = [
    (N_("help.groups"), None),
    (N_("help.groups_staff"), {"organizer", "admin"}),
]

FEATURE = Feature(
    "groups", commands=COMMANDS, flows=FLOWS, keywords=KEYWORDS, payloads=PAYLOADS, help=HELP
)

__all__ = ["COMMANDS", "FEATURE", "FLOWS", "HELP", "KEYWORDS", "PAYLOADS", "monthly_1710"]
