"""Tests for the skill taxonomy and availability slots."""

import pytest

from matching.taxonomy import (
    CERTIFICATIONS,
    GROUPS,
    SLOTS,
    Skill,
    load_skills,
    skill_by_code,
    slot_of,
)


def test_at_least_70_skills() -> None:
    assert len(load_skills()) >= 70


def test_codes_unique_and_ascii_snake_case() -> None:
    codes = [s.code for s in load_skills()]
    assert len(codes) == len(set(codes))
    for code in codes:
        assert code.isascii() and code == code.lower() and " " not in code
    assert set(skill_by_code()) == set(codes)


def test_groups_and_certifications_known() -> None:
    for skill in load_skills():
        assert skill.group in GROUPS
        assert skill.certification is None or skill.certification in CERTIFICATIONS
    assert {s.group for s in load_skills()} == set(GROUPS)
    used = {s.certification for s in load_skills()} - {None}
    assert used <= set(CERTIFICATIONS)


def test_every_skill_has_names_and_synonyms() -> None:
    for skill in load_skills():
        assert skill.zh and skill.en
        assert len(skill.synonyms_zh) >= 3, skill.code
        assert len(skill.synonyms_en) >= 3, skill.code


def test_no_term_shared_by_two_skills() -> None:
    owner: dict[str, str] = {}
    for skill in load_skills():
        terms = {skill.zh, skill.en.casefold()}
        terms |= {t.casefold() for t in skill.synonyms_zh + skill.synonyms_en}
        for term in terms:
            assert owner.setdefault(term, skill.code) == skill.code, (
                f"{term!r} in both {owner[term]} and {skill.code}"
            )


def test_known_examples() -> None:
    skills = skill_by_code()
    assert "陪老人看病" in skills["medical_escort"].synonyms_zh
    assert {"扫雪", "铲雪", "清雪"} <= set(skills["snow_clearing"].synonyms_zh)
    assert skills["first_aid"].certification == "first_aid"
    assert skills["medical_escort"].certification is None


def test_name_by_language() -> None:
    skill = skill_by_code()["medical_escort"]
    assert isinstance(skill, Skill)
    assert skill.name("zh") == "陪诊"
    assert skill.name("zh-Hans") == "陪诊"
    assert skill.name("en") == "Medical escort"
    assert skill.name("fr") == "Medical escort"


def test_load_is_cached() -> None:
    assert load_skills() is load_skills()


def test_slots() -> None:
    assert len(SLOTS) == 21
    assert len(set(SLOTS)) == 21
    assert SLOTS[:3] == ("mon_am", "mon_pm", "mon_ev")
    assert SLOTS[-1] == "sun_ev"


@pytest.mark.parametrize(
    ("weekday", "hour", "expected"),
    [
        (0, 7, None),
        (0, 8, "mon_am"),
        (0, 11, "mon_am"),
        (0, 12, "mon_pm"),
        (2, 17, "wed_pm"),
        (4, 18, "fri_ev"),
        (6, 21, "sun_ev"),
        (6, 22, None),
        (5, 0, None),
        (5, 23, None),
    ],
)
def test_slot_of_boundaries(weekday: int, hour: int, expected: str | None) -> None:
    assert slot_of(weekday, hour) == expected


def test_slot_of_always_in_slots() -> None:
    for weekday in range(7):
        for hour in range(24):
            slot = slot_of(weekday, hour)
            assert slot is None or slot in SLOTS


@pytest.mark.parametrize("weekday", [-1, 7])
def test_slot_of_rejects_bad_weekday(weekday: int) -> None:
    with pytest.raises(ValueError):
        slot_of(weekday, 10)
