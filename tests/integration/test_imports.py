"""Admin imports from CSV and XLSX: bad rows reported by line, good rows kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from bot.bootstrap import App
from handlers.admin.imports import COLUMNS, import_rows, normalize_phone
from handlers.admin.tables import TableError, read_rows
from storage.models import Person, Region, RoleGrant, ServiceItem, VolunteerProfile

REGIONS = """code,parent_code,level,name,community_type,households,lat,lon
T,,district,测试区,,,,
T-S,T,street,测试街道,,,,
T-S-1,T-S,community,一社区,老旧小区,1200,39.9,116.4
T-S-2,T-S,community,二社区,别墅区,800,,
T-S-1-G1,T-S-1,grid,第一网格,,,,
T-S-1-G1-B1,T-S-1-G1,building,1号楼,,,,
T-S-1-G9,NOPE,grid,幽灵网格,,,,
T-S-1-B2,T-S-1,building,跳级楼,,,,
"""


async def _import(app: App, kind: str, path: Path):
    async with app.db.transaction() as session:
        return await import_rows(session, kind, read_rows(path, COLUMNS[kind]), app.deps.clock())


async def test_regions_csv_keeps_good_rows_and_reports_bad_ones(app: App, tmp_path: Path) -> None:
    path = tmp_path / "regions.csv"
    path.write_text(REGIONS, encoding="utf-8")
    report = await _import(app, "regions", path)
    assert report.imported == 5
    assert [(line, key) for line, key, _ in report.errors] == [
        (5, "import.bad_value"),
        (8, "import.unknown_region"),
        (9, "import.bad_parent"),
    ]
    async with app.db.transaction() as session:
        building = (
            await session.execute(select(Region).where(Region.code == "T-S-1-G1-B1"))
        ).scalar_one()
        assert len(building.path_ids()) == 5
    again = await _import(app, "regions", path)  # idempotent: same rows update in place
    assert again.imported == 5
    async with app.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Region)) == 5


async def test_gbk_csv_from_excel_is_read(app: App, tmp_path: Path) -> None:
    path = tmp_path / "regions.csv"
    path.write_bytes(REGIONS.encode("gb18030"))
    assert (await _import(app, "regions", path)).imported == 5


async def test_xlsx_staff_and_volunteers(demo_app: App, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
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
        ]
    )
    sheet.append(
        [
            "周新",
            "zh",
            "CY-JS-01-G1",
            "medical_escort",
            "",
            "sat_am;sun_am",
            "grid",
            2,
            "",
            "13912345678",
            "yes",
        ]
    )
    sheet.append(["坏技能", "zh", "CY-JS-01-G1", "juggling", "", "sat_am", "grid", 2, "", "", "no"])
    sheet.append(
        [
            "坏电话",
            "zh",
            "CY-JS-01-G1",
            "medical_escort",
            "",
            "sat_am",
            "grid",
            2,
            "",
            "12345",
            "no",
        ]
    )
    sheet.append(
        ["坏时段", "zh", "CY-JS-01-G1", "medical_escort", "", "someday", "grid", "x", "", "", "no"]
    )
    path = tmp_path / "volunteers.xlsx"
    book.save(path)
    report = await _import(demo_app, "volunteers", path)
    assert report.imported == 1
    assert [(line, key) for line, key, _ in report.errors] == [
        (3, "import.unknown_codes"),
        (4, "import.bad_phone"),
        (5, "import.unknown_codes"),
    ]
    async with demo_app.db.transaction() as session:
        person = (
            await session.execute(select(Person).where(Person.display_name == "周新"))
        ).scalar_one()
        assert person.phone == "+8613912345678"
        profile = await session.get(VolunteerProfile, person.id)
        assert profile is not None and profile.availability == ["sat_am", "sun_am"]


async def test_staff_import_grants_scoped_roles(demo_app: App) -> None:
    async with demo_app.db.transaction() as session:
        grants = (await session.execute(select(RoleGrant))).scalars().all()
        assert {g.role for g in grants} == {"admin", "organizer", "grid_worker"}


def test_missing_columns_and_unknown_types_are_file_errors(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("code,name\nA,B\n", encoding="utf-8")
    with pytest.raises(TableError, match="missing columns"):
        list(read_rows(path, COLUMNS["regions"]))
    with pytest.raises(TableError, match="unsupported"):
        list(read_rows(tmp_path / "x.pdf", COLUMNS["regions"]))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13912345678", "+8613912345678"),
        ("+86 139 1234 5678", "+8613912345678"),
        ("12345", None),
        ("abc", None),
    ],
)
def test_phone_normalization(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


CATALOG = """code,department,handler,name_zh,name_en,skills,keywords
t_low,民政,station,低保申请,Minimum living allowance,document_help,低保
t_meal,老龄,,助餐,Meals,meal_delivery,送饭
t_mediate,司法,org:mediation,调解,Mediation,dispute_mediation,吵架
t_bad,民政,volunteer_centre,错,Wrong,document_help,
"""


async def test_catalog_handler_says_who_takes_the_item(app: App, tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text(CATALOG, encoding="utf-8")
    report = await _import(app, "catalog", path)
    assert report.imported == 3
    assert [(line, key) for line, key, _ in report.errors] == [(5, "import.bad_value")]
    async with app.db.transaction() as session:
        rows = await session.execute(select(ServiceItem.code, ServiceItem.handler))
        assert dict(rows.all()) == {
            "t_low": "station",
            "t_meal": "volunteers",
            "t_mediate": "org:mediation",
        }


async def test_region_outlines_are_geojson_or_refused(app: App, tmp_path: Path) -> None:
    ring = "[[116.46,39.88],[116.47,39.88],[116.47,39.89],[116.46,39.88]]"
    square = '{""type"":""Polygon"",""coordinates"":[' + ring + "]}"
    multi = '{""type"":""MultiPolygon"",""coordinates"":[[[[1,2],[3,4],[5,2],[1,2]]]]}'
    feature = '{""type"":""Feature"",""geometry"":' + multi + "}"
    path = tmp_path / "regions.csv"
    path.write_text(
        "code,parent_code,level,name,geometry\n"
        "D,,district,区,\n"
        f'S,D,street,街道,"{square}"\n'
        f'S2,D,street,街道二,"{feature}"\n'
        'S3,D,street,街道三,"{""type"":""Point"",""coordinates"":[1,2]}"\n'
        'S4,D,street,街道四,"[[1,2],[3,4]]"\n'
        "S5,D,street,街道五,not json\n",
        encoding="utf-8",
    )
    report = await _import(app, "regions", path)
    assert report.imported == 3
    assert [(line, key) for line, key, _ in report.errors] == [
        (5, "import.bad_geometry"),
        (6, "import.bad_geometry"),
        (7, "import.bad_geometry"),
    ]
    async with app.db.transaction() as session:
        outlined = select(Region).options(undefer(Region.geometry))
        street = (await session.execute(outlined.where(Region.code == "S"))).scalar_one()
        other = (await session.execute(outlined.where(Region.code == "S2"))).scalar_one()
    assert street.geometry is not None and street.geometry["type"] == "Polygon"
    assert other.geometry is not None and other.geometry["type"] == "MultiPolygon"
