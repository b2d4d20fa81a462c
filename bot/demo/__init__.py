"""`linli demo`: a scripted scenario that walks through every feature on a fresh database."""

from bot.demo.runner import run_demo

__all__ = ["run_demo"]
