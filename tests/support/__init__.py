"""Test helpers: a controllable clock, databases for both engines, a transcript chat."""
