"""Volunteer profiles (志愿者): sign-up and edits by chat, pause and resume."""

from handlers.volunteers.profile import VOLUNTEER, edit_profile, pause, resume, volunteer

__all__ = ["VOLUNTEER", "edit_profile", "pause", "resume", "volunteer"]
