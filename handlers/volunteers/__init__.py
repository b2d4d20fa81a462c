"""Volunteer profiles (志愿者): sign-up and edits by chat, pause and resume."""

from handlers.core.features import Feature, MenuEntry
from handlers.core.i18n import N_
from handlers.volunteers.pause import pause, resume, resume_due
from handlers.volunteers.profile import VOLUNTEER, edit_profile, volunteer

__all__ = ["FEATURE", "VOLUNTEER", "edit_profile", "pause", "resume", "resume_due", "volunteer"]


# What this feature serves, in one place (handlers/routes.py lists the features).
FEATURE = Feature(
    "volunteers",
    commands={
        "volunteer": volunteer,
        "volunteer_edit": edit_profile,
        "pause": pause,
        "resume": resume,
    },
    flows=(VOLUNTEER,),
    keywords={
        "志愿者": "volunteer",
        "我要当志愿者": "volunteer",
        "暂停接单": "pause",
        "恢复接单": "resume",
    },
    help=[(N_("help.volunteers"), None)],
    menu=[MenuEntry(N_("wechat.menu.volunteers"), N_("wechat.menu.volunteer"), ("volunteer",), 0)],
)
