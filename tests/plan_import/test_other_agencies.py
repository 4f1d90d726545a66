"""Plans of other agencies through the verbs: a new agency's plan imports with no flag, its units
recorded as new; `import` reads every deadline (unreadable: an error, nothing stored; naming no
plan: a warning); `preview` takes the flags `import` takes; `--year` never moves a plan of several
years; an agency with its own directory is read with it; `start` refuses what cannot run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from sqlmodel import select

from commands import plan, preview
from control.starting import PlanNotStartable, load_plan_for_start
from models.tables import Agency, Unit
from plan_import import ImportedPlan, read_plan
from plan_import.agency import agency_directories
from plan_import.corrections import parse_corrections
from plan_import.units import (
    BUNDLED_UNITS_FILE,
    UnitDirectoryError,
    load_unit_directory,
    parse_unit_directory,
)
from settings import get_settings
from storage.db import session_scope
from tests.plan_import.cli import as_json, run
from tests.support.language import foreign_in_text

HERE = Path(__file__).parent
CP03 = HERE / "corpus" / "CP-03-2025.txt"
QUANG_NGAI = HERE / "synthetic" / "SVHTTDL-QNG-2025-2030.txt"
GIA_LAI = HERE / "synthetic" / "UBND-GLA-den-2030.txt"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    plan.register(app)
    preview.register(app)
    return app


def test_a_new_agencys_plan_imports_with_no_flag(app: typer.Typer, database: str) -> None:
    result = run(app, "import", QUANG_NGAI, "--json")
    assert result.exit_code == 0, result.output
    document = as_json(result)
    assert document["stored"] is True
    assert document["plan"]["key"] == "svhttdl-quang-ngai-cdvhttdl-2025-2030-45"
    assert document["plan"]["agency_code"] == "svhttdl-quang-ngai"
    new = {unit["code"]: unit for unit in document["plan"]["new_units"]}
    assert new["svhttdl-quang-ngai-skhcn"]["name"] == "Sở Khoa học và Công nghệ"
    assert new["svhttdl-quang-ngai-ubnd-cap-huyen"]["kind"] == "group"
    listed = [e["message"] for e in document["report"] if e["message"].startswith("new ")]
    assert len(listed) == len(new)
    with session_scope(database) as session:
        [agency] = session.exec(select(Agency)).all()
        assert agency.code == "svhttdl-quang-ngai"
        codes = {unit.code for unit in session.exec(select(Unit))}
    # Every unit and group a task names is stored, under the agency's own prefix.
    assert codes == set(new)
    assert run(app, "import", QUANG_NGAI, "--json").exit_code == 0  # again: nothing changes


def test_import_lists_unreadable_and_vague_deadlines(app: typer.Typer, database: str) -> None:
    unreadable = run(app, "import", GIA_LAI, "--json")
    assert unreadable.exit_code == 1
    document = as_json(unreadable)
    [error] = [e for e in document["report"] if e["level"] == "error"]
    assert error["where"] == "line 19 (I.4), column “Thời hạn hoàn thành”"
    assert error["message"].startswith(
        "the deadline “Tùy tình hình thực tế” of I.4 cannot be read: “Tùy tình hình”"
    )
    assert document["stored"] is False
    vague = as_json(run(app, "import", QUANG_NGAI, "--json", "--dry-run"))
    [warning] = [e for e in vague["report"] if "names no document" in e["message"]]
    assert warning["level"] == "warning"
    assert warning["where"] == "line 35 (II.15), column “Thời gian thực hiện”"


def test_preview_takes_the_flags_of_import(app: typer.Typer, database: str) -> None:
    result = run(app, "preview", QUANG_NGAI, "--json", "--dry-run", "--accept-new-units")
    assert result.exit_code == 0, result.output
    document = as_json(result)
    assert document["plan"] == {
        "key": "svhttdl-quang-ngai-cdvhttdl-2025-2030-45",
        "year": 2025,
        "last_year": 2030,
    }
    assert document["refused"] == []
    # No coordinator is configured for the new agency: nobody is escalated to, nothing guessed.
    escalated = {
        tuple(step["to"])
        for t in document["tasks"]
        for m in t["milestones"]
        for step in m["schedule"]
        if step["audience"] in ("coordinator", "leadership")
    }
    assert escalated <= {()}
    refused = run(app, "preview", GIA_LAI, "--json")
    assert refused.exit_code == 1
    assert [r["code"] for r in as_json(refused)["refused"]] == ["I.4"]


def test_the_preview_a_person_reads_is_in_vietnamese(app: typer.Typer, database: str) -> None:
    result = run(app, "preview", QUANG_NGAI, "--dry-run", "--accept-new-units")
    assert result.exit_code == 0, result.output
    # Units and events are named by their codes there (the codes `event` and `--by` take), and
    # the command that records an event by its name.
    english = [
        f
        for f in foreign_in_text(result.stdout)
        if f.what == "english" and "scheduler.py" not in f.line
    ]
    assert english == []
    assert "Nhắc hạn" in result.stdout and "Thời điểm" in result.stdout


def test_year_never_moves_a_plan_of_several_years(app: typer.Typer, database: str) -> None:
    result = run(app, "import", QUANG_NGAI, "--json", "--year", "2026")
    assert result.exit_code == 1
    [error] = [e for e in as_json(result)["report"] if e["level"] == "error"]
    assert error["message"].startswith("the plan runs over 2025–2030: its deadlines name")
    assert as_json(result)["stored"] is False


def test_the_corpus_plan_imports_once_its_empty_deadline_is_filled(tmp_path: Path) -> None:
    text = CP03.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("42.\t"))
    filled = tmp_path / CP03.name
    filled.write_text(text.replace(row, row + "2025"), encoding="utf-8")
    imported = read_plan(filled)
    assert imported.errors == []
    assert len(imported.tasks) == 140


def test_an_agency_with_its_own_directory_is_read_with_it(tmp_path: Path) -> None:
    agencies = tmp_path / "agencies"
    agencies.mkdir()
    (agencies / "ubnd-tinh-gia-lai.yaml").write_text(
        """
