"""Every key the code uses is translated in both catalogs, with the same placeholders, and every
key in the catalogs is used."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from handlers.core.i18n import BUILT_KEYS, LANGUAGES, LOCALES_DIR, Translator
from tests.unit.test_office_catalog import TEMPLATES
from tests.unit.test_office_catalog import keys as office_keys

ROOT = Path(__file__).resolve().parents[2]
# Calls whose argument at this index (0-based) is a catalog key.
KEY_ARGUMENT = {
    name: 0
    for name in (
        "t",
        "reply",
        "N_",
        "_translate",
        "UserError",
        "InvalidInput",
        "NotAllowed",
        "Conflict",
        "RowError",
        "Section",
        "Run",
    )
} | {"notify": 2, "translate": 1, "require_id": 1}
KEY = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
PACKAGES = ("handlers", "bot", "storage", "matching")
TEMPLATE_KEY = re.compile(r"""'([a-z0-9_]+(?:\.[a-z0-9_]+)+)'""")


def used_keys() -> dict[str, str]:
    """Catalog keys in calls like ctx.t("key"), ctx.reply("key"), N_("key"), at any nesting.

    An AST walk rather than Babel's extractor, which skips keyword calls nested in the
    arguments of another (a Choice(ctx.t("…")) inside ctx.reply(…)).
    """
    found: dict[str, str] = {}
    for package in ("handlers", "bot"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                index = KEY_ARGUMENT.get(name)
                if index is None or len(node.args) <= index:
                    continue
                arg = node.args[index]
                if (
                    isinstance(arg, ast.Constant)
                    and isinstance(arg.value, str)
                    and KEY.fullmatch(arg.value)
                ):
                    found[arg.value] = str(path.relative_to(ROOT))
    return found


def named_strings() -> tuple[set[str], set[str]]:
    """Every string constant in the code (keys sit in calls, dicts, tuples …), and the leading
    text of every f-string (a key built at run time starts with its family's prefix)."""
    constants: set[str] = set()
    prefixes: set[str] = set()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    constants.add(node.value)
                elif isinstance(node, ast.JoinedStr) and node.values:
                    head = node.values[0]
                    if isinstance(head, ast.Constant) and isinstance(head.value, str):
                        prefixes.add(head.value)
    for page in TEMPLATES.glob("*.html"):  # the office's pages: t('key'), t('prefix.' + name)
        constants |= set(TEMPLATE_KEY.findall(page.read_text(encoding="utf-8")))
    return constants, prefixes


def catalog(lang: str) -> dict[str, str]:
    """All entries of every domain of a language."""
    entries: dict[str, str] = {}
    for po in sorted((LOCALES_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale=lang):
                if message.id:
                    assert message.id not in entries, f"{message.id} defined twice ({po.name})"
                    entries[str(message.id)] = str(message.string)
    return entries


def test_extraction_finds_keys() -> None:
    keys = used_keys()
    assert "start.ask_lang" in keys and "error.generic" in keys
    assert "start.role_resident" in keys  # nested: Choice(ctx.t(...)) inside ctx.reply(...)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_used_key_is_translated(lang: str) -> None:
    entries = catalog(lang)
    missing = [
        f"{key} (in {where})" for key, where in sorted(used_keys().items()) if not entries.get(key)
    ]
    assert not missing, f"missing in {lang}:\n" + "\n".join(missing)


def test_every_catalog_key_is_used() -> None:
    """A key no code names is dead text; keys built at run time are tolerated only under a
    prefix `BUILT_KEYS` documents."""
    constants, _ = named_strings()
    used = constants | office_keys()
    unused = [
        key
        for key in sorted(catalog("zh_CN"))
        if key not in used and not key.startswith(tuple(BUILT_KEYS))
    ]
    assert not unused, "in the catalogs but used nowhere:\n" + "\n".join(unused)


def test_built_key_prefixes_are_still_built() -> None:
    _, prefixes = named_strings()
    stale = [p for p in BUILT_KEYS if p not in prefixes]
    assert not stale, f"BUILT_KEYS names prefixes no f-string builds: {stale}"


def test_languages_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalog("zh_CN"), catalog("en")
    assert set(zh) == set(en), set(zh) ^ set(en)
    for key in zh:
        assert set(PLACEHOLDER.findall(zh[key])) == set(PLACEHOLDER.findall(en[key])), key


def test_compiled_catalogs_load(translator: Translator) -> None:
    assert translator.translate("zh_CN", "start.agree") == "同意"
    assert translator.translate("en", "start.agree") == "I agree"


def test_lists_in_a_sentence_follow_the_language(translator: Translator) -> None:
    from handlers.core.notify import Listed, localize

    assert translator.join("zh_CN", ["陪诊", "助浴"]) == "陪诊、助浴"
    assert translator.join("en", ["escort", "bathing"]) == "escort, bathing"
    assert localize(translator, "en", Listed(("water pipe", "leaking"))) == "water pipe, leaking"
    assert localize(translator, "zh_CN", Listed(())) == "—"


def test_no_code_joins_a_list_with_a_chinese_separator() -> None:
    """English readers once got "Matched on: water pipe、leaking": lists go through `ctx.join`,
    `Translator.join` or `Listed` (the separator is the catalog's `common.list_separator`)."""
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and node.value in ("、", "，"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found
