"""The in-memory flood guard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.core.flood import FloodGuard

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def test_counts_per_user_within_a_window() -> None:
    guard = FloodGuard(limit=3, window_s=30)
    assert [guard.count("c", "a", T0) for _ in range(4)] == [1, 2, 3, 4]
    assert guard.count("c", "b", T0) == 1
    assert guard.count("other", "a", T0) == 1


def test_a_new_window_starts_over() -> None:
    guard = FloodGuard(limit=3, window_s=30)
    guard.count("c", "a", T0)
    guard.count("c", "a", T0 + timedelta(seconds=10))
    assert guard.count("c", "a", T0 + timedelta(seconds=31)) == 1


def test_memory_is_bounded() -> None:
    guard = FloodGuard(limit=3, window_s=30, max_tracked=100)
    for i in range(1000):
        guard.count("c", str(i), T0)
    assert len(guard._windows) == 100


def test_people_whose_window_ended_are_forgotten() -> None:
    guard = FloodGuard(limit=3, window_s=30)
    for i in range(100):
        guard.count("c", str(i), T0)
    assert len(guard) == 100
    later = T0 + timedelta(seconds=60)
    for i in range(60):
        guard.count("c", f"late{i}", later)
    assert len(guard) == 60  # two idle people forgotten per message: all 100 early ones are gone
    assert guard.count("c", "late0", later) == 2  # the ones still in their window are kept
