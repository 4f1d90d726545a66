# ruff: noqa: E501
"""Bad input: each gets a message naming the place and the problem."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from plan_import import ImportedPlan, PlanImportError, read_plan
from tests.plan_import.documents import TITLE_LINES, write_csv
from tests.plan_import.seed_table import HEADER

TASK_I1 = ["1", "Ban hành Kế hoạch kiểm tra", "Phòng CCHC-VTLT", "Văn phòng Sở", "Tháng 2/2023", ""]
TASK_I2 = ["2", "Xây dựng Quy chế Thi đua", "Văn phòng Sở", "", "Quý II", ""]


def plan_text(tmp_path: Path, rows: list[list[str]], *, name: str = "plan.txt") -> Path:
    """A small plan in the text form: title lines, the header on line 7, rows from line 8."""
    lines = [*TITLE_LINES, "\t".join(HEADER), *("\t".join(row) for row in rows)]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_rows(
    tmp_path: Path, rows: list[list[str]], *, accept_new_units: bool = False
) -> ImportedPlan:
    return read_plan(plan_text(tmp_path, rows), accept_new_units=accept_new_units)


def entries(plan: ImportedPlan, level: str) -> list[tuple[str, str]]:
    return [(e.where, e.message) for e in plan.report if e.level == level]


# --- files that cannot be read at all -----------------------------------------------------


@pytest.mark.parametrize("name", ["empty.txt", "empty.csv", "empty.xlsx", "empty.docx"])
def test_an_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b" \n\n")
    with pytest.raises(PlanImportError, match=f"^{name}: the file is empty$"):
        read_plan(path)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PlanImportError, match="no such file"):
        read_plan(tmp_path / "missing.txt")


def test_wrong_encoding_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    # Saved by an old Vietnamese Windows in its own code page: "à" is the byte 0xE0.
    path.write_bytes("STT,Nhiem vu\n1,Ban hành\n".encode("cp1258"))
    with pytest.raises(PlanImportError) as raised:
        read_plan(path)
    assert raised.value.where == "line 2, column 8"
    assert raised.value.problem.startswith("not UTF-8 text (byte 0xe0)")
    assert "not UTF-8 text (byte 0x" in raised.value.problem
    assert "save it again as UTF-8" in str(raised.value)


def test_a_binary_file_with_a_text_extension(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(b"\xd0\xcf\x11\xe0\x00\x00rest of a .doc")
    with pytest.raises(PlanImportError, match=r"plan.txt, byte 4: this is not a text file"):
        read_plan(path)


@pytest.mark.parametrize(
    ("name", "advice"),
    [
        ("plan.doc", "save it as .docx"),
        ("plan.xls", "save it as .xlsx"),
        ("plan.odt", "supported: .txt"),
    ],
)
def test_an_unsupported_format(tmp_path: Path, name: str, advice: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"something")
    with pytest.raises(PlanImportError, match=advice):
        read_plan(path)


@pytest.mark.parametrize(
    ("name", "kind"), [("plan.docx", ".docx document"), ("plan.xlsx", ".xlsx workbook")]
)
def test_a_damaged_office_file(tmp_path: Path, name: str, kind: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(PlanImportError, match=f"{name}: not a readable {kind}"):
        read_plan(path)


def test_a_table_without_the_expected_columns(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(
            "STT,Nội dung nhiệm vụ,Người phụ trách,Thời gian\n1,Ban hành,Anh Nam,Tháng 2/2023\n"
        )
    with pytest.raises(PlanImportError) as raised:
        read_plan(path, year=2023)
    assert raised.value.where == "line 1"
    assert raised.value.problem.startswith(
        "the table's header lacks the column(s) Cơ quan chủ trì "
        "(found: STT | Nội dung nhiệm vụ | Người phụ trách | Thời gian)"
    )


def test_a_text_without_any_table(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(
        "KẾ HOẠCH\nCải cách hành chính năm 2023\n\nNội dung không có phụ lục.\n", encoding="utf-8"
    )
    with pytest.raises(PlanImportError, match="no appendix table: no row names the columns STT"):
        read_plan(path)


def test_a_word_file_without_the_appendix(tmp_path: Path) -> None:
    document = docx.Document()
    letterhead = document.add_table(rows=1, cols=2)
    letterhead.cell(0, 0).text = "Số: 123/KH-SNV"
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Cải cách hành chính Sở Nội vụ năm 2023")
    path = tmp_path / "plan.docx"
    document.save(str(path))
    with pytest.raises(PlanImportError) as raised:
        read_plan(path)
    assert raised.value.where == "1 table(s)"
    assert "no table with the appendix columns" in raised.value.problem


def test_a_workbook_without_the_appendix(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Tổng hợp"
    sheet.append(["Số liệu", "Giá trị"])
    path = tmp_path / "plan.xlsx"
    workbook.save(path)
    with pytest.raises(
        PlanImportError, match=r"plan.xlsx, sheets “Tổng hợp”: no sheet holds the appendix"
    ):
        read_plan(path)


# --- the report: errors stop the import, warnings go with the plan --------------------------


def test_an_unknown_unit_stops_the_import_with_suggestions(tmp_path: Path) -> None:
    plan = read_rows(
        tmp_path,
        [["I. CHỈ ĐẠO", "", "", "", "", ""], [*TASK_I1[:2], "Phòng CCHC", *TASK_I1[3:]], TASK_I2],
    )
    assert entries(plan, "error") == [
        (
            "line 9 (I.1), column “Cơ quan chủ trì”",
            "unknown unit “Phòng CCHC” (closest known: Phòng Cải cách hành chính - Văn thư, lưu trữ "
            "(cchc-vtlt); Phòng Công chức, viên chức (phong-ccvc); Phòng Tổ chức, biên chế và tổ "
            "chức phi chính phủ (phong-tcbc))",
        )
    ]
    assert [t.code for t in plan.tasks] == ["I.2"]


def test_a_new_unit_is_recorded_for_the_coordinator_without_any_flag(tmp_path: Path) -> None:
    rows = [
        ["I. CHỈ ĐẠO", "", "", "", "", ""],
        [
            "1",
            "Thanh tra công vụ",
            "Thanh tra Sở",
            "Văn phòng Sở, Thanh tra Sở",
            "Quý III/2023",
            "",
        ],
        ["2", "Kiểm tra nội bộ", "Thanh tra Sở", "", "Quý IV/2023", ""],
    ]
    plan = read_rows(tmp_path, rows)
    assert plan.errors == []
    assert plan.task("I.1").lead_units == ["thanh-tra-so"]
    assert plan.task("I.1").coordinating_units == ["van-phong"]
    assert plan.task("I.2").lead_units == ["thanh-tra-so"]
    assert [(u.code, u.name, u.where, u.kind) for u in plan.new_units] == [
        ("thanh-tra-so", "Thanh tra Sở", "line 9 (I.1), column “Cơ quan chủ trì”", "unit")
    ]
    # Listed once, where it is first seen.
    assert [e for e in entries(plan, "warning") if "new unit" in e[1]] == [
        (
            "line 9 (I.1), column “Cơ quan chủ trì”",
            "new unit “Thanh tra Sở” recorded as 'thanh-tra-so' for the coordinator to confirm: "
            "add it to the unit directory (units.yaml) to keep it",
        )
    ]


def test_a_name_close_to_a_known_one_needs_the_flag_to_be_a_new_unit(tmp_path: Path) -> None:
    rows = [["I. CHỈ ĐẠO", "", "", "", "", ""], [*TASK_I1[:2], "Phòng CCHC", *TASK_I1[3:]]]
    assert [e[1][:28] for e in entries(read_rows(tmp_path, rows), "error")] == [
        "unknown unit “Phòng CCHC” (c"
    ]
    accepted = read_rows(tmp_path, rows, accept_new_units=True)
    assert accepted.errors == []
    assert accepted.task("I.1").lead_units == ["phong-cchc"]


def test_rows_out_of_sequence_and_sections_out_of_order(tmp_path: Path) -> None:
    plan = read_rows(
        tmp_path,
        [
            ["I. CHỈ ĐẠO", "", "", "", "", ""],
            TASK_I1,
            TASK_I2,
            ["4", "Tổ chức tọa đàm", "Trung tâm lưu trữ lịch sử tỉnh", "", "Tháng 9/2023", ""],
            ["III. THỦ TỤC", "", "", "", "", ""],
            ["2", "Công bố TTHC", "Văn phòng Sở", "", "Tháng 02/2023", ""],
        ],
    )
    assert plan.errors == []
    assert entries(plan, "warning") == [
        ("line 12", "section III is out of sequence: expected section II after I"),
        ("line 11", "rows out of sequence: STT 4 follows STT 2 in section I, expected 3"),
        (
            "line 13",
            "section III starts at STT 2, expected 1 (or 5, numbering on from the section before)",
        ),
    ]
    assert [t.code for t in plan.tasks] == ["I.1", "I.2", "I.4", "III.2"]


def test_numbering_that_runs_on_across_sections_is_usual(tmp_path: Path) -> None:
    plan = read_rows(
        tmp_path,
        [
            ["I. CHỈ ĐẠO", "", "", "", "", ""],
            TASK_I1,
            TASK_I2,
            ["II. THỂ CHẾ", "", "", "", "", ""],
            ["3", "Rà soát văn bản", "Văn phòng Sở", "", "Tháng 9/2023", ""],
        ],
    )
    assert entries(plan, "warning") == []
    assert [t.code for t in plan.tasks] == ["I.1", "I.2", "II.3"]


def test_duplicate_rows(tmp_path: Path) -> None:
    heading = ["I. CHỈ ĐẠO", "", "", "", "", ""]
    repeated = read_rows(tmp_path, [heading, TASK_I1, TASK_I1, TASK_I2])
    assert repeated.errors == []
    assert entries(repeated, "warning") == [
        ("line 10", "the row repeats I.1 at line 9 word for word: read once")
    ]
    assert [t.code for t in repeated.tasks] == ["I.1", "I.2"]

    clash = read_rows(
        tmp_path, [heading, TASK_I1, [*TASK_I2[:1], "Việc khác", *TASK_I2[2:]], TASK_I2]
    )
    assert entries(clash, "error") == [
        ("line 11", "two different rows are numbered I.2: this one and the one at line 10")
    ]

    same_task = read_rows(tmp_path, [heading, TASK_I1, ["2", *TASK_I1[1:]]])
    assert entries(same_task, "warning") == [
        ("line 10", "I.2 has the same task as I.1 (line 9): “Ban hành Kế hoạch kiểm tra”")
    ]


def test_a_task_without_deadline_title_or_lead(tmp_path: Path) -> None:
    plan = read_rows(
        tmp_path,
        [
            ["I. CHỈ ĐẠO", "", "", "", "", ""],
            [*TASK_I1[:4], "", ""],
            ["2", "", "Văn phòng Sở", "", "Quý II", ""],
            ["3", "Tổ chức tọa đàm", "", "", "Tháng 9/2023", ""],
            ["4", "Rà soát", "“…”", "", "Tháng 9/2023", ""],
        ],
    )
    assert entries(plan, "error") == [
        ("line 9 (I.1), column “Thời gian thực hiện”", "task I.1 has no deadline"),
        ("line 10 (I.2), column “Nhiệm vụ cụ thể”", "task I.2 has no title"),
        ("line 11 (I.3), column “Cơ quan chủ trì”", "task I.3 has no lead unit"),
        (
            "line 12 (I.4), column “Cơ quan chủ trì”",
            "task I.4 has no lead unit that can be reminded: ““…”” names no unit",
        ),
    ]
    assert plan.tasks == []


def test_a_collective_lead_is_kept_as_a_group(tmp_path: Path) -> None:
    plan = read_rows(
        tmp_path,
        [
            ["I. CHỈ ĐẠO", "", "", "", "", ""],
            ["1", "Rà soát", "Các đơn vị liên quan", "Văn phòng Sở", "Tháng 9/2023", ""],
            ["2", "Báo cáo", "Các sở, ban, ngành", "", "Tháng 10/2023", ""],
        ],
    )
    assert plan.errors == []
    assert plan.task("I.1").lead_units == ["lien-quan"]
    assert plan.task("I.1").coordinating_units == ["van-phong"]
    assert plan.task("I.2").lead_units == ["cac-so-ban-nganh"]
    assert entries(plan, "warning") == [
        (
            "line 9 (I.1), column “Cơ quan chủ trì”",
            "“Các đơn vị liên quan” leads I.1 but names no unit: it is reminded as a group "
            "(lien-quan) until Phòng Cải cách hành chính - Văn thư, lưu trữ names the units",
        ),
        (
            "line 10 (I.2), column “Cơ quan chủ trì”",
            "new group “Các sở, ban, ngành” recorded as 'cac-so-ban-nganh': reminded as one until "
            "the coordinator maps it to its members in the unit directory (units.yaml)",
        ),
    ]


def test_rows_that_are_not_tasks(tmp_path: Path) -> None:
    plan = read_rows(
        tmp_path,
        [
            TASK_I1,
            ["I. CHỈ ĐẠO", "", "", "", "", ""],
            ["a", "Ban hành", "Văn phòng Sở", "", "Quý II", ""],
            [*TASK_I2, "thừa"],
        ],
    )
    assert entries(plan, "error") == [
        (
            "line 10",
            "a sub-task row (“a”) with no numbered task above it: “a” | “Ban hành” | "
            "“Văn phòng Sở” | “Quý II”",
        ),
        ("line 11", "the row has 7 cells with text beyond the header's 6 columns: “thừa”"),
        ("line 8", "task row 1 comes before the first section heading"),
    ]


def test_a_row_without_stt(tmp_path: Path) -> None:
    heading = ["I. CHỈ ĐẠO", "", "", "", "", ""]
    # No page break before it, no sub-task mark: read as the rest of the task above, as text
    # extracted from a PDF cuts rows, and said so.
    plan = read_rows(tmp_path, [heading, TASK_I1, ["", "(bổ sung)", "", "", "", ""]])
    assert plan.task("I.1").title == "Ban hành Kế hoạch kiểm tra (bổ sung)"
    assert entries(plan, "warning") == []
    assert (
        "line 10",
        "a row without STT or sub-task mark: read as the rest of I.1 (line 9), as a row cut by a "
        "page break is; give it a number (or a., b., -) if it is a task of its own",
    ) in entries(plan, "info")
    orphan = read_rows(tmp_path, [heading, ["", "Việc gì đó", "Văn phòng Sở", "", "Quý II", ""]])
    assert entries(orphan, "error") == [
        (
            "line 9",
            "a row without STT and no task row above it to continue: “Việc gì đó” | "
            "“Văn phòng Sở” | “Quý II”",
        )
    ]


def test_document_claims_that_the_rows_do_not_bear_out(tmp_path: Path) -> None:
    path = plan_text(
        tmp_path,
        [
            ["I. CHỈ ĐẠO", "", "", "", "", ""],
            TASK_I1,
            [*TASK_I2[:4], "Quý II/2022", ""],
            ["Tổng cộng: 3 nhiệm vụ", "", "", "", "", ""],
        ],
    )
    text = path.read_text(encoding="utf-8")
    appendix_heading = (
        "PHỤ LỤC\nCÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM 2024\n(Kèm theo Kế hoạch số 124/KH-SNV)\n"
    )
    path.write_text(text.replace("STT\t", appendix_heading + "STT\t", 1), encoding="utf-8")
    plan = read_plan(path)
    assert [m for _, m in entries(plan, "warning")] == [
        "the deadline “Quý II/2022” names 2022, not the plan's year 2023",
        "the document says 3 tasks (“Tổng cộng: 3 nhiệm vụ”) but its table has 2 task rows",
        "the appendix is for 2024, the plan's title for 2023",
        "the appendix is attached to plan 124/KH-SNV, the plan's number is 123/KH-SNV",
    ]


def test_units_named_in_both_columns_lead(tmp_path: Path) -> None:
    plan = read_rows(
        tmp_path,
        [
            ["I. CHỈ ĐẠO", "", "", "", "", ""],
            [*TASK_I1[:3], "Phòng CCHC-VTLT, Văn phòng Sở", *TASK_I1[4:]],
        ],
    )
    assert plan.task("I.1").lead_units == ["cchc-vtlt"]
    assert plan.task("I.1").coordinating_units == ["van-phong"]
    assert entries(plan, "warning") == [
        (
            "line 9 (I.1), column “Cơ quan phối hợp”",
            "cchc-vtlt named as both lead and coordinating unit: kept as lead",
        )
    ]


def test_text_between_rows_and_a_repeated_heading(tmp_path: Path) -> None:
    path = plan_text(
        tmp_path,
        [["I. CHỈ ĐẠO", "", "", "", "", ""], TASK_I1, ["I. CHỈ ĐẠO", "", "", "", "", ""], TASK_I2],
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(9, "Ghi chú của người soạn")
    lines.insert(10, "2")
    path.write_text("\n".join(lines), encoding="utf-8")
    plan = read_plan(path)
    assert entries(plan, "warning") == [
        ("line 10", "text between table rows ignored: “Ghi chú của người soạn”"),
        (
            "line 12",
            "the heading of section I is repeated (first at line 8); the rows below continue that section",
        ),
    ]
    assert [t.code for t in plan.tasks] == ["I.1", "I.2"]


def test_a_table_without_sections_names_tasks_by_row(tmp_path: Path) -> None:
    plan = read_plan(write_csv(tmp_path / "plan.csv", [TASK_I1, TASK_I2], preamble=TITLE_LINES))
    assert [t.code for t in plan.tasks] == ["1", "2"]
    assert (
        "line 7",
        "the table has no section headings: tasks are named by their STT alone",
    ) in entries(plan, "info")


def test_the_total_row_and_cells_that_only_look_like_it(tmp_path: Path) -> None:
    heading = ["I. CHỈ ĐẠO", "", "", "", "", ""]
    plan = read_rows(
        tmp_path,
        [
            heading,
            ["1", "Báo cáo kết quả", "Văn phòng Sở", "", "Quý IV/2023", ""],
            # The rest of a cut title, starting with words a total row starts with.
            ["", "Tổng số 5 nhiệm vụ đã giao", "", "", "", ""],
            ["Tổng cộng", "2 nhiệm vụ", "", "", "", ""],
        ],
    )
    assert plan.task("I.1").title == "Báo cáo kết quả Tổng số 5 nhiệm vụ đã giao"
    assert plan.stated_task_count == 2
    assert (
        "line 11",
        "the document says 2 tasks (“Tổng cộng: 2 nhiệm vụ”) but its table has 1 task rows",
    ) in entries(plan, "warning")
    without_number = read_rows(tmp_path, [heading, TASK_I1, ["Tổng cộng", "", "", "", "", ""]])
    assert without_number.stated_task_count is None
    assert ("line 10", "a total row without a number: “Tổng cộng”") in entries(
        without_number, "warning"
    )


def test_a_year_that_is_not_a_plan_year(tmp_path: Path) -> None:
    with pytest.raises(PlanImportError, match=r"plan.txt, year: 23 is not a plan year"):
        read_plan(plan_text(tmp_path, [TASK_I1]), year=23)
