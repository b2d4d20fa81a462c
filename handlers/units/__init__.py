"""Units in the area (驻区单位): registration, resources offered and needed, bookings, groups.

Wiring (merged by handlers/routes.py): FLOWS, COMMANDS, KEYWORDS, PAYLOADS, HELP.
For exports: `export_resources` (资源清单), `export_needs` (需求清单), `export_projects`
(项目清单, export kind `project_list`).
"""

from __future__ import annotations

from handlers.core.dialogs import Flow
from handlers.core.dispatcher import Command, PayloadHandler
from handlers.core.features import Feature
from handlers.core.i18n import N_
from handlers.units.bookings import BOOK, book_command
from handlers.units.cancel import cancel_command
from handlers.units.export import export_needs, export_projects, export_resources
from handlers.units.group import join_activity
from handlers.units.register import UNIT_NEW, approve, invite_staff, list_units, reject
from handlers.units.resources import RESOURCE_ADD, add_resource, list_resources, remove_resource

FLOWS: dict[str, Flow] = {f.name: f for f in (UNIT_NEW, RESOURCE_ADD, BOOK)}
COMMANDS: dict[str, Command | Flow] = {
    "unit_new": UNIT_NEW,
    "units": list_units,
    "resource_add": add_resource,
    "resources": list_resources,
    "resource_off": remove_resource,
    "book": book_command,
    "book_cancel": cancel_command,
    "unit_join": join_activity,
    "unit_invite": invite_staff,
}
KEYWORDS = {
    "单位注册": "unit_new",
    "驻区单位": "units",
    "登记资源": "resource_add",
    "资源清单": "resources",
    "单位报名": "unit_join",
}
PAYLOADS: dict[str, PayloadHandler] = {"unitok": approve, "unitno": reject}
HELP: list[tuple[str, set[str] | None]] = [
    (N_("units.help"), None),
    (N_("units.help_organizer"), {"organizer", "admin"}),
]

FEATURE = Feature(
    "units", commands=COMMANDS, flows=FLOWS, keywords=KEYWORDS, payloads=PAYLOADS, help=HELP
)

__all__ = [
    "COMMANDS",
    "FEATURE",
    "FLOWS",
    "HELP",
    "KEYWORDS",
    "PAYLOADS",
    "export_needs",
    "export_projects",
    "export_resources",
]
