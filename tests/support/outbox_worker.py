"""A sender process for crash tests: drains one channel's outbox into an HTTP sink, then exits.

`python -m tests.support.outbox_worker --db URL --sink URL [--rate N --in-flight N --lease S]
[--httpx] [--exclusive]`
builds the App on the test's database and runs the real OutboxSender with the real clock until
no row of the channel is pending or being sent. It prints its DrainStats as JSON on exit. The
test may `kill -9` it at any moment.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict

from bot.bootstrap import build
from bot.sender import Limits, OutboxSender
from bot.settings import Settings
from storage.repos import outbox
from tests.support.http_sink import HttpTransport, RawHttpTransport


async def drain(args: argparse.Namespace) -> dict[str, object]:
    """Run the sender until the channel's outbox is empty (or `--max-seconds` pass)."""
    app = build(Settings(LINLI_LOG_LEVEL="WARNING"), database_url=args.db)
    client = HttpTransport if args.httpx else RawHttpTransport
    transport = client(args.sink, channel=args.channel, connections=args.in_flight * 2)
    limits = Limits(
        per_second=args.rate, per_chat_per_second=1.0, in_flight=args.in_flight, lease_s=args.lease
    )
    sender = OutboxSender(app.db, transport, app.deps.clock, limits)
    stop = asyncio.Event()
    if args.exclusive:  # as `linli serve`, `worker` and `run` send: holding the sender lock
        running = sender.run_exclusive(stop, retry_s=0.1, idle_s=0.05)
    else:
        running = sender.run(stop, idle_s=0.05)
    task = asyncio.create_task(running)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.max_seconds
    try:
        while loop.time() < deadline:
            await asyncio.sleep(0.05)
            async with app.db.transaction() as session:
                counts = await outbox.counts(session, channel=args.channel)
            if not counts.get("pending") and not counts.get("sending"):
                break
    finally:
        stop.set()
        await task
        await transport.close()
        await app.close()
    return asdict(sender.stats)


def main() -> None:
    """Parse the arguments, drain, print the stats."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--sink", required=True)
    parser.add_argument("--channel", default="webhook")
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--httpx", action="store_true", help="post with httpx (slower)")
    parser.add_argument("--exclusive", action="store_true", help="send under the sender lock")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(drain(args))), flush=True)


if __name__ == "__main__":
    main()
