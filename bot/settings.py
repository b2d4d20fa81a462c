"""Typed settings, read once from the environment and `.env` (pydantic-settings)."""

from __future__ import annotations

from datetime import time
from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")


class Settings(BaseSettings):
    """Every knob Linli reads. Names match the environment variables (case-insensitive)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(DEFAULT_DATA_DIR, alias="LINLI_DATA_DIR")
    database_url: str | None = Field(None, alias="DATABASE_URL")
    lang: str = Field("zh_CN", alias="LINLI_LANG")
    tz: str = Field("Asia/Shanghai", alias="LINLI_TZ")
    log_level: str = Field("INFO", alias="LINLI_LOG_LEVEL")
    policy_version: str = Field("2026-11", alias="LINLI_POLICY_VERSION")

    max_text_chars: int = Field(2000, alias="LINLI_MAX_TEXT")
    flood_messages: int = Field(20, alias="LINLI_FLOOD_MESSAGES")
    flood_window_s: int = Field(30, alias="LINLI_FLOOD_WINDOW")
    seen_update_ttl_days: int = Field(14, alias="LINLI_SEEN_UPDATE_TTL_DAYS")
    quiet_start: time = Field(time(22, 0), alias="LINLI_QUIET_START")
    quiet_end: time = Field(time(8, 0), alias="LINLI_QUIET_END")

    telegram_token: str | None = Field(None, alias="TELEGRAM_TOKEN")
    telegram_api_url: str | None = Field(None, alias="TELEGRAM_API_URL")
    telegram_webhook_secret: str | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET")

    wechat_token: str | None = Field(None, alias="WECHAT_TOKEN")
    wechat_appid: str | None = Field(None, alias="WECHAT_APPID")
    wechat_secret: str | None = Field(None, alias="WECHAT_SECRET")
    wechat_aes_key: str | None = Field(None, alias="WECHAT_AES_KEY")
    wechat_api_url: str | None = Field(None, alias="WECHAT_API_URL")

    @property
    def effective_database_url(self) -> str:
        """The configured database, or a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'linli.db').as_posix()}"


@cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
