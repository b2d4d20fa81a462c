"""Linli storage package."""
