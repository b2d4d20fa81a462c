"""Activities (活动): organizers publish, volunteers sign up (with a waitlist) and check in on
site, the organizer confirms attendance and hours; plus mobilization pushes and reminders.

Use cases the scheduler runs for due jobs (see storage.repos.activities for the kinds):
`send_reminder` ("activity_reminder"), `promotion_due` ("waitlist_timeout"; `expire_promotion`
by sign-up id), `mobilize_due` ("activity_mobilize"); `mobilize` is also callable directly.
"""

from handlers.activities.checkin import CHECKIN, checkin_command
from handlers.activities.close import CLOSE, close_command
from handlers.activities.create import NEW
from handlers.activities.mobilize import Mobilized, mobilize, mobilize_command, mobilize_due
from handlers.activities.signups import expire_promotion, send_reminder
from handlers.activities.views import confirm_command, leave_command, list_activities, on_button
from handlers.activities.walkins import WALKIN, walkin_command
from handlers.core.auth import ORGANIZERS
from handlers.core.features import Feature, MenuEntry
from handlers.core.i18n import N_

__all__ = [
    "CHECKIN",
    "CLOSE",
    "NEW",
    "WALKIN",
    "Mobilized",
    "checkin_command",
    "close_command",
    "confirm_command",
    "expire_promotion",
    "leave_command",
    "list_activities",
    "mobilize",
    "mobilize_command",
    "mobilize_due",
    "on_button",
    "send_reminder",
    "walkin_command",
]


# What this feature serves, in one place (handlers/routes.py lists the features).
FEATURE = Feature(
    "activities",
    commands={
        "activities": list_activities,
        "activity_new": NEW,
        "activity_leave": leave_command,
        "activity_confirm": confirm_command,
        "activity_close": close_command,
        "checkin": checkin_command,
        "walkin": walkin_command,
        "mobilize": mobilize_command,
    },
    flows=(NEW, CHECKIN, CLOSE, WALKIN),
    keywords={
        "活动": "activities",
        "志愿活动": "activities",
        "报名活动": "activities",
        "发起活动": "activity_new",
        "取消报名": "activity_leave",
        "确认参加": "activity_confirm",
        "签到": "checkin",
        "现场加人": "walkin",
        "check in": "checkin",
    },
    payloads={"act": on_button},
    help=[(N_("activities.help"), None), (N_("activities.help_organizer"), ORGANIZERS)],
    menu=[
        MenuEntry(N_("wechat.menu.volunteers"), N_("wechat.menu.activities"), ("activities",), 2)
    ],
)
