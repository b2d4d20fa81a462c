"""Repositories: the queries handlers use, grouped by what they read and write."""
