"""Every catalog key the office's templates and pages name exists in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.office.meetings import DONE as MEETING_DONE
from bot.office.pages import ACTIONS_DONE, EVENT_KINDS, TABS
from handlers.core.i18n import LANGUAGES, Translator
from handlers.office.ledgers import LEDGERS
from storage.models.governance import PROPOSAL_STATES, REPORT_STATES
from storage.models.services import NEED_STATES

TEMPLATES = Path(__file__).resolve().parents[2] / "bot" / "office" / "templates"
LITERAL = re.compile(r"""\bt\(\s*'([a-z0-9_.]+)'""")


def keys() -> set[str]:
    """Literal keys in the templates, and the families built from names at run time."""
    found = set()
    for path in TEMPLATES.glob("*.html"):
        found |= {
            k
            for k in LITERAL.findall(path.read_text(encoding="utf-8"))
            if not k.endswith((".", "_"))
        }
    found |= {f"office.tab.{t}" for t in TABS} | {f"office.done.{a}" for a in ACTIONS_DONE}
    found |= set(EVENT_KINDS.values()) | {f"office.ledger.{k}" for k in LEDGERS}
    found |= {f"office.need_state.{s}" for s in NEED_STATES}
    found |= {f"reports.status_{s}" for s in REPORT_STATES}  # the report timeline's changes
    found |= {f"office.proposal_state.{s}" for s in PROPOSAL_STATES}
    found |= {f"office.state.{s}" for s in ("all", "open", "overdue", "closed")}
    actions = ("reassign", "note", "close", "escalate", "dispatch", "accept", "reject")
    found |= {f"office.action.{a}" for a in (*actions, "hours_approve", "hours_reject")}
    found |= {f"gov.done.{d}" for d in MEETING_DONE}  # the meeting page's "done" notes
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_office_key_is_translated(translator: Translator, lang: str) -> None:
    missing = sorted(k for k in keys() if not translator.has(lang, k))
    assert not missing, missing
