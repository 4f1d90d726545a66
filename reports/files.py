"""The files a coordinator files: the status table (.xlsx, one row per milestone) and the CCHC
progress report draft (.docx, by the plan's sections I-VII) of a period.

Whatever a person typed (a document number, a link, a title, a unit's name) is written as
text: a cell never becomes a formula, whatever it starts with.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from docx import Document
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill

from deadlines.local_time import in_vietnam
from models.tables import Evidence, Plan
from reports.periods import PeriodReport, ReportLine
from reports.records import PlanRecords
from storage.overview import MilestoneRow
from web.context import say, words
from web.tracking import DONE_TRACKING, TRACKING_ORDER, Tracking

# A spreadsheet program reads a cell starting with one of these as a formula when it is
# edited, even one stored as text: such cells get the quote prefix too.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _day(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return in_vietnam(value).format("DD/MM/YYYY")
    return f"{value:%d/%m/%Y}"


def _when(value: datetime | None) -> str:
    return in_vietnam(value).format("DD/MM/YYYY HH:mm") if value is not None else ""


def as_text(cell: Cell) -> None:
    """A string cell stays the string it holds (openpyxl makes one starting "=" a formula)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(_FORMULA_STARTS):
            cell.quotePrefix = True


def _units(codes: Sequence[str], names: dict[str, str]) -> str:
    return ", ".join(names.get(c, c) for c in codes)


# ----------------------------------------------------------------------------- the status table


def status_table(
    plan: Plan,
    shown: Sequence[tuple[MilestoneRow, Tracking]],
    names: dict[str, str],
    records: PlanRecords,
    now: datetime,
) -> bytes:
    """One row per milestone: the task, its units, the deadline, the state now, the evidence
    (the latest the coordinator did not reject)."""
    tracking = words()["tracking"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = say("exports", "sheet")
    sheet.append([say("exports", "sheet_title", title=(plan.title or plan.key).upper())])
    sheet.append([say("exports", "sheet_as_of", when=_when(now))])
    sheet.append(list(words()["exports"]["columns"]))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for number, (row, state) in enumerate(shown, start=1):
        found = records.counted(row)
        sheet.append(
            [
                number,
                row.section,
                row.task_code,
                row.title,
                _units(row.lead_units, names),
                _units(row.coordinating_units, names),
                row.deadline_text,
                row.label or row.key or "",
                _when(row.due_at),
                tracking[state.value]["label"],
                _day(row.closed_at) if state in DONE_TRACKING else "",
                found.document_number if found else "",
                _day(found.document_date) if found else "",
                found.link if found else "",
            ]
        )
        colour = tracking[state.value]["colour"].lstrip("#")
        sheet.cell(row=sheet.max_row, column=10).fill = PatternFill("solid", fgColor=colour)
        sheet.cell(row=sheet.max_row, column=10).font = Font(color="FFFFFF", bold=True)
    widths = (5, 6, 9, 60, 28, 28, 22, 16, 17, 22, 14, 20, 13, 30)
    for column, width in zip("ABCDEFGHIJKLMN", widths, strict=True):
        sheet.column_dimensions[column].width = width
    for row_cells in sheet.iter_rows():
        for cell in row_cells:
            as_text(cell)
            if cell.row >= 4:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ----------------------------------------------------------------------------- the report


def _evidence_note(found: Evidence) -> str:
    note = found.document_number
    if found.document_date:
        note += say("exports", "report_document_date", date=_day(found.document_date))
    if found.link:
        note += f" ({found.link})"
    return note


def progress_report_file(
    plan: Plan, report: PeriodReport, names: dict[str, str], now: datetime
) -> bytes:
    """The period's CCHC progress report drafted from the record: each of the plan's sections
    with each milestone's state on the period's data cut-off, its evidence (number and date)
    received by then, and what was late then. The coordinator edits the draft."""
    tracking: dict[str, Any] = words()["tracking"]
    document = Document()
    style: Any = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    document.add_heading(say("exports", "report_title", period=report.title), level=1)
    document.add_paragraph(say("exports", "report_plan", number=plan.number, title=plan.title))
    document.add_paragraph(
        say("exports", "report_as_of", cutoff=_day(report.as_of_day), today=_day(now))
    )
    document.add_paragraph(
        say(
            "exports",
            "report_totals",
            tasks=len({line.row.task_id for line in report.lines}),
            milestones=len(report.lines),
        )
    )
    counts = Counter(line.tracking for line in report.lines)
    document.add_heading(say("exports", "report_summary"), level=2)
    summary = document.add_table(rows=1, cols=2)
    summary.style = "Table Grid"
    for cell, text in zip(
        summary.rows[0].cells, words()["exports"]["report_summary_columns"], strict=True
    ):
        cell.text = text
    for state in TRACKING_ORDER:
        if counts[state]:
            cells = summary.add_row().cells
            cells[0].text = tracking[state.value]["label"]
            cells[1].text = str(counts[state])

    sections: dict[str, list[ReportLine]] = {}
    titles: dict[str, str] = {}
    for line in report.lines:
        sections.setdefault(line.row.section, []).append(line)
        titles[line.row.section] = line.row.section_title
    for section, lines in sections.items():
        document.add_heading(f"{section}. {titles[section]}", level=2)
        table = document.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells, words()["exports"]["report_columns"], strict=True
        ):
            cell.text = text
        for line in lines:
            row = line.row
            note = ""
            if line.evidence is not None:
                note = _evidence_note(line.evidence)
            elif line.tracking is Tracking.OVERDUE and line.due is not None:
                note = say("exports", "report_late_by", days=(report.as_of - line.due).days)
            cells = table.add_row().cells
            label = f" ({row.label})" if row.label else ""
            cells[0].text = f"{row.task_code}. {row.title}{label}"
            cells[1].text = _units(row.lead_units, names)
            cells[2].text = _day(line.due) or row.deadline_text
            cells[3].text = tracking[line.tracking.value]["label"]
            cells[4].text = note
    late = [
        line for line in report.lines if line.tracking in (Tracking.OVERDUE, Tracking.DONE_LATE)
    ]
    document.add_heading(say("exports", "report_late"), level=2)
    if not late:
        document.add_paragraph(say("exports", "report_none_late"))
    for line in late:
        row = line.row
        document.add_paragraph(
            say(
                "exports",
                "report_late_line",
                code=row.task_code,
                title=row.title,
                state=tracking[line.tracking.value]["label"].lower(),
                due=_day(line.due),
                units=_units(row.lead_units, names),
            ),
            style="List Bullet",
        )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
