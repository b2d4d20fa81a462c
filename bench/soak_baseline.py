"""The soak's same-run baseline: a bare web server (bench/soak_echo.py) under the soak's load.

Before the soak proper, `bench/soak.py` starts the echo app behind uvicorn (uvloop, httptools,
as `linli serve`), sends it the users' kind of updates from the same aiohttp client, with the
same connection limit, at the same rate, for a few seconds, and notes its CPU per delivery and
its latency. The soak's figures are then reported beside these: `soak_serve_cpu_ratio` (Linli's
serve CPU per delivery ÷ the echo's), `soak_p99_ratio` (Linli's p99 ÷ the echo's). These
machines differ by a third in speed between sessions; the ratios are what compares.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.soak_figures import p
from bench.soak_support import Proc, free_port
from tests.support.fake_telegram import FakeTelegram, User

SAYINGS = ("/help", "/me", "/propose", "楼道灯坏了很久，晚上老人上下楼不方便，希望尽快修好。")


async def echo_baseline(
    http: aiohttp.ClientSession,
    tg: FakeTelegram,
    headers: dict[str, str],
    *,
    users: int,
    rate: float,
    seconds: float,
    workdir: Path,
) -> dict[str, Any]:
    """Drive the echo app like the soak drives Linli; its figures, `soak_echo_*`."""
    port = free_port()
    proc = Proc(
        "echo",
        ["-m", "uvicorn", "bench.soak_echo:app", "--port", str(port), "--log-level", "warning"],
        dict(os.environ),
        workdir / "echo.log",
        url=f"http://127.0.0.1:{port}",
        exe=sys.executable,
    )
    await proc.start()
    try:
        await _until_up(http, proc)
        proc.ready()
        rnd = random.Random(11)
        pace = users / rate
        latencies: list[float] = []
        t0 = time.monotonic()

        async def user(index: int) -> None:
            person = User(600_000 + index, f"基准{index}", "zh-hans")
            await asyncio.sleep(rnd.random() * pace)
            while time.monotonic() - t0 < seconds:
                update = tg.text(person, rnd.choice(SAYINGS))
                start = time.monotonic()
                async with http.post(f"{proc.url}/telegram", json=update, headers=headers) as r:
                    await r.read()
                    if r.status == 200:
                        latencies.append(time.monotonic() - start)
                await asyncio.sleep(pace * (0.5 + rnd.random()))

        await asyncio.gather(*(user(i) for i in range(users)))
        proc.sample_cpu()
    finally:
        if proc.process is not None and proc.alive:
            proc.process.terminate()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(proc.process.wait(), 10)
    answered = max(len(latencies), 1)
    return {
        "soak_echo_deliveries": len(latencies),
        "soak_echo_cpu_ms_per_delivery": round(proc.cpu_load_s * 1000 / answered, 2),
        "soak_echo_p50_ms": p(latencies, 50),
        "soak_echo_p99_ms": p(latencies, 99),
    }


async def _until_up(http: aiohttp.ClientSession, proc: Proc) -> None:
    for _ in range(300):
        if not proc.alive:
            break
        with contextlib.suppress(aiohttp.ClientError):
            async with http.get(f"{proc.url}/healthz") as answer:
                if answer.status == 200:
                    return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"the echo baseline did not start: see {proc.log}")


def ratios(figures: dict[str, Any]) -> dict[str, float]:
    """Linli's figures against the echo's, from the same run."""
    echo_cpu = figures.get("soak_echo_cpu_ms_per_delivery") or 0
    echo_p99 = figures.get("soak_echo_p99_ms") or 0
    serve_cpu = figures.get("soak_serve_cpu_ms_per_delivery", 0.0)
    return {
        "soak_serve_cpu_ratio": round(serve_cpu / echo_cpu, 1) if echo_cpu else 0.0,
        "soak_p99_ratio": round(figures.get("soak_p99_ms", 0.0) / echo_p99, 1) if echo_p99 else 0.0,
    }
