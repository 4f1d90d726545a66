"""What the web app hands out as files: the status table (.xlsx, one row per milestone, as a
coordinator files it), the CCHC progress report draft (.docx, by the plan's sections I-VII),
a unit's calendar feed (.ics, subscribable with the unit's link) and delivered evidence files.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from models.tables import Plan
from reports import files
from reports.periods import UnknownPeriod, period_report
from reports.records import read_plan_records
from web.context import words
from web.deps import PlanReader, web
from web.refusals import Refusal
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


def _all_shown(request: Request, plan_key: str) -> tuple[Plan, list[Shown], dict[str, str]]:
    context = web(request)
    return context.reader.everything(plan_key, context.clock())


# ----------------------------------------------------------------------------- the status table


@router.get("/plans/{plan_key}/export/status.xlsx")
def status_table(request: Request, plan_key: str, who: PlanReader) -> Response:
    """One row per milestone: the task, its units, the deadline, the state, the evidence."""
    context = web(request)
    plan, shown, names = _all_shown(request, plan_key)
    records = read_plan_records(context.settings.resolved_database_url(), plan)
    content = files.status_table(
        plan, [(s.row, s.tracking) for s in shown], names, records, context.clock()
    )
    return _attachment(content, XLSX, f"theo-doi-{plan.key}.xlsx")


# ----------------------------------------------------------------------------- the report


@router.get("/plans/{plan_key}/export/report.docx")
def progress_report(
    request: Request, plan_key: str, who: PlanReader, period: str = "year"
) -> Response:
    """The CCHC progress report of the first quarter, six months, nine months or the year
    (`period`: q1, h1, q3, year), drafted from the record as it stood on the period's data
    cut-off. The coordinator edits the draft; the figures are the engine's."""
    context = web(request)
    plan, shown, names = _all_shown(request, plan_key)
    now = context.clock()
    try:
        report = period_report(
            plan,
            [s.row for s in shown],
            read_plan_records(context.settings.resolved_database_url(), plan),
            period=period,
            periods=words()["report_periods"],
            cutoff_day=context.settings.policy().reports.cutoff_day,
            now=now,
            clock_at=lambda at: context.reader.tracking_clock(at, plan.year),
        )
    except UnknownPeriod as error:
        raise Refusal("bad_date", detail=period) from error
    content = files.progress_report_file(plan, report, names, now)
    return _attachment(content, DOCX, f"bao-cao-cchc-{period}-{plan.year}.docx")
