"""Volunteer profiles (志愿者): sign-up and edits by chat, pause and resume."""

from handlers.volunteers.pause import pause, resume, resume_due
from handlers.volunteers.profile import VOLUNTEER, edit_profile, volunteer

__all__ = ["VOLUNTEER", "edit_profile", "pause", "resume", "resume_due", "volunteer"]