agency: {code: ubnd-gla, name: UBND tỉnh Gia Lai, aliases: [Ủy ban nhân dân tỉnh Gia Lai]}
units:
  - {code: gla-svhttdl, name: "Sở Văn hóa, Thể thao và Du lịch", role: coordinator}
  - {code: gla-lanh-dao, name: Lãnh đạo UBND tỉnh, role: leadership}
  - {code: gla-snv, name: Sở Nội vụ}
groups:
  - {code: gla-so-nganh, name: "Các sở, ban, ngành", members: [gla-svhttdl, gla-snv]}
""",
        encoding="utf-8",
    )
    imported = read_plan(GIA_LAI, agencies_dir=agencies)
    assert imported.agency_code == "ubnd-gla"
    assert imported.key.startswith("ubnd-gla-")
    assert imported.task("I.1").lead_units == ["gla-svhttdl"]
    # The configured group expands to its members (the lead stays the lead); the communes'
    # committees, which it does not know, are recorded as a new group under the agency's code
    # (a unit code is one unit in the deployment: the bundled agency's plans have their "stp").
    assert imported.task("I.1").coordinating_units == [
        "ubnd-gla-ubnd-xa-phuong-dac-khu",
        "gla-snv",
    ]
    assert imported.directory is not None and imported.directory.coordinator == "gla-svhttdl"
    new = {unit.code for unit in imported.new_units}
    assert "gla-svhttdl" not in new and "ubnd-gla-stp" in new


def test_a_configured_agency_reads_the_usual_bodies_as_a_generated_one_does(
    tmp_path: Path,
) -> None:
    """An agency file naming only who coordinates and who leads: the plan's ministries are the
    usual bodies still, a name with commas in it whole ("Bộ Văn hóa, Thể thao và Du lịch")."""
    agencies = tmp_path / "agencies"
    agencies.mkdir()
    (agencies / "chinh-phu.yaml").write_text(
        """
agency: {code: chinh-phu, name: Chính phủ}
units:
  - {code: cp-vpcp, name: Văn phòng Chính phủ, role: coordinator}
  - {code: cp-ttg, name: Thủ tướng Chính phủ, role: leadership}
