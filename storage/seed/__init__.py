"""Seed data shipped with Linli."""
