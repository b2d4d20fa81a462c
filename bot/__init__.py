"""Linli bot package."""