""",
        encoding="utf-8",
    )
    corrections = parse_corrections(
        [
            "II.42:deadline=Quý IV/2025",
            "I.3:coordinating=Bộ Thông tin và Truyền thông, Bộ Khoa học và Công nghệ",
            "V.108:coordinating=Bộ Khoa học và Công nghệ, Bộ Tài chính",
        ],
        by="test",
        at=datetime(2025, 1, 2, tzinfo=UTC),
    )
    configured = read_plan(CP03, agencies_dir=agencies, corrections=corrections)
    generated = read_plan(CP03, corrections=corrections)
    assert configured.errors == [] and len(configured.tasks) == 140
    assert configured.task("V.98").lead_units == ["chinh-phu-bo-vhttdl"]
    # The same reading, but where the agency file names the unit itself.
    own = {"cp-vpcp": "chinh-phu-vpcp"}

    def units(plan: ImportedPlan) -> list[tuple[str, list[str], list[str]]]:
        return [
            (
                t.code,
                [own.get(u, u) for u in t.lead_units],
                [own.get(u, u) for u in t.coordinating_units],
            )
            for t in plan.tasks
        ]

    assert units(configured) == units(generated)


def test_start_refuses_what_cannot_run(tmp_path: Path) -> None:
    home = load_unit_directory(BUNDLED_UNITS_FILE)
    text = QUANG_NGAI.read_text(encoding="utf-8")
    with pytest.raises(PlanNotStartable, match="no coordinator and leadership configured"):
        load_plan_for_start(QUANG_NGAI, year=None, directory=home)
    broken = tmp_path / "broken.txt"
    broken.write_text(text.replace("\tTheo kế hoạch\t", "\tTùy tình hình\t"), encoding="utf-8")
    with pytest.raises(PlanNotStartable, match=r"II\.15\), .*cannot be read"):
        load_plan_for_start(broken, year=None, directory=home)


def test_start_takes_a_plan_of_several_years() -> None:
    # The agency configured (coordinator and leadership), the plan runs over 2025–2030: its
    # tasks run over all of its years (tests/engine/test_plan_of_several_years.py).
    directory = parse_unit_directory(
        {
            "agency": {
                "code": "svhttdl-quang-ngai",
                "name": "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi",
            },
            "units": [
                {"code": "qng-vp", "name": "Văn phòng Sở", "role": "coordinator"},
                {"code": "qng-ld", "name": "Lãnh đạo Sở", "role": "leadership"},
            ],
        }
    )
    imported = load_plan_for_start(QUANG_NGAI, year=None, directory=directory)
    assert (imported.year, imported.last_year) == (2025, 2030)


def test_a_body_merged_away_before_the_plan_is_pointed_out(tmp_path: Path) -> None:
    path = tmp_path / "gia-lai.txt"
    path.write_text(
        GIA_LAI.read_text(encoding="utf-8").replace(
            "Sở Nội vụ, Sở Tư pháp", "Sở Kế hoạch và Đầu tư, Sở Tư pháp"
        ),
        encoding="utf-8",
    )
    imported = read_plan(path)
    assert imported.task("I.2").coordinating_units[0] == "ubnd-tinh-gia-lai-skhdt"
    assert (
        "line 17 (I.2), column “Đơn vị phối hợp”",
        "“Sở Kế hoạch và Đầu tư” ended on 2025-02-28, merged into Sở Tài chính; the plan, "
        "dated 10/03/2025, names it still",
    ) in [(e.where, e.message) for e in imported.report if e.level == "info"]


GIA_LAI_DIRECTORY = """
agency: {code: ubnd-gla, name: UBND tỉnh Gia Lai, aliases: [Ủy ban nhân dân tỉnh Gia Lai]}
units:
  - {code: %s, name: "Sở Văn hóa, Thể thao và Du lịch", role: coordinator}
  - {code: gla-lanh-dao, name: Lãnh đạo UBND tỉnh, role: leadership}
"""


def test_two_agencies_giving_one_code_to_their_units_are_refused(tmp_path: Path) -> None:
    # A unit code names one unit in the whole deployment (contacts, links, the log and the
    # running tasks name units by code alone): the bundled agency's "van-phong" is taken.
    agencies = tmp_path / "agencies"
    agencies.mkdir()
    (agencies / "ubnd-gla.yaml").write_text(GIA_LAI_DIRECTORY % "van-phong", encoding="utf-8")
    expected = (
        r"ubnd-gla\.yaml: unit code 'van-phong' is already Sở Nội vụ tỉnh Bình Định's "
        r"\(snv-binh-dinh, .*units\.yaml\); a unit code names one unit in the whole "
        r"deployment: give UBND tỉnh Gia Lai's its own, e.g. 'ubnd-gla-van-phong'"
    )
    with pytest.raises(UnitDirectoryError, match=expected):
        agency_directories(BUNDLED_UNITS_FILE, agencies)
    with pytest.raises(UnitDirectoryError, match=expected):
        read_plan(GIA_LAI, agencies_dir=agencies)


def test_a_code_another_agency_has_in_the_database_is_refused_clearly(
    app: typer.Typer, database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bundled agency's plan recorded the usual "Sở Tư pháp" as "stp"; a directory written
    # by hand that takes the code for its own unit cannot store its plan.
    seed_with_stp = tmp_path / "seed.csv"
    seed_with_stp.write_text(
        "STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú\n"
        "I. CHỈ ĐẠO,,,,,\n1,Phối hợp,Văn phòng Sở,Sở Tư pháp,Tháng 3/2024,\n",
        encoding="utf-8",
    )
    stored = run(app, "import", seed_with_stp, "--year", "2024", "--accept-new-units", "--json")
    assert stored.exit_code == 0, stored.output
    assert "stp" in {u["code"] for u in as_json(stored)["plan"]["new_units"]}
    agencies = tmp_path / "agencies"
    agencies.mkdir()
    (agencies / "ubnd-gla.yaml").write_text(GIA_LAI_DIRECTORY % "stp", encoding="utf-8")
    monkeypatch.setenv("NHACHAN_AGENCIES_DIR", str(agencies))
    get_settings.cache_clear()
    result = run(app, "import", gia_lai_filled(tmp_path), "--json")
    document = as_json(result)
    assert result.exit_code == 1 and document["stored"] is False, result.output
    assert (
        "unit code 'stp' is already 'Sở Tư pháp' of agency snv-binh-dinh in the database; "
        "a unit code names one unit in the whole deployment"
    ) in result.output


def gia_lai_filled(folder: Path) -> Path:
    """The Gia Lai plan with its one unreadable deadline made readable."""
    path = folder / "gia-lai.txt"
    path.write_text(
        GIA_LAI.read_text(encoding="utf-8").replace("Tùy tình hình thực tế", "Quý IV/2025"),
        encoding="utf-8",
    )
    return path
