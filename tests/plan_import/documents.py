"""Plan files made the way departments make them: CSV exported from Excel, an Excel workbook
with title rows and merged cells, a Word plan with its appendix in a table."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import docx
from docx.shared import Pt
from openpyxl import Workbook

from tests.plan_import.seed_table import HEADER, table_rows

TITLE_LINES = [
    "UBND TỈNH BÌNH ĐỊNH",
    "SỞ NỘI VỤ",
    "Số: 123/KH-SNV",
    "Bình Định, ngày 28 tháng 12 năm 2022",
    "KẾ HOẠCH",
    "Cải cách hành chính Sở Nội vụ năm 2023",
]


def write_csv(
    path: Path,
    rows: Sequence[Sequence[str]] | None = None,
    *,
    preamble: Sequence[str] = (),
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        for line in preamble:
            writer.writerow([line, "", "", "", "", ""])
        writer.writerow(HEADER)
        writer.writerows(table_rows() if rows is None else rows)
    return path


def write_xlsx(path: Path, *, total: int | None = 32) -> Path:
    """Title rows merged across the sheet, STT as numbers, section numerals in column A with the
    title merged over B:F, and the lead of II.1–II.3 in one cell merged down over three rows."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Phụ lục"
    for line in TITLE_LINES:
        sheet.append([line])
        sheet.merge_cells(
            start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=6
        )
    sheet.append([])
    sheet.append(list(HEADER))
    for row in table_rows():
        stt, title, lead, coordinating, deadline, note = row
        if not title:
            numeral, heading = stt.split(". ", 1)
            sheet.append([numeral, heading])
            sheet.merge_cells(
                start_row=sheet.max_row, start_column=2, end_row=sheet.max_row, end_column=6
            )
            continue
        sheet.append([int(stt), title, lead, coordinating, deadline, note or None])
        if title.startswith("Thực hiện rà soát, hệ thống hóa"):
            first_merged = sheet.max_row
    for offset in (1, 2):
        sheet.cell(row=first_merged + offset, column=3).value = None
    sheet.merge_cells(
        start_row=first_merged, start_column=3, end_row=first_merged + 2, end_column=3
    )
    if total is not None:
        sheet.append([f"Tổng cộng: {total} nhiệm vụ"])
    workbook.save(path)
    return path


def _set_cell(cell: object, text: str) -> None:
    # A line break inside a cell is a new paragraph in Word.
    first, *rest = text.split("\n")
    cell.text = first  # type: ignore[attr-defined]
    for line in rest:
        cell.add_paragraph(line)  # type: ignore[attr-defined]


