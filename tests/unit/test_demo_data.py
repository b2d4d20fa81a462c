"""Referential-integrity checks for the demo district CSVs in storage/seed/demo."""

import csv
import itertools
import re
from collections import Counter
from pathlib import Path

import pytest

from matching.taxonomy import CERTIFICATIONS, SLOTS, skill_by_code

DEMO = Path(__file__).resolve().parents[2] / "storage" / "seed" / "demo"

LEVELS = ("district", "street", "community", "grid", "building")
COMMUNITY_TYPES = {"老旧小区", "商品房小区", "保障房小区", "农村回迁房小区"}
DEPARTMENTS = {"民政", "人力社保", "残联", "卫生健康", "老龄", "司法", "城市管理", "教育"}
DEPARTMENTS |= {"文化体育", "其它"}
TIERS = {"professional", "registered", "grassroots"}
CATEGORIES = {"life_service", "charity", "culture_sports", "mediation", "association", "other"}
HANDLERS = {"volunteers", "station"} | {f"org:{c}" for c in CATEGORIES}
REACHES = {"building", "grid", "community", "street"}
ROLES = {"organizer", "grid_worker", "admin"}
PHONE = re.compile(r"^1\d{10}$")

HEADERS = {
    "regions.csv": [
        "code",
        "parent_code",
        "level",
        "name",
        "community_type",
        "households",
        "lat",
        "lon",
        "geometry",
    ],
    "catalog.csv": ["code", "department", "handler", "name_zh", "name_en", "skills", "keywords"],
    "organizations.csv": [
        "name",
        "tier",
        "category",
        "region_code",
        "capacity",
        "contact_name",
        "phone",
        "intro",
        "incubation",
        "filing",
        "open_join",
    ],
    "volunteers.csv": [
        "name",
        "lang",
        "home_region_code",
        "skills",
        "free_skills",
        "availability",
        "reach",
        "max_tasks_week",
        "certifications",
        "phone",
        "show_name",
    ],
    "staff.csv": ["name", "role", "region_code", "lang", "phone"],
    "residents.csv": ["name", "lang", "home_region_code", "phone"],
}


def read(name: str) -> list[dict[str, str]]:
    with (DEMO / name).open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == HEADERS[name], name
        rows = list(reader)
    for row in rows:
        assert None not in row and all(v is not None for v in row.values()), row
    return rows


def split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


@pytest.fixture(scope="module")
def regions() -> dict[str, dict[str, str]]:
    return {row["code"]: row for row in read("regions.csv")}


def codes_at(regions: dict[str, dict[str, str]], level: str) -> set[str]:
    return {code for code, row in regions.items() if row["level"] == level}


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_files_parse_with_exact_headers(name: str) -> None:
    assert read(name)


def test_region_tree() -> None:
    rows = read("regions.csv")
    codes = [row["code"] for row in rows]
    assert len(codes) == len(set(codes))
    seen: dict[str, str] = {}
    for row in rows:
        code, parent, level = row["code"], row["parent_code"], row["level"]
        assert code.isascii() and level in LEVELS
        if level == "district":
            assert parent == ""
        else:
            assert parent in seen, f"{code}: parent {parent} missing or listed later"
            assert LEVELS.index(seen[parent]) == LEVELS.index(level) - 1, code
            assert code.startswith(parent + "-"), code
        assert row["name"].strip()
        lat, lon = float(row["lat"]), float(row["lon"])
        assert 39.8 < lat < 40.1 and 116.35 < lon < 116.65, code
        seen[code] = level
    assert Counter(seen.values())["district"] == 1
    assert Counter(seen.values())["street"] == 1


def test_communities(regions: dict[str, dict[str, str]]) -> None:
    communities = [r for r in regions.values() if r["level"] == "community"]
    assert len(communities) == 4
    assert Counter(r["community_type"] for r in communities) == Counter(COMMUNITY_TYPES)
    for row in communities:
        assert 800 <= int(row["households"]) <= 4000
    for row in regions.values():
        if row["level"] != "community":
            assert row["community_type"] == ""


def test_grids_and_buildings_per_parent(regions: dict[str, dict[str, str]]) -> None:
    children = Counter(row["parent_code"] for row in regions.values())
    for code in codes_at(regions, "community"):
        assert 2 <= children[code] <= 3, code
    for code in codes_at(regions, "grid"):
        assert 2 <= children[code] <= 4, code


def test_catalog() -> None:
    skills = skill_by_code()
    rows = read("catalog.csv")
    assert len(rows) >= 40
    codes = [row["code"] for row in rows]
    assert len(codes) == len(set(codes))
    for row in rows:
        assert row["department"] in DEPARTMENTS, row["code"]
        assert row["name_zh"] and row["name_en"]
        assert split(row["skills"]), row["code"]
        for skill in split(row["skills"]):
            assert skill in skills, (row["code"], skill)
        assert split(row["keywords"]), row["code"]
        assert row["handler"] in HANDLERS, row["code"]
    five = ("民政", "人力社保", "残联", "卫生健康", "老龄")
    assert len([row for row in rows if row["department"] in five]) >= 145  # the seed's ~150 items


