"""Linli matching: pure, deterministic ranking of candidates for needs; imports nothing of ours."""
