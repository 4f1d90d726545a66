"""An appendix whose letterhead is missing: the "Kèm theo Công văn số … ngày … của …" line names
the document's number and date (lines written for the test)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from plan_import import read_plan
from tests.plan_import.seed_table import HEADER

ROWS = [
    ["I", "CÔNG TÁC CHỈ ĐẠO", "", "", "", ""],
    ["1", "Rà soát quy chế làm việc", "Văn phòng Sở", "", "Tháng 12/2025", ""],
]


@pytest.mark.parametrize(
    ("line", "number", "issued"),
    [
        (
            "(Kèm theo Công văn số 2345/UBND-NC ngày 18/11/2025 của UBND tỉnh Bình Định)",
            "2345/UBND-NC",
            date(2025, 11, 18),
        ),
        (
            "Kèm theo Kế hoạch số 77/KH-SNV ngày 05 tháng 3 năm 2025 của Sở Nội vụ tỉnh Bình Định",
            "77/KH-SNV",
            date(2025, 3, 5),
        ),
    ],
)
def test_number_and_date_from_the_attached_line(
    tmp_path: Path, line: str, number: str, issued: date
) -> None:
    lines = [
        "PHỤ LỤC",
        line,
        "DANH MỤC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2025",
        "\t".join(HEADER),
        *("\t".join(row) for row in ROWS),
    ]
    path = tmp_path / "phu-luc.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = read_plan(path)
    assert (plan.number, plan.issue_date) == (number, issued)
    assert plan.key.endswith(f"-{number.split('/')[0]}")
    assert not [e for e in plan.report if "no plan number" in e.message]
    assert not [e for e in plan.report if "no date of issue" in e.message]
    assert any("read from the line “Kèm theo" in e.message for e in plan.report)
