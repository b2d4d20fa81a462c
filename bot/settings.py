"""Typed settings, read once from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from handlers.core.config import (
    ActivityRules,
    ClosingRules,
    CoreConfig,
    DispatchRules,
    HoursRules,
    OfficeRules,
    ProposalRules,
)
from storage.db import default_url

DEFAULT_DATA_DIR = Path("data")
# The one default of every handler-facing tunable lives in handlers/core/config.py.
_CORE, _DISPATCH, _ACTIVITIES = CoreConfig(), DispatchRules(), ActivityRules()
_HOURS, _PROPOSALS, _OFFICE = HoursRules(), ProposalRules(), OfficeRules()
_CLOSING = ClosingRules()


class Settings(BaseSettings):
    """Every knob Linli reads. Names match the environment variables (case-insensitive)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(DEFAULT_DATA_DIR, alias="LINLI_DATA_DIR")
    database_url: str | None = Field(None, alias="DATABASE_URL")
    lang: str = Field(_CORE.default_lang, alias="LINLI_LANG")
    tz: str = Field(_CORE.tz, alias="LINLI_TZ")
    log_level: str = Field("INFO", alias="LINLI_LOG_LEVEL")
    policy_version: str = Field(_CORE.policy_version, alias="LINLI_POLICY_VERSION")

    max_text_chars: int = Field(_CORE.max_text_chars, alias="LINLI_MAX_TEXT")
    flood_messages: int = Field(_CORE.flood_messages, alias="LINLI_FLOOD_MESSAGES")
    flood_window_s: int = Field(_CORE.flood_window_s, alias="LINLI_FLOOD_WINDOW")
    seen_update_ttl_days: int = Field(
        _CORE.seen_update_ttl_days, alias="LINLI_SEEN_UPDATE_TTL_DAYS"
    )
    # Messages that queue while a transaction runs share the next one, up to this many (1: off);
    # at most this many such transactions at once per process on PostgreSQL (SQLite: one). More
    # workers make smaller batches: on two cores with a local PostgreSQL, 2 drained fastest
    # (bench/bench_telegram.py, bench/bench_wechat.py); a remote database may want more.
    dispatch_batch: int = Field(_CORE.dispatch_batch, alias="LINLI_DISPATCH_BATCH", ge=1)
    dispatch_workers: int = Field(_CORE.dispatch_workers, alias="LINLI_DISPATCH_WORKERS", ge=1)
    # Residents' proposals: co-signatures that put a proposal on the joint meeting's agenda when
    # the community sets no Region.cosign_threshold (a share of its households, if given, else the
    # flat number), and days an agenda item may wait for a decision before it is flagged.
    # Dispatch: how many candidates an open need is offered to at once, for how long, and the
    # matching weights (JSON, e.g. {"skill": 0.5, "proximity": 0.25}; see matching.Weights), and
    # the oversupply guard (a resident served this many times within so many days waits).
    offer_k: int = Field(_DISPATCH.k, alias="LINLI_OFFER_K", ge=1)
    offer_ttl_minutes: int = Field(_DISPATCH.offer_ttl_minutes, alias="LINLI_OFFER_TTL_MINUTES")
    dispatch_chunk: int = Field(_DISPATCH.chunk, alias="LINLI_DISPATCH_CHUNK", ge=1)
    oversupply_cap: int = Field(_DISPATCH.oversupply_cap, alias="LINLI_OVERSUPPLY_CAP")
    oversupply_days: int = Field(_DISPATCH.oversupply_days, alias="LINLI_OVERSUPPLY_DAYS")
    # Closing a task: hours after "done" before the resident is reminded, days before it is
    # confirmed by itself, days a dispute stays possible after that, the most hours of one task.
    confirm_reminder_hours: float = Field(
        _CLOSING.reminder_hours, alias="LINLI_CONFIRM_REMINDER_HOURS", gt=0
    )
    auto_confirm_days: float = Field(
        _CLOSING.auto_confirm_days, alias="LINLI_AUTO_CONFIRM_DAYS", gt=0
    )
    dispute_days: float = Field(_CLOSING.dispute_days, alias="LINLI_DISPUTE_DAYS", ge=0)
    max_task_hours: Decimal = Field(_CLOSING.max_task_hours, alias="LINLI_MAX_TASK_HOURS", gt=0)
    alert_digest_minutes: int = Field(
        _CORE.alert_digest_minutes, alias="LINLI_ALERT_DIGEST_MINUTES"
    )
    broadcast_answer_days: int = Field(
        _CORE.broadcast_answer_days, alias="LINLI_BROADCAST_ANSWER_DAYS", ge=1, le=60
    )
    match_weights: dict[str, float] = Field(default_factory=dict, alias="LINLI_MATCH_WEIGHTS")
    cosign_threshold: int = Field(_PROPOSALS.cosign_threshold, alias="LINLI_COSIGN_THRESHOLD")
    cosign_share: float | None = Field(_PROPOSALS.cosign_share, alias="LINLI_COSIGN_SHARE")
    proposal_stale_days: int = Field(_PROPOSALS.stale_days, alias="LINLI_PROPOSAL_STALE_DAYS")
    project_confirm_days: int = Field(
        _PROPOSALS.confirm_days, ge=1, alias="LINLI_PROJECT_CONFIRM_DAYS"
    )
    quiet_start: time = Field(_CORE.quiet_start, alias="LINLI_QUIET_START")
    quiet_end: time = Field(_CORE.quiet_end, alias="LINLI_QUIET_END")
    # Activities: hours a promoted person has to confirm a waitlist place, minutes before the
    # start check-in opens, reminder hours before the start (JSON list), volunteers asked per
    # mobilization and how many hours before the start an activity short of people mobilizes.
    activity_promote_hours: float = Field(
        _ACTIVITIES.promote_hours, alias="LINLI_ACTIVITY_PROMOTE_HOURS", gt=0
    )
    activity_checkin_minutes: float = Field(
        _ACTIVITIES.checkin_before_minutes, alias="LINLI_ACTIVITY_CHECKIN_MINUTES", ge=0
    )
    activity_reminder_hours: tuple[int, ...] = Field(
        _ACTIVITIES.reminder_hours, alias="LINLI_ACTIVITY_REMINDER_HOURS"
    )
    activity_mobilize_limit: int = Field(
        _ACTIVITIES.mobilize_limit, alias="LINLI_ACTIVITY_MOBILIZE_LIMIT", ge=1
    )
    activity_mobilize_hours: float = Field(
        _ACTIVITIES.mobilize_before_hours, alias="LINLI_ACTIVITY_MOBILIZE_HOURS", gt=0
    )
    # Service hours: rounding step and mode (a `decimal` mode), star thresholds (JSON list),
    # the most hours one record takes.
    hours_step: Decimal = Field(_HOURS.step, alias="LINLI_HOURS_STEP")
    hours_rounding: str = Field(_HOURS.rounding, alias="LINLI_HOURS_ROUNDING")
    hours_stars: tuple[Decimal, ...] = Field(_HOURS.stars, alias="LINLI_HOURS_STARS")
    hours_max_per_record: Decimal = Field(_HOURS.max_per_record, alias="LINLI_HOURS_MAX")
    # Grid reports: (respond, resolve) hours per category over the built-in table (JSON, e.g.
    # {"ground_lock": [12, 72]}).
    report_deadlines: dict[str, tuple[int, int]] = Field(
        default_factory=dict, alias="LINLI_REPORT_DEADLINES"
    )
    # Sweeps (bot/scheduler.py): how often due jobs are looked for, and whether `linli serve` runs
    # them too (any number of processes may: claims keep them from running a job twice).
    sweep_interval_s: float = Field(15.0, alias="LINLI_SWEEP_SECONDS")
    serve_runs_sweeps: bool = Field(True, alias="LINLI_SERVE_SWEEPS")
    # Whether `linli serve` runs the outbox senders too (one per channel holds the sender lock);
    # false leaves sending to `linli worker`s. `linli serve --no-senders` says the same.
    serve_runs_senders: bool = Field(True, alias="LINLI_SERVE_SENDERS")
    # After SIGTERM: how long requests in progress, then a sweep in progress, may take to finish
    # before they are cut short (a sweep's open transaction rolls back). docs/deployment.md.
    stop_s: float = Field(5.0, alias="LINLI_STOP_SECONDS", gt=0)

    # Privacy and operations: closed items are anonymized after this many days (a daily sweep);
    # logs are JSON lines or text (unset: JSON for serve/worker/run, text in the terminal); a
    # `serve` worker without its channel's sender lock (PostgreSQL) tries again this often.
    retention_days: int = Field(_CORE.retention_days, alias="LINLI_RETENTION_DAYS")
    log_format: str | None = Field(None, alias="LINLI_LOG_FORMAT")
    sender_lock_retry_s: float = Field(5.0, alias="LINLI_SENDER_LOCK_RETRY_SECONDS")
    # Where people reach `linli serve` (https://…, no trailing slash): files too big for a chat
    # message (WeChat has none) are handed out as short-lived links under /files/ on it.
    public_url: str | None = Field(_OFFICE.public_url, alias="LINLI_PUBLIC_URL")
    # The office console (/office): sign-in links sent in chat, sessions, the map's tile layer.
    office_link_minutes: int = Field(
        _OFFICE.link_minutes, alias="LINLI_OFFICE_LINK_MINUTES", ge=1, le=60
    )
    office_session_minutes: int = Field(60, alias="LINLI_OFFICE_SESSION_MINUTES", ge=5)
    office_tile_url: str = Field("", alias="LINLI_OFFICE_TILE_URL")
    # The header a reverse proxy in front of `linli serve` puts the client's address in
    # (`X-Forwarded-For`, `X-Real-IP`); empty: the connection's own address (no header is
    # believed). The office counts failed sign-ins per address.
    office_client_ip_header: str = Field("", alias="LINLI_OFFICE_CLIENT_IP_HEADER")
    # How long the dashboard's and map's figures of a region are reused (0: never); pages say so.
    office_figures_seconds: int = Field(30, alias="LINLI_OFFICE_FIGURES_SECONDS", ge=0, le=600)
    # `linli chat` writes files it is sent (exports, /mydata) here; unset: <data dir>/files.
    console_files: Path | None = Field(None, alias="LINLI_CONSOLE_FILES")

    telegram_token: str | None = Field(None, alias="TELEGRAM_TOKEN")
    telegram_api_url: str | None = Field(None, alias="TELEGRAM_API_URL")
    telegram_webhook_secret: str | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET")

    wechat_token: str | None = Field(None, alias="WECHAT_TOKEN")
    wechat_appid: str | None = Field(None, alias="WECHAT_APPID")
    wechat_secret: str | None = Field(None, alias="WECHAT_SECRET")
    wechat_aes_key: str | None = Field(None, alias="WECHAT_AES_KEY")
    wechat_api_url: str | None = Field(None, alias="WECHAT_API_URL")
    # Template messages for when the 48-hour window is closed: {"kind": "template id"} (JSON).
    wechat_templates: dict[str, Any] = Field(default_factory=dict, alias="WECHAT_TEMPLATES")

    @property
    def effective_database_url(self) -> str:
        """The configured database, or a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return default_url(self.data_dir)


@cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
