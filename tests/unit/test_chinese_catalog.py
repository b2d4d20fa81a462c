"""Every message of the compiled zh_CN catalogs is Chinese: no English text left in a msgstr.

Format-only messages ("{name}", "#{id} {item}", "✅", "、") have no words and pass. Names of
products and command-line words are not English prose; the language chooser shows both on purpose.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.mofile import read_mo

from handlers.core.i18n import LOCALES_DIR

# Proper names and what people type literally: kept as they are in Chinese text.
NAMES = {
    "Linli",
    "SQLite",
    "PostgreSQL",
    "Telegram",
    "Webhook",
    "WeChat",
    "JSON",
    "CSV",
    "XLSX",
    "Excel",
    "GeoJSON",
}
CLI_WORDS = {"serve", "worker"}  # `linli serve`, `linli worker`, named alone
BILINGUAL = {"lang.ask", "telegram.cmd.lang"}  # asked before anyone has chosen a language
# Placeholders, chat commands, links, quoted and command-line text ("linli db upgrade").
LITERAL = re.compile(
    r"\{[^{}]*\}|/[a-z_]+|https?://\S+|`[^`]*`|\blinli(?: [a-z][a-z0-9_-]*)*"
    r"|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b"  # a setting's name, as typed: DATABASE_URL
)
WORD = re.compile(r"[A-Za-z]{2,}")


def english_words(text: str) -> list[str]:
    """Latin words in a Chinese message that are neither literals nor allowed names."""
    prose = LITERAL.sub(" ", text)
    return [w for w in WORD.findall(prose) if w not in NAMES and w not in CLI_WORDS]


def zh_messages() -> list[tuple[str, str, str]]:
    """(domain, key, text) of every translated message in the compiled zh_CN catalogs."""
    found = []
    for mo in sorted((LOCALES_DIR / "zh_CN" / "LC_MESSAGES").glob("*.mo")):
        with mo.open("rb") as handle:
            catalog = read_mo(handle)
        for message in catalog:
            if message.id and message.string:
                texts = [message.string] if isinstance(message.string, str) else message.string
                found += [(mo.stem, str(message.id), text) for text in texts]
    return found


def test_the_compiled_catalogs_are_there() -> None:
    domains = {domain for domain, _, _ in zh_messages()}
    assert {"core", "start", "proposals", "needs", "tasks"} <= domains


def test_no_zh_cn_message_is_english() -> None:
    english = [
        f"{domain}: {key} = {text!r} ({', '.join(words)})"
        for domain, key, text in zh_messages()
        if key not in BILINGUAL and (words := english_words(text))
    ]
    assert not english, "English text in the Chinese catalog:\n" + "\n".join(english)


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("Your request was sent.", True),
        ("已提交，Thank you!", True),
        ("Request #{id} sent", True),
        ("#{id} {item} · {status} · {window}", False),
        ("✅", False),
        ("请发送 /help 查看帮助", False),
        ("Telegram Webhook 已设置：{url}", False),
        ("{name}", False),
        ("如需收回角色，请用 linli admin revoke。", False),
        ("、", False),
    ],
)
def test_the_check_tells_english_from_format_only(text: str, english: bool) -> None:
    assert bool(english_words(text)) == english
