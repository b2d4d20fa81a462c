"""Proposal rules without a database: thresholds and settings, proposal numbers, categories."""

from __future__ import annotations

import pytest

from bot.bootstrap import core_config
from bot.settings import Settings
from handlers.core.config import CoreConfig, ProposalRules
from handlers.core.errors import UserError
from handlers.proposals.common import (
    CATEGORIES,
    EVENT_LABELS,
    STATUS_LABELS,
    parse_id,
    stale_days,
    threshold,
)
from storage.models import Region
from storage.models.governance import PROPOSAL_STATES


def community(households: int | None = 3200, own: int | None = None) -> Region:
    return Region(
        code="C", level="community", name="C", households=households, cosign_threshold=own
    )


def test_the_community_threshold_wins_then_a_share_of_households_then_the_default() -> None:
    share = CoreConfig(proposals=ProposalRules(cosign_share=0.005, cosign_threshold=8))
    assert threshold(share, community(own=5)) == 5
    assert threshold(share, community(3200)) == 16
    assert threshold(share, community(150)) == 1  # 0.75 rounds up
    assert threshold(share, community(None)) == 8  # no household count: the flat number
    assert threshold(CoreConfig(), community()) == 10  # nothing configured


def test_the_settings_reach_the_handlers() -> None:
    config = core_config(
        Settings(LINLI_COSIGN_THRESHOLD=12, LINLI_COSIGN_SHARE=0.01, LINLI_PROPOSAL_STALE_DAYS=45)
    )
    assert threshold(config, community(1850)) == 19
    assert stale_days(config) == 45
    assert stale_days(core_config(Settings())) == 30
    assert threshold(core_config(Settings()), community()) == 10


@pytest.mark.parametrize(("text", "number"), [("12", 12), ("#12", 12), ("＃12", 12), (" 7 ", 7)])
def test_proposal_numbers(text: str, number: int) -> None:
    assert parse_id(text) == number


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "proposals.id_missing"),
        ("abc", "proposals.id_invalid"),
        ("1" * 12, "proposals.id_invalid"),
        ("-3", "proposals.id_invalid"),
    ],
)
def test_bad_proposal_numbers(text: str, key: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_id(text)
    assert caught.value.key == key


def test_every_state_and_category_has_a_label() -> None:
    assert set(STATUS_LABELS) == set(PROPOSAL_STATES)
    assert list(CATEGORIES) == [
        "environment",
        "parking",
        "elderly",
        "safety",
        "culture",
        "facilities",
        "other",
    ]
    assert {"submitted", "seconded", "accepted", "rejected", "merged", "done", "disputed"} <= set(
        EVENT_LABELS
    )
