"""Alerts to organizers about needs (nobody left to ask, oversupply): one at once, then digests.

A busy morning can leave hundreds of needs nobody can take in one community; one alert each
floods the organizers and, at Telegram's one message per second per chat, delays everything
else they should receive. So an organizer gets at most one such alert per window
(LINLI_ALERT_DIGEST_MINUTES, after the newest "alert" message written to them); alerts within the
window are gathered on one DueJob row ("alert_digest", ref "<person>@<start of window>"), due at
the window's end, which sends one message with the counts per kind and the first few needs.
The digest is itself an alert, so it starts the next window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from handlers.core.context import CoreConfig
from handlers.core.i18n import N_, Translator
from handlers.core.notify import Pair, Sink, localize, notify
from storage.models import DueJob
from storage.repos import jobs, outbox

KIND = "alert"
DIGEST_JOB = "alert_digest"
LISTED = 5  # needs named in a digest; the rest are counted
COUNT_KEYS = {
    "tasks.nobody_left": N_("alerts.count_nobody_left"),
    "tasks.oversupply": N_("alerts.count_oversupply"),
}


def window_of(config: CoreConfig) -> timedelta:
    """The shortest time between two alerts to one organizer (LINLI_ALERT_DIGEST_MINUTES)."""
    return timedelta(minutes=config.alert_digest_minutes)


@dataclass(frozen=True)
class Alert:
    """One alert about a need: its catalog key, the need, its item and place."""

    key: str
    need_id: int
    item: Pair
    place: str


async def alert_organizer(
    sink: Sink, person_id: int, key: str, *, need_id: int, item: Pair, place: str
) -> None:
    """Alert an organizer about a need now, or add it to their digest if one went out lately."""
    await alert_organizer_many(sink, person_id, [Alert(key, need_id, item, place)])


async def alert_organizer_many(sink: Sink, person_id: int, alerts: list[Alert]) -> None:
    """Several alerts to one organizer (a sweep's chunk): the first may go now, the rest join
    the digest in one update of its row."""
    session, window = sink.session, window_of(sink.config)
    left = list(alerts)
    while left:
        # Three tries: a digest sent meanwhile starts a new window (another process may send it).
        for _ in range(3):
            last = await outbox.last_written(session, person_id, KIND)
            if last is None or last <= sink.now - window:
                break
            ref = f"{person_id}@{last:%Y-%m-%dT%H:%M:%S.%f}"
            first = {
                "person": person_id,
                "window": window.total_seconds(),
                "counts": {},
                "items": [],
            }
            await jobs.ensure(session, DIGEST_JOB, ref, last + window, sink.now, first)
            job = await jobs.lock(session, DIGEST_JOB, ref)
            if job is not None and job.status in ("pending", "running"):
                payload = job.payload
                for alert in left:
                    payload = _added(payload, alert.key, alert.need_id, alert.item, alert.place)
                job.payload = payload
                return
        now, left = left[0], left[1:]
        await notify(
            sink,
            person_id,
            now.key,
            kind=KIND,
            urgent=True,
            id=now.need_id,
            item=now.item,
            place=now.place,
        )


def _added(
    payload: dict[str, Any], key: str, need_id: int, item: Pair, place: str
) -> dict[str, Any]:
    """The digest's payload with one more alert (a new dict, so the JSON column is saved)."""
    counts = dict(payload.get("counts", {}))
    counts[key] = counts.get(key, 0) + 1
    items = list(payload.get("items", []))
    if len(items) < LISTED:
        items.append({"id": need_id, "zh": item.zh, "en": item.en, "place": place})
    return {**payload, "counts": counts, "items": items}


@dataclass(frozen=True)
class DigestLines:
    """The digest's body, rendered in the recipient's language."""

    counts: dict[str, int]
    items: list[dict[str, Any]]

    def localize(self, i18n: Translator, lang: str) -> str:
        """Counts per kind, then the first needs, then how many more."""
        lines = [
            i18n.translate(lang, COUNT_KEYS.get(key, N_("alerts.count_other")), n=n)
            for key, n in sorted(self.counts.items())
        ]
        for entry in self.items:
            item = localize(i18n, lang, Pair(entry["zh"], entry["en"]))
            lines.append(
                i18n.translate(lang, "alerts.item", id=entry["id"], item=item, place=entry["place"])
            )
        rest = sum(self.counts.values()) - len(self.items)
        if rest > 0:
            lines.append(i18n.translate(lang, "alerts.more", n=rest))
        return "\n".join(lines)


async def send_digest(sink: Sink, job: DueJob) -> None:
    """The "alert_digest" job: one message gathering the alerts of the window."""
    session = sink.session
    # Read again: alerts added after the claim are in the row (it is locked by now).
    fresh = await jobs.lock(session, job.kind, job.ref)
    payload = (fresh or job).payload
    counts: dict[str, int] = payload.get("counts", {})
    if not counts:
        return
    await notify(
        sink,
        int(payload["person"]),
        "alerts.digest",
        kind=KIND,
        urgent=True,
        total=sum(counts.values()),
        minutes=round(float(payload.get("window", 600)) / 60),
        lines=DigestLines(counts, list(payload.get("items", []))),
    )
