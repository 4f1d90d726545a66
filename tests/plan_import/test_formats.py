# ruff: noqa: E501
"""The same appendix from every file a plan arrives in gives the same tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from plan_import import ImportedPlan, read_plan
from tests.plan_import.documents import (
    TITLE_LINES,
    pages_cut_like_the_seed,
    write_as,
    write_csv,
    write_docx,
    write_xlsx,
)
from tests.plan_import.seed_table import EXPECTED_TASKS, HEADER, table_rows


def _table(plan: ImportedPlan) -> list[tuple[object, ...]]:
    return [
        (t.code, t.title, t.lead_units, t.coordinating_units, t.unresolved_units, t.deadline_text)
        for t in plan.tasks
    ]


def _tab_text_utf16(path: Path) -> Path:
    # Excel's "Unicode text": tab-separated UTF-16 with a byte order mark.
    lines = [*TITLE_LINES, "\t".join(HEADER), *("\t".join(r) for r in table_rows())]
    path.write_bytes("\r\n".join(lines).encode("utf-16"))
    return path


def _markdown(path: Path) -> Path:
    lines = [*TITLE_LINES, "", "| " + " | ".join(HEADER) + " |", "|---" * 6 + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in table_rows()]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


MAKERS: dict[str, Callable[[Path], Path]] = {
    "plan.csv": lambda p: write_csv(p, preamble=TITLE_LINES),
    "plan-semicolons.csv": lambda p: write_csv(p, preamble=TITLE_LINES, delimiter=";", encoding="utf-8-sig"),
    "plan.xlsx": write_xlsx,
    "plan.docx": write_docx,
    "plan-pages.docx": lambda p: write_docx(p, pages=pages_cut_like_the_seed()),
    "plan-unicode.txt": _tab_text_utf16,
    "plan.md": _markdown,
}  # fmt: skip


@pytest.mark.parametrize("name", list(MAKERS))
def test_every_format_gives_the_tasks_of_the_seed(tmp_path: Path, name: str) -> None:
    plan = read_plan(MAKERS[name](tmp_path / name))
    assert plan.errors == []
    assert _table(plan) == EXPECTED_TASKS
    assert plan.key == "snv-binh-dinh-cchc-2023-123"
    assert plan.number == "123/KH-SNV"
    assert plan.issue_date == date(2022, 12, 28)
    assert plan.title == "Cải cách hành chính Sở Nội vụ năm 2023"


def test_a_bare_csv_needs_the_year(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bang.csv")
    plan = read_plan(path, year=2023)
    assert _table(plan) == EXPECTED_TASKS
    assert any("no title" in w.message for w in plan.warnings)
    with pytest.raises(ValueError, match=r"bang.csv, title: no plan year.*--year"):
        read_plan(path)


def test_word_rows_cut_across_page_tables_are_joined(tmp_path: Path) -> None:
    plan = read_plan(write_docx(tmp_path / "plan.docx", pages=pages_cut_like_the_seed()))
    task = plan.task("I.7")
    assert task.title == "Thực hiện chế độ báo cáo định kỳ (quý, 6 tháng, năm)"
    assert task.lead_units == ["cchc-vtlt"]
    assert [i.where for i in plan.report if "page break" in i.message] == ["table 3, row 2"]


def test_word_places_in_the_report(tmp_path: Path) -> None:
    plan = read_plan(write_docx(tmp_path / "plan.docx"))
    unresolved = [w.where for w in plan.warnings if "names no unit" in w.message]
    # Row 1 is the header; headings take a row each; the header is repeated before row 20.
    assert unresolved[0] == "table 2, row 24 (V.1), column “Cơ quan phối hợp”"


def test_excel_dates_are_pointed_out(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "plan.xlsx")
    workbook = load_workbook(path)
    sheet = workbook.active
    assert sheet is not None
    row = next(r for r in sheet.iter_rows() if r[1].value == "Xây dựng kế hoạch biên chế năm 2023")
    # Typing "Tháng 01/2023" as 1/2023 makes Excel store a date.
    row[4].value = datetime(2023, 1, 31)
    workbook.save(path)
    plan = read_plan(path)
    assert plan.task("IV.1").deadline_text == "31/01/2023"
    [warning] = [w for w in plan.warnings if "Excel stored a date" in w.message]
    assert warning.where == f"sheet “Phụ lục”, row {row[0].row}"


CORPUS_AND_SEED = [
    Path(__file__).resolve().parents[2] / "data" / "plans" / "snv-binh-dinh-cchc-2023.txt",
    *sorted((Path(__file__).parent / "corpus").glob("*.txt")),
    *sorted((Path(__file__).parent / "synthetic").glob("*.txt")),
]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".docx"])
@pytest.mark.parametrize("source", CORPUS_AND_SEED, ids=[p.stem for p in CORPUS_AND_SEED])
def test_the_same_document_in_any_format_is_the_same_plan(
    tmp_path: Path, source: Path, suffix: str
) -> None:
    as_text = read_plan(source)
    other = read_plan(write_as(source, tmp_path / f"{source.stem}{suffix}"))
    assert other.key == as_text.key
    assert (other.year, other.last_year, other.agency_code) == (
        as_text.year,
        as_text.last_year,
        as_text.agency_code,
    )
    assert _table(other) == _table(as_text)
    assert [e.message for e in other.errors] == [e.message for e in as_text.errors]
