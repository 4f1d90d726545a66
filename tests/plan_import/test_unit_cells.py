"""Unit cells of issue 18, each class on cells written for the test: bodies' names kept whole,
lists of one kind after a colon, ";" between names, groups with no one to remind, and a clause
after a name cut off."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from plan_import.bodies import load_known_bodies
from plan_import.cells import CellUnits
from plan_import.units import UnitDirectory, load_unit_directory
from settings import get_settings
from tests.plan_import.test_bad_input import entries, read_rows


@pytest.fixture(scope="module")
def directory() -> UnitDirectory:
    return replace(load_unit_directory(get_settings().units_file), known=load_known_bodies())


def read(directory: UnitDirectory, cell: str) -> list[tuple[str, str]]:
    """(what, name) for each part: an own unit by code, a new unit or group by name."""
    units: CellUnits = directory.read_cell(cell)
    found: list[tuple[str, str]] = []
    for part in units.parts:
        if part.unit is not None:
            found.append(("own", part.unit.code))
        elif part.new is not None:
            what = "to name" if part.new.to_be_named else part.new.kind
            found.append((what, part.new.name))
        elif part.clause:
            found.append(("clause", part.text))
        else:
            found.append(("no unit", part.text))
    return found


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Hội Khoa học và Kỹ thuật tỉnh", [("unit", "Hội Khoa học và Kỹ thuật tỉnh")]),
        (
            "Liên hiệp các Hội Văn học và Nghệ thuật tỉnh, Văn phòng Sở",
            [("unit", "Liên hiệp các Hội Văn học và Nghệ thuật tỉnh"), ("own", "van-phong")],
        ),
        ("Trung tâm Dịch vụ và Hỗ trợ đấu giá", [("unit", "Trung tâm Dịch vụ và Hỗ trợ đấu giá")]),
        # "và" before a name the agency's directory knows, or a body's kind, parts two bodies.
        (
            "Trung tâm Khuyến nông và Lãnh đạo Sở",
            [("unit", "Trung tâm Khuyến nông"), ("own", "lanh-dao")],
        ),
        (
            "Hội Nông dân tỉnh và Công an tỉnh",
            [("unit", "Hội Nông dân tỉnh"), ("unit", "Công an tỉnh")],
        ),
        (
            "Trung tâm Khuyến nông và Sở Tư pháp",
            [("unit", "Trung tâm Khuyến nông"), ("unit", "Sở Tư pháp")],
        ),
    ],
)
def test_a_name_with_va_is_kept_whole(
    directory: UnitDirectory, cell: str, expected: list[tuple[str, str]]
) -> None:
    assert read(directory, cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Ban Cơ yếu Chính phủ", [("unit", "Ban Cơ yếu Chính phủ")]),
        (
            "Ban Chỉ đạo phòng, chống thiên tai của Chính phủ, Sở Tư pháp",
            [("unit", "Ban Chỉ đạo phòng, chống thiên tai của Chính phủ"), ("unit", "Sở Tư pháp")],
        ),
        ("Hội đồng Phối hợp Trung ương", [("unit", "Hội đồng Phối hợp Trung ương")]),
        # A body's name glued on after another is a body of its own.
        ("Bộ Tư pháp Bộ Nội vụ", [("unit", "Bộ Tư pháp"), ("unit", "Bộ Nội vụ")]),
    ],
)
def test_a_name_ending_in_another_bodys_name_is_kept_whole(
    directory: UnitDirectory, cell: str, expected: list[tuple[str, str]]
) -> None:
    assert read(directory, cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            "Các Cục: Quản lý giá; Kiểm tra, Giám sát và Thanh tra; Thống kê",
            [
                ("unit", "Cục Quản lý giá"),
                ("unit", "Cục Kiểm tra, Giám sát và Thanh tra"),
                ("unit", "Cục Thống kê"),
            ],
        ),
        (
            "Văn phòng Sở, các Vụ: Pháp chế, Hợp tác quốc tế.",
            [("own", "van-phong"), ("unit", "Vụ Pháp chế"), ("unit", "Vụ Hợp tác quốc tế")],
        ),
        (
            "các đơn vị: Văn phòng Sở; Trung tâm Khuyến nông",
            [("own", "van-phong"), ("unit", "Trung tâm Khuyến nông")],
        ),
        ("Các Vụ: Vụ Tổ chức cán bộ", [("unit", "Vụ Tổ chức cán bộ")]),
    ],
)
def test_a_list_after_a_kind_and_colon_is_one_unit_per_item(
    directory: UnitDirectory, cell: str, expected: list[tuple[str, str]]
) -> None:
    assert read(directory, cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            "Trung tâm Tin học; phòng chuyên môn thuộc Sở",
            [("unit", "Trung tâm Tin học"), ("no unit", "phòng chuyên môn thuộc Sở")],
        ),
        (
            "Phòng Kế hoạch, tài chính; Thanh tra tỉnh",
            [("unit", "Phòng Kế hoạch, tài chính"), ("unit", "Thanh tra tỉnh")],
        ),
        ("Văn phòng Sở;Sở Tư pháp", [("own", "van-phong"), ("unit", "Sở Tư pháp")]),
    ],
)
def test_a_semicolon_parts_names(
    directory: UnitDirectory, cell: str, expected: list[tuple[str, str]]
) -> None:
    assert read(directory, cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Cơ quan liên quan", [("to name", "Cơ quan liên quan")]),
        ("Đơn vị có liên quan", [("to name", "Đơn vị có liên quan")]),
        (
            "Sở Tư pháp, cơ quan có liên quan",
            [("unit", "Sở Tư pháp"), ("to name", "cơ quan có liên quan")],
        ),
        ("Địa phương được lựa chọn", [("to name", "Địa phương được lựa chọn")]),
    ],
)
def test_related_bodies_are_a_group_to_be_named(
    directory: UnitDirectory, cell: str, expected: list[tuple[str, str]]
) -> None:
    assert read(directory, cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            "Sở Khoa học và Công nghệ với các tiêu chuẩn, quy chuẩn kỹ thuật cấp tỉnh",
            [
                ("unit", "Sở Khoa học và Công nghệ"),
                ("clause", "với các tiêu chuẩn, quy chuẩn kỹ thuật cấp tỉnh"),
            ],
        ),
        (
            "Văn phòng Sở để bảo đảm tiến độ; Sở Tư pháp",
            [("own", "van-phong"), ("clause", "để bảo đảm tiến độ"), ("unit", "Sở Tư pháp")],
        ),
        (
            "Trung tâm Khuyến nông nhằm số hóa hồ sơ",
            [("unit", "Trung tâm Khuyến nông"), ("clause", "nhằm số hóa hồ sơ")],
        ),
    ],
)
def test_a_clause_after_a_name_is_cut_off(
    directory: UnitDirectory, cell: str, expected: list[tuple[str, str]]
) -> None:
    assert read(directory, cell) == expected


def test_the_import_warns_of_a_cut_clause_and_keeps_the_unit(tmp_path: Path) -> None:
    plan = read_rows(
        tmp_path,
        [
            ["I", "CÔNG TÁC CHỈ ĐẠO", "", "", "", ""],
            ["1", "Rà soát quy chế", "Văn phòng Sở để bảo đảm tiến độ", "", "Quý II", ""],
        ],
    )
    task = plan.task("I.1")
    assert (task.lead_units, task.unresolved_units) == (["van-phong"], [])
    assert (
        "line 9 (I.1), column “Cơ quan chủ trì”",
        "“để bảo đảm tiến độ” follows a unit's name and names no unit: cut off",
    ) in entries(plan, "warning")
