"""The unit directory: every short form of the plan, groups, units still to be named, and the
errors of a directory file written by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from plan_import.units import (
    UnitDirectory,
    UnitDirectoryError,
    UnknownUnit,
    load_unit_directory,
    parse_unit_directory,
)
from settings import get_settings
from tests.plan_import.seed_table import ALL


@pytest.fixture(scope="module")
def directory() -> UnitDirectory:
    return load_unit_directory(get_settings().units_file)


def test_the_bundled_directory_is_the_default(directory: UnitDirectory) -> None:
    assert directory.source == get_settings().units_file
    assert directory.agency.code == "snv-binh-dinh"
    assert directory.coordinator == "cchc-vtlt"
    assert directory.leadership == "lanh-dao"
    roles = {unit.code: unit.role for unit in directory.units}
    assert roles == {
        **dict.fromkeys(ALL, "unit"),
        "cchc-vtlt": "coordinator",
        "lanh-dao": "leadership",
    }


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Phòng CCHC-VTLT", "cchc-vtlt"),
        ("Phòng CCHC - VTLT", "cchc-vtlt"),
        ("Phòng Cải cách hành chính - Văn thư, lưu trữ", "cchc-vtlt"),
        ("Văn phòng Sở", "van-phong"),
        ("Văn Phòng Sở", "van-phong"),
        ("VAN PHONG SO", "van-phong"),
        ("Trung tâm lưu trữ lịch sử tỉnh", "ttlt"),
        ("Ban Tôn giáo", "ban-ton-giao"),
        ("Ban Thi đua - Khen thưởng", "ban-tdkt"),
        ("Phòng Công chức, viên chức", "phong-ccvc"),
        ("Phòng CCVC", "phong-ccvc"),
        ("Phòng TCBC và TCPCP", "phong-tcbc"),
        ("P.TCBC và TCPCP", "phong-tcbc"),
        ("P. TCBC  và TCPCP", "phong-tcbc"),
        ("Giám đốc, Phó Giám đốc Sở", "lanh-dao"),
        ("Lãnh đạo Sở", "lanh-dao"),
        ("ttlt", "ttlt"),
        # Decomposed Unicode (as some Word files store Vietnamese) is the same name.
        ("Ban To\u0302n gia\u0301o", "ban-ton-giao"),
    ],
)
def test_find_every_short_form(directory: UnitDirectory, written: str, code: str) -> None:
    assert directory.find(written).code == code


def test_groups_expand_to_their_members(directory: UnitDirectory) -> None:
    assert directory.resolve("Các đơn vị thuộc, trực thuộc Sở") == ALL
    assert directory.resolve("Các đơn vị thuộc và trực thuộc Sở") == ALL
    assert directory.resolve("Các cơ quan, đơn vị thuộc, trực thuộc Sở") == ALL
    assert directory.resolve("Văn phòng Sở, các đơn vị trực thuộc Sở") == [
        "van-phong",
        "ban-ton-giao",
        "ban-tdkt",
        "ttlt",
    ]


def test_a_cell_names_several_units_with_commas_inside_names(directory: UnitDirectory) -> None:
    assert directory.resolve("Văn phòng Sở, P.TCBC và TCPCP") == ["van-phong", "phong-tcbc"]
    assert directory.resolve("Phòng Công chức, viên chức; Ban Tôn giáo") == [
        "phong-ccvc",
        "ban-ton-giao",
    ]


def test_units_concerned_stay_for_the_coordinator(directory: UnitDirectory) -> None:
    cell = directory.read_cell("Phòng CCVC, các cơ quan, đơn vị có liên quan")
    assert cell.codes == ["phong-ccvc"]
    assert cell.to_be_named == ["các cơ quan, đơn vị có liên quan"]
    assert directory.resolve("Các đơn vị liên quan") == []
    assert directory.read_cell("Các đơn vị có liên quan").to_be_named == ["Các đơn vị có liên quan"]


def test_an_unknown_unit_comes_with_the_closest_names(directory: UnitDirectory) -> None:
    with pytest.raises(UnknownUnit) as raised:
        directory.resolve("Văn phòng Sở, Phòng CCHC")
    assert raised.value.phrase == "Phòng CCHC"
    assert raised.value.suggestions[0] == "Phòng Cải cách hành chính - Văn thư, lưu trữ (cchc-vtlt)"
    assert "unknown unit “Phòng CCHC” (closest known: Phòng Cải cách" in str(raised.value)
    # A name nobody knows, with a comma in it, is one name, not two: a new unit, read by its form.
    cell = directory.read_cell("Phòng Kế hoạch, tài chính và Văn phòng Sở")
    assert cell.unknown == []
    assert [(n.kind, n.code, n.written) for n in cell.new] == [
        ("unit", "phong-ke-hoach-tai-chinh", "Phòng Kế hoạch, tài chính")
    ]
    assert cell.named == ["van-phong"]
    assert cell.codes == ["van-phong"]


def test_find_refuses_groups_and_unknown_names(directory: UnitDirectory) -> None:
    with pytest.raises(UnknownUnit, match="Các đơn vị trực thuộc Sở"):
        directory.find("Các đơn vị trực thuộc Sở")
    with pytest.raises(LookupError, match="Trung tâm lưu trữ lịch sử tỉnh \\(ttlt\\)"):
        directory.find("Trung tâm lưu trữ")
    with pytest.raises(UnknownUnit):
        directory.get("no-such-unit")


def test_new_units_get_readable_codes(directory: UnitDirectory) -> None:
    extended, added = directory.with_new_units(["Thanh tra Sở", "Thanh tra Sở", "Văn phòng Sở"])
    assert [(u.code, u.name) for u in added] == [("thanh-tra-so", "Thanh tra Sở")]
    assert extended.find("Thanh tra Sở").code == "thanh-tra-so"
    with pytest.raises(UnknownUnit):
        directory.find("Thanh tra Sở")


MINIMAL = {
    "agency": {"code": "so-x", "name": "Sở X"},
    "units": [
        {"code": "a", "name": "Phòng A", "role": "coordinator"},
        {"code": "b", "name": "Phòng B"},
        {"code": "ld", "name": "Lãnh đạo", "role": "leadership"},
    ],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"units": [{"code": "a", "name": "Phòng A"}]},
            "exactly one unit must have role 'coordinator'",
        ),
        (
            {"units": [*MINIMAL["units"], {"code": "c", "name": "C", "role": "boss"}]},
            r"units\[4\]: role 'boss'",
        ),
        ({"units": [*MINIMAL["units"], {"code": "C D", "name": "C"}]}, "lowercase ASCII"),
        ({"units": [*MINIMAL["units"], {"code": "c", "name": "phong a"}]}, "already a name of 'a'"),
        ({"units": [*MINIMAL["units"], {"code": "c", "nmae": "C"}]}, r"unknown field\(s\) nmae"),
        (
            {"groups": [{"code": "g", "name": "G", "members": ["a", "zz"]}]},
            "member 'zz' is neither",
        ),
        (
            {
                "groups": [
                    {"code": "g", "name": "G", "members": ["h"]},
                    {"code": "h", "name": "H", "members": ["g"]},
                ]
            },
            "groups contain each other: g -> h -> g",
        ),
        ({"groups": [{"code": "g", "name": "G"}]}, "a group needs members"),
    ],
)
def test_directory_errors_name_the_entry(change: dict[str, object], message: str) -> None:
    with pytest.raises(UnitDirectoryError, match=message):
        parse_unit_directory({**MINIMAL, **change}, source=Path("units.yaml"))


def test_yaml_words_stay_words(tmp_path: Path) -> None:
    # YAML 1.1 reads `no` as false: a unit coded "no" must stay "no".
    path = tmp_path / "units.yaml"
    path.write_text(
        "agency: {code: so-x, name: Sở X}\n"
        "units:\n"
        "  - {code: no, name: Phòng Nội vụ, role: coordinator}\n"
        "  - {code: ld, name: Lãnh đạo, role: leadership}\n",
        encoding="utf-8",
    )
    assert load_unit_directory(path).coordinator == "no"
    path.write_text("units: [", encoding="utf-8")
    with pytest.raises(UnitDirectoryError, match="not valid YAML"):
        load_unit_directory(path)
    with pytest.raises(UnitDirectoryError, match="cannot read"):
        load_unit_directory(tmp_path / "missing.yaml")
