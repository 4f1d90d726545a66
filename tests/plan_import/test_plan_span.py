"""A plan's span where its document names no end year, the coordinator's --until, and a plan
issued late in its year whose deadlines fall in the first months of the next (plans written for
the test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from plan_import import ImportedPlan, PlanImportError, read_plan
from tests.plan_import.seed_table import HEADER


def rows(last: str) -> list[list[str]]:
    return [
        ["I", "CÔNG TÁC CHỈ ĐẠO", "", "", "", ""],
        ["1", "Theo dõi việc thực hiện quy chế", "Văn phòng Sở", "", "Thường xuyên", ""],
        ["2", "Tổng kết công tác", "Văn phòng Sở", "", last, ""],
    ]


def plan(
    tmp_path: Path, date_line: str, title: str, last: str = "Tháng 12/2025", **options: int
) -> ImportedPlan:
    lines = [
        "UBND TỈNH BÌNH ĐỊNH",
        "SỞ NỘI VỤ",
        "Số: 88/KH-SNV",
        date_line,
        "KẾ HOẠCH",
        title,
        "\t".join(HEADER),
        *("\t".join(row) for row in rows(last)),
    ]
    path = tmp_path / "plan.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return read_plan(path, **options)  # type: ignore[arg-type]


def infos(imported: ImportedPlan) -> list[str]:
    return [e.message for e in imported.report if e.level == "info" and e.where == "title"]


def test_no_end_year_runs_twelve_months_from_the_issue_date(tmp_path: Path) -> None:
    imported = plan(tmp_path, "Bình Định, ngày 20 tháng 11 năm 2025", "Theo dõi thi hành pháp luật")
    assert (imported.year, imported.last_year) == (2025, 2026)
    said = [m for m in infos(imported) if "names no end year" in m]
    assert said == [
        "the document names no end year: its ongoing and yearly work runs to 31/12/2026, at "
        "least twelve months from its date of issue (20/11/2025); --until YEAR sets another end"
    ]
    assert [e for e in imported.report if e.level != "info" and "2026" in e.message] == []


def test_until_sets_another_end(tmp_path: Path) -> None:
    imported = plan(
        tmp_path, "Bình Định, ngày 20 tháng 11 năm 2025", "Theo dõi thi hành pháp luật", until=2027
    )
    assert (imported.year, imported.last_year) == (2025, 2027)
    assert not [m for m in infos(imported) if "names no end year" in m]
    with pytest.raises(PlanImportError, match="before the plan's first year 2025"):
        plan(tmp_path, "Bình Định, ngày 20 tháng 11 năm 2025", "Theo dõi", until=2024)


def test_a_plan_of_its_year_issued_late_takes_the_next_years_first_months(
    tmp_path: Path,
) -> None:
    imported = plan(
        tmp_path,
        "Bình Định, ngày 20 tháng 11 năm 2025",
        "Theo dõi thi hành pháp luật năm 2025",
        "Tháng 01/2026",
    )
    assert (imported.year, imported.last_year) == (2025, None)
    assert [e for e in imported.report if e.level == "warning"] == []
    # Issued in March, the same deadline is a year the plan is not of: looked at.
    early = plan(
        tmp_path,
        "Bình Định, ngày 20 tháng 3 năm 2025",
        "Theo dõi thi hành pháp luật năm 2025",
        "Tháng 01/2026",
    )
    assert [e.message for e in early.report if e.level == "warning"] == [
        "the deadline “Tháng 01/2026” names 2026, not the plan's year 2025"
    ]
