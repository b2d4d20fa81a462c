"""The office console's use cases, channel-neutral: sign-in links, scopes, figures, items, actions.

The web layer (bot/office/) renders these; every rule is the chat's (handlers/core/auth.py and
each feature's use cases), so the console can do nothing the person could not do in chat.
"""

from handlers.office.signin import office_command, send_link

__all__ = ["office_command", "send_link"]
