"""Rows as a document lays them out: sub-section headings inside a section, and rows without a
number that are either the rest of the row above or a task of their own (rows written for the
test)."""

from __future__ import annotations

from pathlib import Path

from tests.plan_import.test_bad_input import entries, read_rows

SECTION = ["I", "CÔNG TÁC CHỈ ĐẠO", "", "", "", ""]


def row(stt: str, title: str, lead: str = "", deadline: str = "") -> list[str]:
    return [stt, title, lead, "", deadline, ""]


def test_subsection_headings_numbered_on_are_headings_of_their_own(tmp_path: Path) -> None:
    plan = read_rows(
        tmp_path,
        [
            SECTION,
            row("I.1", "Về thể chế"),
            row("1", "Rà soát quy chế làm việc", "Văn phòng Sở", "Quý I"),
            row("2", "Sửa đổi quy chế chi tiêu", "Văn phòng Sở", "Quý II"),
            row("I.2", "Về tổ chức bộ máy"),
            row("3", "Sắp xếp các phòng", "Phòng CCHC-VTLT", "Tháng 6"),
        ],
    )
    assert entries(plan, "error") == []
    assert [task.code for task in plan.tasks] == ["I.1", "I.2", "I.3"]
    assert ("line 9", "sub-section heading I.1 “Về thể chế”: the rows below it are its tasks") in (
        entries(plan, "info")
    )
    assert not [w for w in entries(plan, "warning") if "sequence" in w[1]]


def test_subsection_headings_numbered_anew_prefix_their_tasks(tmp_path: Path) -> None:
    plan = read_rows(
        tmp_path,
        [
            SECTION,
            row("I.1", "Về thể chế"),
            row("1", "Rà soát quy chế làm việc", "Văn phòng Sở", "Quý I"),
            row("2", "Sửa đổi quy chế chi tiêu", "Văn phòng Sở", "Quý II"),
            row("1.2", "Về tổ chức bộ máy"),
            row("1", "Sắp xếp các phòng", "Phòng CCHC-VTLT", "Tháng 6"),
            row("I.2.1", "Về biên chế"),
            row("1", "Giao biên chế", "Phòng CCHC-VTLT", "Tháng 9"),
        ],
    )
    assert entries(plan, "error") == []
    assert [task.code for task in plan.tasks] == ["I.1.1", "I.1.2", "I.1.2.1", "I.2.1.1"]
    assert not [w for w in entries(plan, "warning") if "sequence" in w[1]]


def test_a_subsection_number_with_a_deadline_is_a_task(tmp_path: Path) -> None:
    plan = read_rows(
        tmp_path,
        [SECTION, row("I.1", "Rà soát quy chế làm việc", "Văn phòng Sở", "Quý I")],
    )
    assert entries(plan, "error") == []
    assert [(t.code, t.deadline_text) for t in plan.tasks] == [("I.1", "Quý I")]


def test_a_row_with_its_own_lead_or_deadline_is_a_subtask(tmp_path: Path) -> None:
    plan = read_rows(
        tmp_path,
        [
            SECTION,
            row("1", "Kiểm tra công tác cải cách hành chính", "Văn phòng Sở", "Quý III"),
            row("", "Kiểm tra tại các phòng chuyên môn", "Phòng CCHC-VTLT", ""),
            row("", "Báo cáo kết quả kiểm tra", "", "Tháng 12"),
        ],
    )
    assert entries(plan, "error") == []
    parent, first, second = plan.tasks
    assert (parent.code, parent.lead_units, parent.title) == (
        "I.1",
        ["van-phong"],
        "Kiểm tra công tác cải cách hành chính",
    )
    assert [(t.code, t.lead_units, t.deadline_text) for t in (first, second)] == [
        ("I.1.1", ["cchc-vtlt"], "Quý III"),
        ("I.1.2", ["van-phong"], "Tháng 12"),
    ]
    assert (
        "line 10",
        "a row without STT with a lead of its own: read as I.1.1, a sub-task of I.1, not as the "
        "rest of it",
    ) in entries(plan, "info")


def test_a_row_that_continues_the_row_above_is_joined(tmp_path: Path) -> None:
    plan = read_rows(
        tmp_path,
        [
            SECTION,
            row("1", "Kiểm tra công tác cải cách", "Văn phòng Sở", ""),
            # The sentence goes on (lower case), its deadline cut onto this row.
            row("", "hành chính tại các phòng", "", "Quý III"),
            row("2", "Tổng kết công tác", "Văn phòng Sở", "Tháng 12"),
            # No lead and no deadline of its own: the rest of the title above.
            row("", "Khen thưởng tập thể, cá nhân", "", ""),
        ],
    )
    assert entries(plan, "error") == []
    assert [(t.code, t.title, t.deadline_text) for t in plan.tasks] == [
        ("I.1", "Kiểm tra công tác cải cách hành chính tại các phòng", "Quý III"),
        ("I.2", "Tổng kết công tác Khen thưởng tập thể, cá nhân", "Tháng 12"),
    ]
