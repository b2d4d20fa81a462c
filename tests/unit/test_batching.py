"""Group commit's queue: who goes alone, who shares a batch, and in which order."""

from __future__ import annotations

import asyncio

import pytest

from handlers.core.batching import Batcher


class Recorder:
    """A `run` that records its batches and holds each one until released."""

    def __init__(self, hold: bool = True) -> None:
        self.batches: list[list[str]] = []
        self.running = 0
        self.most_at_once = 0
        self.gate = asyncio.Event()
        if not hold:
            self.gate.set()

    async def __call__(self, items: list[str]) -> list[str]:
        self.batches.append(list(items))
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await self.gate.wait()
            if "boom" in items:
                raise RuntimeError("boom")
            return [f"done {item}" for item in items]
        finally:
            self.running -= 1


def by_user(item: str) -> str:
    return item.split(":")[0]


async def test_an_idle_batcher_handles_an_item_alone_at_once() -> None:
    run = Recorder(hold=False)
    batcher = Batcher(run, by_user)
    assert await batcher.submit("a:1") == "done a:1"
    assert await batcher.submit("b:1") == "done b:1"
    assert run.batches == [["a:1"], ["b:1"]]
    assert batcher.batches == 0


async def test_items_arriving_meanwhile_share_the_next_batch() -> None:
    run = Recorder()
    batcher = Batcher(run, by_user)
    first = asyncio.create_task(batcher.submit("a:1"))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(batcher.submit(f"{u}:1")) for u in "bcd"]
    await asyncio.sleep(0)
    run.gate.set()
    results = await asyncio.gather(first, *rest)
    assert results == ["done a:1", "done b:1", "done c:1", "done d:1"]
    assert run.batches == [["a:1"], ["b:1", "c:1", "d:1"]]
    assert (batcher.batches, batcher.batched) == (1, 3)


async def test_one_item_per_user_per_batch_in_order() -> None:
    run = Recorder()
    batcher = Batcher(run, by_user)
    said = ["a:1", "a:2", "b:1", "a:3", "b:2", "c:1"]
    tasks = []
    for item in said:
        tasks.append(asyncio.create_task(batcher.submit(item)))
        await asyncio.sleep(0)
    run.gate.set()
    assert await asyncio.gather(*tasks) == [f"done {item}" for item in said]
    assert run.batches == [["a:1"], ["a:2", "b:1", "c:1"], ["a:3", "b:2"]]


async def test_batches_are_capped() -> None:
    run = Recorder()
    batcher = Batcher(run, by_user, max_batch=2)
    tasks = []
    for user in "abcde":
        tasks.append(asyncio.create_task(batcher.submit(f"{user}:1")))
        await asyncio.sleep(0)
    run.gate.set()
    await asyncio.gather(*tasks)
    assert run.batches == [["a:1"], ["b:1", "c:1"], ["d:1", "e:1"]]


async def test_a_failed_batch_fails_its_callers_only() -> None:
    run = Recorder()
    batcher = Batcher(run, by_user)
    tasks = []
    for item in ("a:1", "b:1", "boom", "c:1"):
        tasks.append(asyncio.create_task(batcher.submit(item)))
        await asyncio.sleep(0)
    run.gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert results[0] == "done a:1"
    assert all(isinstance(r, RuntimeError) for r in results[1:])
    assert await batcher.submit("d:1") == "done d:1"  # the batcher goes on


async def test_several_workers_never_share_a_user() -> None:
    run = Recorder()
    batcher = Batcher(run, by_user, max_batch=2, workers=2)
    said = ["a:1", "b:1", "a:2", "c:1", "a:3", "d:1"]
    tasks = []
    for item in said:
        tasks.append(asyncio.create_task(batcher.submit(item)))
        await asyncio.sleep(0)
    run.gate.set()
    assert await asyncio.gather(*tasks) == [f"done {item}" for item in said]
    assert run.most_at_once == 2
    seen_a = [item for batch in run.batches for item in batch if item.startswith("a:")]
    assert seen_a == ["a:1", "a:2", "a:3"]


async def test_a_caller_that_gives_up_does_not_stop_its_batch() -> None:
    run = Recorder()
    batcher = Batcher(run, by_user)
    first = asyncio.create_task(batcher.submit("a:1"))
    await asyncio.sleep(0)
    impatient = asyncio.create_task(batcher.submit("b:1"))
    patient = asyncio.create_task(batcher.submit("c:1"))
    await asyncio.sleep(0)
    impatient.cancel()
    run.gate.set()
    assert await first == "done a:1"
    assert await patient == "done c:1"
    with pytest.raises(asyncio.CancelledError):
        await impatient
    assert ["b:1", "c:1"] in run.batches  # b's message was still handled


async def test_waiting_for_idle_sees_queued_and_running_work_through() -> None:
    run = Recorder()
    batcher = Batcher(run, by_user)
    tasks = [asyncio.create_task(batcher.submit(f"{u}:1")) for u in "ab"]
    await asyncio.sleep(0)
    assert not await batcher.wait_idle(timeout_s=0.05)  # a is held, b waits
    run.gate.set()
    assert await batcher.wait_idle(timeout_s=5)
    assert all(t.done() for t in tasks)
