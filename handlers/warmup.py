"""Warm-up: what the first messages would wait for, loaded before a process takes traffic."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from handlers.core.context import Deps
from handlers.core.i18n import LANGUAGES
from handlers.needs import catalog
from matching import lap
from matching.skills import matcher_for
from matching.taxonomy import load_skills
from matching.text import tokenizer
from matching.understand.numerals import digits
from matching.understand.skills import TYPED_MIN_SIMILARITY
from storage.models import ServiceItem
from storage.repos import needs as needs_repo

log = logging.getLogger(__name__)

SAMPLE = "陪老人看病"  # a free-text request, as residents type them
SAMPLE_TIME = "周六上午九点"  # a time in Chinese numerals (cn2an converts them)


async def warm_up(deps: Deps) -> None:
    """Load jieba's dictionary (about a second), the skill matchers, the service catalog's words,
    the date formats of every language and the libraries imported on first use (scipy's solvers,
    cn2an): a command line process does without them. The work runs in a thread: the event loop
    stays free (signals, a liveness probe)."""
    items: Sequence[ServiceItem] = ()
    try:
        async with deps.db.transaction() as session:
            items = await needs_repo.service_items(session)
    except Exception:  # the database may be down at start: load the rest, it will come back
        log.warning("warm-up: could not read the service catalog")
    await asyncio.to_thread(_load, deps, items)


def _load(deps: Deps, items: Sequence[ServiceItem]) -> None:
    tokenizer()
    weights = deps.config.matching
    for similarity in {weights.min_skill_similarity, TYPED_MIN_SIMILARITY}:
        matcher_for(load_skills(), similarity).match(SAMPLE)
    catalog.rank(SAMPLE, items)
    digits(SAMPLE_TIME)
    lap.load()
    for lang in LANGUAGES:
        deps.i18n.datetime(lang, datetime.now(UTC))
