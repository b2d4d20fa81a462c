"""The community joint meeting (联席会议): schedule, invite, agenda with the month's hot issue,
votes, outcomes, minutes and the public notice (公示).

The whole wiring of the feature is here, as the module-level tables handlers/routes.py merges:
`FLOWS`, `COMMANDS`, `KEYWORDS`, `PAYLOADS`, and its help section `HELP`.
"""

from handlers.core.dialogs import Flow
from handlers.core.dispatcher import Command, PayloadHandler
from handlers.core.features import Feature
from handlers.core.i18n import N_
from handlers.meetings.change import MEETING_MOVE, cancel_command, move_command
from handlers.meetings.invite import (
    MEETING_INVITE,
    answer_button,
    attend_command,
    decline_command,
)
from handlers.meetings.minutes import MEETING_MINUTES
from handlers.meetings.outcomes import MEETING_DECIDE
from handlers.meetings.schedule import MEETING_NEW
from handlers.meetings.views import list_meetings, show_meeting
from handlers.meetings.votes import call_vote, vote_button

FLOWS: dict[str, Flow] = {
    f.name: f for f in (MEETING_NEW, MEETING_INVITE, MEETING_DECIDE, MEETING_MINUTES, MEETING_MOVE)
}
COMMANDS: dict[str, Command | Flow] = {
    "meeting_new": MEETING_NEW,
    "meetings": list_meetings,
    "meeting": show_meeting,
    "meeting_invite": MEETING_INVITE,
    "meeting_attend": attend_command,
    "meeting_decline": decline_command,
    "meeting_vote": call_vote,
    "meeting_decide": MEETING_DECIDE,
    "meeting_minutes": MEETING_MINUTES,
    "meeting_cancel": cancel_command,
    "meeting_move": move_command,
}
KEYWORDS: dict[str, str] = {
    "联席会议": "meetings",
    "召开联席会议": "meeting_new",
    "我的会议": "meetings",
}
PAYLOADS: dict[str, PayloadHandler] = {"mtg": answer_button, "mvote": vote_button}
# (catalog key, roles that see it or None for everyone), as handlers/start.py's HELP_SECTIONS.
HELP: list[tuple[str, set[str] | None]] = [
    (N_("meetings.help_participant"), None),
    (N_("meetings.help_organizer"), {"organizer", "admin"}),
]

FEATURE = Feature(
    "meetings", commands=COMMANDS, flows=FLOWS, keywords=KEYWORDS, payloads=PAYLOADS, help=HELP
)

__all__ = ["COMMANDS", "FEATURE", "FLOWS", "HELP", "KEYWORDS", "PAYLOADS"]
