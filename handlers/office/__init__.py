"""The office console's use cases, channel-neutral: sign-in links, scopes, figures, items, actions.

The web layer (bot/office/) renders these; every rule is the chat's (handlers/core/auth.py and
each feature's use cases), so the console can do nothing the person could not do in chat.
"""

from handlers.core.features import Feature
from handlers.office.signin import office_command, send_link

__all__ = ["office_command", "send_link"]


# What this feature serves, in one place (handlers/routes.py lists the features).
FEATURE = Feature("office", commands={"office": office_command}, keywords={"工作台": "office"})
