"""The composition root: database, translator, dependencies and dispatcher, built from settings."""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType

from bot import logs
from bot.metrics import DispatchMetrics
from bot.settings import Settings, get_settings
from handlers.core.config import (
    ActivityRules,
    ClosingRules,
    CoreConfig,
    DispatchRules,
    HoursRules,
    OfficeRules,
    ProposalRules,
)
from handlers.core.context import Deps
from handlers.core.dispatcher import Dispatcher
from handlers.core.i18n import Translator
from handlers.routes import build_routes
from matching import Weights
from storage.db import Database
from storage.models import utcnow


@dataclass
class App:
    """Everything a channel or command needs, built once."""

    settings: Settings
    db: Database
    deps: Deps
    dispatcher: Dispatcher

    async def close(self) -> None:
        """Let messages being handled finish (briefly), then release the database connections."""
        batcher = getattr(self.dispatcher, "batcher", None)  # tests may stand a stub in
        if batcher is not None:
            await batcher.wait_idle(timeout_s=10)
        await self.db.dispose()


def core_config(settings: Settings) -> CoreConfig:
    """The handler-facing settings tree, built once (invalid values fail here, at start)."""
    try:
        weights = Weights(**settings.match_weights)
    except TypeError as exc:
        raise ValueError(f"LINLI_MATCH_WEIGHTS: {exc}") from exc
    return CoreConfig(
        default_lang=settings.lang,
        tz=settings.tz,
        policy_version=settings.policy_version,
        max_text_chars=settings.max_text_chars,
        flood_messages=settings.flood_messages,
        flood_window_s=settings.flood_window_s,
        seen_update_ttl_days=settings.seen_update_ttl_days,
        dispatch_batch=settings.dispatch_batch,
        dispatch_workers=settings.dispatch_workers,
        quiet_start=settings.quiet_start,
        quiet_end=settings.quiet_end,
        retention_days=settings.retention_days,
        alert_digest_minutes=settings.alert_digest_minutes,
        broadcast_answer_days=settings.broadcast_answer_days,
        dispatch=DispatchRules(
            k=settings.offer_k,
            offer_ttl_minutes=settings.offer_ttl_minutes,
            chunk=settings.dispatch_chunk,
            oversupply_cap=settings.oversupply_cap,
            oversupply_days=settings.oversupply_days,
        ),
        matching=weights,
        activities=ActivityRules(
            promote_hours=settings.activity_promote_hours,
            checkin_before_minutes=settings.activity_checkin_minutes,
            reminder_hours=tuple(settings.activity_reminder_hours),
            mobilize_limit=settings.activity_mobilize_limit,
            mobilize_before_hours=settings.activity_mobilize_hours,
        ),
        hours=HoursRules(
            step=settings.hours_step,
            rounding=settings.hours_rounding,
            stars=tuple(settings.hours_stars),
            max_per_record=settings.hours_max_per_record,
        ),
        closing=ClosingRules(
            reminder_hours=settings.confirm_reminder_hours,
            auto_confirm_days=settings.auto_confirm_days,
            dispute_days=settings.dispute_days,
            max_task_hours=settings.max_task_hours,
        ),
        proposals=ProposalRules(
            cosign_threshold=settings.cosign_threshold,
            cosign_share=settings.cosign_share,
            stale_days=settings.proposal_stale_days,
            confirm_days=settings.project_confirm_days,
        ),
        office=OfficeRules(
            public_url=settings.public_url, link_minutes=settings.office_link_minutes
        ),
        report_deadlines=MappingProxyType(
            {cat: (int(a), int(b)) for cat, (a, b) in settings.report_deadlines.items()}
        ),
    )


def build(
    settings: Settings | None = None,
    *,
    database_url: str | None = None,
    clock: Callable[[], datetime] = utcnow,
    translator: Translator | None = None,
) -> App:
    """Build the application; tests pass their own database URL, clock or settings."""
    settings = settings or get_settings()
    logs.configure(settings.log_level, settings.log_format or "text")
    db = Database.connect(database_url or settings.effective_database_url)
    config = core_config(settings)
    if db.dialect == "sqlite":  # one writer at a time: more workers would only queue on the lock
        config = replace(config, dispatch_workers=1)
    deps = Deps(
        db=db,
        i18n=translator or Translator(tz=settings.tz),
        config=config,
        clock=clock,
    )
    return App(settings, db, deps, Dispatcher(deps, build_routes(), DispatchMetrics()))


def settle_heap() -> None:
    """Once a long-running process has started, take what it holds out of the collector's way.

    Everything alive after startup (SQLAlchemy's mappers and compiled statements, the catalogs,
    python-telegram-bot's classes, the skill taxonomy) lives as long as the process; without
    this, every full garbage collection walks all of it again while updates wait. `gc.freeze`
    moves it to a generation the collector never scans. `bench/bench_telegram.py` settles its
    process the same way (about a sixth more updates per second on the queued path).
    """
    gc.collect()
    gc.freeze()
