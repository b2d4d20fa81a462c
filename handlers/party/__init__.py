"""Party members reporting to their home community (双报到), and the participation report that
counts them apart."""

from handlers.core.dialogs import Flow
from handlers.core.dispatcher import Command, PayloadHandler
from handlers.core.features import Feature
from handlers.core.i18n import N_
from handlers.party.register import PARTY, party_button, party_command
from handlers.party.report import members_command, participation_command

FLOWS: dict[str, Flow] = {PARTY.name: PARTY}
COMMANDS: dict[str, Command | Flow] = {
    "party": party_command,
    "party_members": members_command,
    "participation": participation_command,
}
KEYWORDS = {
    "党员报到": "party",
    "双报到": "party",
    "参与情况": "participation",
}
PAYLOADS: dict[str, PayloadHandler] = {"party": party_button}
HELP: list[tuple[str, set[str] | None]] = [
    (N_("help.party"), None),
    (N_("help.party_staff"), {"organizer", "admin"}),
]

FEATURE = Feature(
    "party", commands=COMMANDS, flows=FLOWS, keywords=KEYWORDS, payloads=PAYLOADS, help=HELP
)

__all__ = ["COMMANDS", "FEATURE", "FLOWS", "HELP", "KEYWORDS", "PAYLOADS"]
