"""Activities (活动): organizers publish, volunteers sign up (with a waitlist) and check in on
site, the organizer confirms attendance and hours; plus mobilization pushes and reminders.

Use cases the scheduler runs for due jobs (see storage.repos.activities for the kinds):
`send_reminder` ("activity_reminder"), `expire_promotion` ("waitlist_timeout", by sign-up id),
`mobilize_due` ("activity_mobilize"); `mobilize` is also callable directly.
"""

from handlers.activities.checkin import CHECKIN, checkin_command
from handlers.activities.close import CLOSE, close_command
from handlers.activities.create import NEW
from handlers.activities.mobilize import Mobilized, mobilize, mobilize_command, mobilize_due
from handlers.activities.signups import expire_promotion, send_reminder
from handlers.activities.views import confirm_command, leave_command, list_activities, on_button
from handlers.activities.walkins import WALKIN, walkin_command

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
