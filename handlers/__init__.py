"""Linli handlers package."""
