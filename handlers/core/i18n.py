"""Translation catalogs (gettext via Babel): one domain per feature, merged per language."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.support import Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANG = "zh_CN"
# Catalog key families whose keys are built at run time, not named in full anywhere in the code:
# tests/unit/test_catalogs.py counts every key under these prefixes as used (and checks that
# the code still builds each prefix). Any other key the code never names is unused.
BUILT_KEYS: dict[str, str] = {
    "office.col.": "column headers of exports and ledgers (handlers/admin/present.py header)",
    "groups.ask_": "the question for a group's field (handlers/groups/status.py)",
    "party.report_title_": "the party report's title per period (handlers/party/report.py)",
}


def N_(key: str) -> str:
    """Mark a key for extraction where it is looked up later (lists of categories …)."""
    return key


def normalize_lang(code: str | None, default: str = DEFAULT_LANG) -> str:
    """Map "zh-hans", "zh_CN", "en-US" … onto a supported language."""
    if not code:
        return default
    code = code.replace("-", "_").lower()
    if code.startswith("zh"):
        return "zh_CN"
    if code.startswith("en"):
        return "en"
    return default


class CatalogMissing(RuntimeError):
    """Compiled catalogs are absent: the install step (`make i18n`) did not run."""


class Translator:
    """Looks keys up in the merged catalogs of each language and formats them."""

    def __init__(self, directory: Path = LOCALES_DIR, tz: str = "Asia/Shanghai") -> None:
        self.tz = ZoneInfo(tz)
        self._catalogs: dict[str, Translations] = {}
        for lang in LANGUAGES:
            files = sorted((directory / lang / "LC_MESSAGES").glob("*.mo"))
            if not files:
                raise CatalogMissing(f"no compiled catalogs in {directory / lang}; run `make i18n`")
            merged = Translations(domain="linli")
            for mo in files:
                with mo.open("rb") as handle:
                    merged.merge(Translations(handle, domain=mo.stem))
            self._catalogs[lang] = merged

    def translate(self, lang: str, key: str, /, **params: Any) -> str:
        """The text for `key` in `lang`, with `{name}` placeholders filled."""
        catalog = self._catalogs.get(lang) or self._catalogs[DEFAULT_LANG]
        text = catalog.gettext(key)
        return text.format(**params) if params else text

    def join(self, lang: str, items: Iterable[str]) -> str:
        """Items as a list in a sentence of `lang`: "甲、乙", "A, B"."""
        return self.translate(lang, "common.list_separator").join(items)

    def span(self, lang: str, start: datetime, end: datetime) -> str:
        """Local time like 2026-12-06 09:00–11:00; the end in full when it falls on another day."""
        day = "yyyy-MM-dd"
        same_day = self.datetime(lang, start, day) == self.datetime(lang, end, day)
        tail = self.datetime(lang, end, "HH:mm") if same_day else self.datetime(lang, end)
        return f"{self.datetime(lang, start)}–{tail}"

    def has(self, lang: str, key: str) -> bool:
        """Whether the catalog of `lang` translates `key`."""
        return self._catalogs[lang].gettext(key) != key

    def datetime(self, lang: str, value: datetime, fmt: str = "medium") -> str:
        """A UTC datetime shown in local time, in the language's style."""
        locale = "zh_Hans_CN" if lang.startswith("zh") else "en_GB"
        if fmt == "medium":
            fmt = "yyyy-MM-dd HH:mm" if lang.startswith("zh") else "d MMM yyyy HH:mm"
        return format_datetime(value, fmt, tzinfo=self.tz, locale=locale)
