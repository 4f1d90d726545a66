"""What the web app hands out as reports: the status table (.xlsx, one row per milestone, as a
coordinator files it) and the CCHC progress report draft (.docx, by the plan's sections I-VII).
A unit's calendar feed and delivered evidence files are `web/routes/files.py`'s.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime
from urllib.parse import quote

from docx import Document
from docx.shared import Pt
from fastapi import APIRouter, Request
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from deadlines.local_time import in_vietnam
from models.tables import Evidence, Plan
from storage import access as access_store
from storage.db import session_scope
from web.context import say, words
from web.deps import PlanReader, web
from web.refusals import Refusal
from web.tracking import DONE_TRACKING, TRACKING_ORDER, Tracking
from web.views import Shown

router = APIRouter(include_in_schema=True, tags=["exports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _attachment(content: bytes, media_type: str, name: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
    )


def _day(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return in_vietnam(value).format("DD/MM/YYYY")
    return f"{value:%d/%m/%Y}"


def _when(value: datetime | None) -> str:
    return in_vietnam(value).format("DD/MM/YYYY HH:mm") if value is not None else ""


def _all_shown(request: Request, plan_key: str) -> tuple[Plan, list[Shown], dict[str, str]]:
    context = web(request)
    return context.reader.everything(plan_key, context.clock())


def _evidence(request: Request, plan: Plan) -> dict[tuple[str, str], Evidence]:
    with session_scope(web(request).settings.resolved_database_url()) as session:
        assert plan.id is not None
        return access_store.latest_evidence_by_milestone(session, plan_id=plan.id)


# ----------------------------------------------------------------------------- the status table


@router.get("/plans/{plan_key}/export/status.xlsx")
def status_table(request: Request, plan_key: str, who: PlanReader) -> Response:
    """One row per milestone: the task, its units, the deadline, the state, the evidence."""
    plan, shown, names = _all_shown(request, plan_key)
    evidence = _evidence(request, plan)
    tracking = words()["tracking"]
    book = Workbook()
    sheet = book.active
    sheet.title = say("exports", "sheet")
    sheet.append([say("exports", "sheet_title", title=(plan.title or plan.key).upper())])
    sheet.append([say("exports", "sheet_as_of", when=_when(web(request).clock()))])
    sheet.append(list(words()["exports"]["columns"]))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for number, item in enumerate(shown, start=1):
        row = item.row
        found = evidence.get((row.task_code, row.key or ""))
        sheet.append(
            [
                number,
                row.section,
                row.task_code,
                row.title,
                ", ".join(names.get(c, c) for c in row.lead_units),
                ", ".join(names.get(c, c) for c in row.coordinating_units),
                row.deadline_text,
                row.label or row.key or "",
                _when(row.due_at),
                tracking[item.tracking.value]["label"],
                _day(row.closed_at) if item.tracking in DONE_TRACKING else "",
                found.document_number if found else "",
                _day(found.document_date) if found else "",
                found.link if found else "",
            ]
        )
        colour = tracking[item.tracking.value]["colour"].lstrip("#")
        sheet.cell(row=sheet.max_row, column=10).fill = PatternFill("solid", fgColor=colour)
        sheet.cell(row=sheet.max_row, column=10).font = Font(color="FFFFFF", bold=True)
    widths = (5, 6, 9, 60, 28, 28, 22, 16, 17, 22, 14, 20, 13, 30)
    for column, width in zip("ABCDEFGHIJKLMN", widths, strict=True):
        sheet.column_dimensions[column].width = width
    for row_cells in sheet.iter_rows(min_row=4):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    book.save(buffer)
    return _attachment(buffer.getvalue(), XLSX, f"theo-doi-{plan.key}.xlsx")


# ----------------------------------------------------------------------------- the report


@router.get("/plans/{plan_key}/export/report.docx")
def progress_report(
    request: Request, plan_key: str, who: PlanReader, period: str = "year"
) -> Response:
    """The quarterly / six-month / yearly CCHC progress report, drafted from the record: each
    of the plan's sections with each task's state, its evidence (number and date), and what
    is late. The coordinator edits the draft; the figures are the engine's."""
    periods = words()["report_periods"]
    if period not in periods:
        raise Refusal("bad_date", detail=period)
    plan, shown, names = _all_shown(request, plan_key)
    evidence = _evidence(request, plan)
    tracking = words()["tracking"]
    now = web(request).clock()
    month, day = (int(part) for part in periods[period]["cutoff"].split("-"))
    cutoff = date(plan.year, month, day)

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    period_label = str(periods[period]["label"]).upper()
    document.add_heading(
        say("exports", "report_title", period=period_label, year=plan.year), level=1
    )
    document.add_paragraph(say("exports", "report_plan", number=plan.number, title=plan.title))
    document.add_paragraph(
        say("exports", "report_as_of", cutoff=f"{cutoff:%d/%m/%Y}", today=_day(now))
    )
    counts = Counter(s.tracking for s in shown)
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

    sections: dict[str, list[Shown]] = {}
    titles: dict[str, str] = {}
    for item in shown:
        sections.setdefault(item.row.section, []).append(item)
        titles[item.row.section] = item.row.section_title
    for section, items in sections.items():
        document.add_heading(f"{section}. {titles[section]}", level=2)
        table = document.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells,
            words()["exports"]["report_columns"],
            strict=True,
        ):
            cell.text = text
        for item in items:
            row = item.row
            found = evidence.get((row.task_code, row.key or ""))
            note = ""
            if found is not None:
                note = found.document_number
                if found.document_date:
                    note += say("exports", "report_document_date", date=_day(found.document_date))
                if found.link:
                    note += f" ({found.link})"
            elif item.tracking is Tracking.OVERDUE and row.due_at is not None:
                note = say("exports", "report_late_by", days=(now - row.due_at).days)
            cells = table.add_row().cells
            label = f" ({row.label})" if row.label else ""
            cells[0].text = f"{row.task_code}. {row.title}{label}"
            cells[1].text = ", ".join(names.get(c, c) for c in row.lead_units)
            cells[2].text = _day(row.due_at) or row.deadline_text
            cells[3].text = tracking[item.tracking.value]["label"]
            cells[4].text = note
    late = [s for s in shown if s.tracking in (Tracking.OVERDUE, Tracking.DONE_LATE)]
    document.add_heading(say("exports", "report_late"), level=2)
    if not late:
        document.add_paragraph(say("exports", "report_none_late"))
    for item in late:
        row = item.row
        what = tracking[item.tracking.value]["label"].lower()
        document.add_paragraph(
            say(
                "exports",
                "report_late_line",
                code=row.task_code,
                title=row.title,
                state=what,
                due=_day(row.due_at),
                units=", ".join(names.get(c, c) for c in row.lead_units),
            ),
            style="List Bullet",
        )
    buffer = io.BytesIO()
    document.save(buffer)
    return _attachment(buffer.getvalue(), DOCX, f"bao-cao-cchc-{period}-{plan.year}.docx")