def test_organizations(regions: dict[str, dict[str, str]]) -> None:
    rows = read("organizations.csv")
    assert 20 <= len(rows) <= 28
    assert {row["tier"] for row in rows} == TIERS
    assert {row["category"] for row in rows} == CATEGORIES
    allowed = codes_at(regions, "community") | codes_at(regions, "street")
    names = [row["name"] for row in rows]
    assert len(names) == len(set(names))
    for row in rows:
        assert row["region_code"] in allowed, row["name"]
        assert int(row["capacity"]) > 0
        assert row["contact_name"] and PHONE.match(row["phone"])
    # communities sit at different stages of the 1710 target
    per_community = Counter(row["region_code"] for row in rows if row["region_code"] in allowed)
    sizes = [per_community[c] for c in codes_at(regions, "community")]
    assert len(set(sizes)) > 1


def test_volunteers(regions: dict[str, dict[str, str]]) -> None:
    skills = skill_by_code()
    rows = read("volunteers.csv")
    assert len(rows) == 60
    homes = codes_at(regions, "grid") | codes_at(regions, "building")
    groups: set[str] = set()
    holders: Counter[str] = Counter()
    for row in rows:
        who = row["name"]
        assert row["lang"] in {"zh", "en"}, who
        assert row["home_region_code"] in homes, who
        codes = split(row["skills"])
        assert 1 <= len(codes) <= 5 and len(codes) == len(set(codes)), who
        certs = set(split(row["certifications"]))
        assert certs <= set(CERTIFICATIONS), who
        for code in codes:
            skill = skills[code]
            groups.add(skill.group)
            holders[code] += 1
            assert skill.certification is None or skill.certification in certs, (who, code)
        slots = split(row["availability"])
        assert slots and set(slots) <= set(SLOTS), who
        assert row["reach"] in REACHES, who
        assert 1 <= int(row["max_tasks_week"]) <= 5, who
        assert PHONE.match(row["phone"]), who
        assert row["show_name"] in {"yes", "no"}, who
    assert groups == {s.group for s in skills.values()}
    assert holders["medical_escort"] >= 3
    assert 3 <= sum(row["lang"] == "en" for row in rows) <= 4
    phones = [row["phone"] for row in rows]
    assert len(phones) == len(set(phones))


def test_staff(regions: dict[str, dict[str, str]]) -> None:
    rows = read("staff.csv")
    for row in rows:
        assert row["role"] in ROLES and row["region_code"] in regions, row["name"]
        assert PHONE.match(row["phone"])
    admins = [row for row in rows if row["role"] == "admin"]
    assert len(admins) == 1 and regions[admins[0]["region_code"]]["level"] == "street"
    grid_workers = Counter(r["region_code"] for r in rows if r["role"] == "grid_worker")
    assert set(grid_workers) == codes_at(regions, "grid")
    assert all(n == 1 for n in grid_workers.values())
    organizers = Counter(r["region_code"] for r in rows if r["role"] == "organizer")
    assert set(organizers) == codes_at(regions, "community")
    assert all(1 <= n <= 2 for n in organizers.values())


def test_residents(regions: dict[str, dict[str, str]]) -> None:
    rows = read("residents.csv")
    assert len(rows) == 12
    buildings = codes_at(regions, "building")
    for row in rows:
        assert row["home_region_code"] in buildings, row["name"]
        assert row["lang"] in {"zh", "en"} and PHONE.match(row["phone"])
    assert any(row["lang"] == "en" for row in rows)


def test_phones_unique_across_files() -> None:
    phones = [
        row["phone"]
        for name in ("organizations.csv", "volunteers.csv", "staff.csv", "residents.csv")
        for row in read(name)
    ]
    assert len(phones) == len(set(phones))


def _inside(lon: float, lat: float, ring: list[list[float]]) -> bool:
    """Ray casting: whether a point lies inside a closed ring."""
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def test_every_grid_is_drawn_around_its_buildings(regions: dict[str, dict[str, str]]) -> None:
    import json

    for code in codes_at(regions, "grid") | codes_at(regions, "community"):
        outline = json.loads(regions[code]["geometry"])
        assert outline["type"] == "Polygon", code
        ring = outline["coordinates"][0]
        inside = [r for r in regions.values() if r["parent_code"] == code and r["lat"]]
        for child in inside:
            assert _inside(float(child["lon"]), float(child["lat"]), ring), (code, child["code"])
