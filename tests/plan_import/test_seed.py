"""The bundled plan, the seed, read as issued: every task, the rows cut by page breaks, the
document's own claims, and the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from plan_import import ImportedPlan, read_plan
from tests.plan_import.seed_table import EXPECTED_TASKS, SEED


@pytest.fixture(scope="module")
def seed() -> ImportedPlan:
    return read_plan(SEED)


def test_the_bundled_plan_is_the_seed_text() -> None:
    shared = Path("/work/shared/seed/000_d3f564d163c8d1e7.txt")
    if not shared.exists():
        pytest.skip("the shared seed folder is not on this machine")
    assert SEED.read_bytes() == shared.read_bytes()


def test_every_task_of_the_seed(seed: ImportedPlan) -> None:
    table = [
        (
            task.code,
            task.title,
            task.lead_units,
            task.coordinating_units,
            task.unresolved_units,
            task.deadline_text,
        )
        for task in seed.tasks
    ]
    assert table == EXPECTED_TASKS


def test_sections_rows_and_notes(seed: ImportedPlan) -> None:
    sections = {task.section: task.section_title for task in seed.tasks}
    assert sections == {
        "I": "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH",
        "II": "CẢI CÁCH THỂ CHẾ",
        "III": "CẢI CÁCH THỦ TỤC HÀNH CHÍNH",
        "IV": "CẢI CÁCH TỔ CHỨC BỘ MÁY",
        "V": "CẢI CÁCH CHẾ ĐỘ CÔNG VỤ",
        "VI": "CẢI CÁCH TÀI CHÍNH CÔNG",
        "VII": "XÂY DỰNG VÀ PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ, CHÍNH QUYỀN SỐ",
    }
    assert all(task.code == f"{task.section}.{task.row}" for task in seed.tasks)
    assert all(task.note == "" for task in seed.tasks)
    # The line where each cut task starts, before the page break.
    lines = SEED.read_text(encoding="utf-8").splitlines()
    for code, start in (
        ("I.7", "7\tThực hiện chế độ báo cáo định"),
        ("III.1", "1\tRà soát, đăng ký"),
    ):
        assert lines[seed.task(code).source_line - 1].startswith(start)


def test_the_plan_header(seed: ImportedPlan) -> None:
    assert seed.key == "snv-binh-dinh-cchc-2023"
    assert seed.agency_code == "snv-binh-dinh"
    assert seed.agency_name == "Sở Nội vụ tỉnh Bình Định"
    assert seed.year == 2023
    assert seed.title == "Cải cách hành chính Sở Nội vụ năm 2023"
    # Blank in this draft: "Số: /KH-SNV", "ngày tháng 12 năm 2022".
    assert seed.number == "/KH-SNV"
    assert seed.issue_date is None
    assert seed.stated_task_count == 33
    assert seed.source_name == "snv-binh-dinh-cchc-2023.txt"
    assert len(seed.source_hash) == 64


def test_the_report_on_the_seed(seed: ImportedPlan) -> None:
    assert seed.errors == []
    warnings = [(w.where, w.message) for w in seed.warnings]
    assert (
        "line 3",
        "the plan's number is blank (“Số: /KH-SNV”): fill it in when the plan is issued",
    ) in warnings
    assert (
        "line 3",
        "the date of issue has no day (“ngày tháng 12 năm 2022”): the plan has no issue date yet",
    ) in warnings
    # The document claims 33 tasks; its table has 32 rows.
    assert (
        "line 179",
        "the document says 33 tasks (“Tổng cộng: 33 nhiệm vụ”) but its table has 32 task rows",
    ) in warnings
    # Every "units concerned" phrase is listed where it stands, for the coordinator to fill.
    unresolved = [w.where for w in seed.warnings if "names no unit" in w.message]
    assert unresolved == [
        f"line {line} ({code}), column “Cơ quan phối hợp”"
        for line, code in (
            (151, "V.1"), (152, "V.2"), (158, "V.3"), (163, "VI.2"), (167, "VI.3"),
            (171, "VII.3"), (172, "VII.4"), (173, "VII.5"), (174, "VII.6"), (178, "VII.8"),
        )
    ]  # fmt: skip
    assert len(seed.warnings) == 3 + len(unresolved)
    cut = [(i.where, i.message) for i in seed.report if "page break" in i.message]
    assert cut == [
        ("line 134", "I.7 continues across a page break: joined to its start at line 131"),
        ("line 144", "III.1 continues across a page break: joined to its start at line 141"),
        ("line 157", "V.2 continues across a page break: joined to its start at line 152"),
        ("line 166", "VI.2 continues across a page break: joined to its start at line 163"),
    ]


def test_year_overrides_the_title(seed: ImportedPlan) -> None:
    reused = read_plan(SEED, year=2024)
    assert reused.year == 2024
    assert reused.key == "snv-binh-dinh-cchc-2024"
    assert [t.code for t in reused.tasks] == [t.code for t in seed.tasks]
    # The deadlines say 2023 as the document does; those years move with the plan, so they are
    # no inconsistency, and the report says how they move.
    assert reused.written_year == 2023
    assert not [w for w in reused.warnings if "not the plan's year" in w.message]
    assert any(
        "the document is the plan of 2023: the years its deadlines name move by +1" in i.message
        for i in reused.report
    )