def write_docx(path: Path, *, pages: Sequence[Sequence[Sequence[str]]] | None = None) -> Path:
    """A Word plan: the letterhead in a two-column table, the title, a body paragraph, then the
    appendix. `pages` given: one table per page, each with its header (as a PDF converted to
    Word looks); otherwise one table, headings merged across the row, the header repeated
    once half-way (as when the row is copied by hand), two-line deadlines as two paragraphs and
    the lead of II.1–II.3 merged down over three rows."""
    document = docx.Document()
    letterhead = document.add_table(rows=2, cols=2)
    letterhead.cell(0, 0).text = "UBND TỈNH BÌNH ĐỊNH\nSỞ NỘI VỤ"
    letterhead.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    letterhead.cell(1, 0).text = "Số: 123/KH-SNV"
    letterhead.cell(1, 1).text = "Bình Định, ngày 28 tháng 12 năm 2022"
    document.add_paragraph("KẾ HOẠCH").runs[0].font.size = Pt(14)
    document.add_paragraph("Cải cách hành chính Sở Nội vụ năm 2023")
    document.add_paragraph(
        "Thực hiện Quyết định số 4510/QĐ-UBND ngày 29/12/2022 của Ủy ban nhân dân tỉnh; "
        "Sở Nội vụ ban hành Kế hoạch cải cách hành chính năm 2023."
    )
    document.add_paragraph("PHỤ LỤC")
    document.add_paragraph("CÁC NHIỆM VỤ CÔNG TÁC CẢI CÁCH HÀNH CHÍNH SỞ NỘI VỤ NĂM 2023")
    document.add_paragraph("(Kèm theo Kế hoạch số 123/KH-SNV ngày 28 tháng 12 năm 2022)")
    if pages is not None:
        for page in pages:
            table = document.add_table(rows=0, cols=6)
            for values in [HEADER, *page]:
                cells = table.add_row().cells
                for cell, value in zip(cells, values, strict=True):
                    cell.text = value
            document.add_paragraph("")
        document.save(str(path))
        return path

    table = document.add_table(rows=0, cols=6)
    rows = table_rows()
    merged_lead_from: int | None = None
    for index, values in enumerate([list(HEADER), *rows[:18], list(HEADER), *rows[18:]]):
        row = table.add_row()
        stt, title = values[0], values[1]
        if stt and not title and index:
            heading = row.cells[0].merge(row.cells[5])
            heading.text = stt
            continue
        for cell, value in zip(row.cells, values, strict=True):
            _set_cell(cell, value.replace(" Thực hiện:", "\nThực hiện:"))
        if title.startswith("Thực hiện rà soát, hệ thống hóa"):
            merged_lead_from = len(table.rows) - 1
    assert merged_lead_from is not None
    for offset in (1, 2):
        table.cell(merged_lead_from + offset, 2).text = ""
    table.cell(merged_lead_from, 2).merge(table.cell(merged_lead_from + 2, 2))
    total = table.add_row()
    total.cells[0].merge(total.cells[5]).text = "Tổng cộng: 32 nhiệm vụ"
    document.add_paragraph("")
    document.add_paragraph("GIÁM ĐỐC")
    document.save(str(path))
    return path


def pages_cut_like_the_seed() -> list[list[list[str]]]:
    """The table split in two pages in the middle of I.7, as in the issued PDF."""
    rows = table_rows()
    cut = next(i for i, r in enumerate(rows) if r[1].startswith("Thực hiện chế độ báo cáo"))
    first_half = [
        *rows[:cut],
        [
            "7",
            "Thực hiện chế độ báo cáo định",
            "Phòng CCHC-",
            "Các đơn vị thuộc, trực",
            "Cả năm",
            "",
        ],
    ]
    second_half = [["", "kỳ (quý, 6 tháng, năm)", "VTLT", "thuộc Sở", "", ""], *rows[cut + 1 :]]
    return [first_half, second_half]


# ----------------------------------------------------------------------------- any plan


def text_form(path: Path) -> tuple[list[str], list[list[str]]]:
    """(lines before the table, the table's rows) of a plan in the text form: rows are the
    lines with a TAB; a blank line or a repeated header between rows is kept as the text has it
    (a repeated header row), blank lines dropped."""
    preamble: list[str] = []
    rows: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            rows.append(line.split("\t"))
        elif not rows:
            preamble.append(line)
    width = max(len(row) for row in rows)
    return preamble, [row + [""] * (width - len(row)) for row in rows]


def write_as(source: Path, target: Path) -> Path:
    """The same plan as `source` (text form) written as .csv, .xlsx or .docx, the way a
    department saves it: the lines before the table first (title rows of a sheet, paragraphs of
    a Word file), then the table, header row included, one cell per column."""
    preamble, rows = text_form(source)
    lines = [line for line in preamble if line.strip()]
    suffix = target.suffix
    if suffix == ".csv":
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            for line in lines:
                writer.writerow([line, *[""] * (len(rows[0]) - 1)])
            writer.writerows(rows)
        return target
    if suffix == ".xlsx":
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        for line in lines:
            sheet.append([line])
        for row in rows:
            sheet.append([cell or None for cell in row])
        workbook.save(target)
        return target
    if suffix == ".docx":
        document = docx.Document()
        for line in lines:
            document.add_paragraph(line)
        table = document.add_table(rows=0, cols=len(rows[0]))
        for row in rows:
            for cell, value in zip(table.add_row().cells, row, strict=True):
                cell.text = value
        document.save(str(target))
        return target
    raise ValueError(f"no writer for {suffix}")
