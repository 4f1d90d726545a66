"""What the web app hands out as files: the status table (.xlsx, one row per milestone, as a
coordinator files it), the CCHC progress report draft (.docx, by the plan's sections I-VII),
a unit's calendar feed (.ics, subscribable with the unit's link) and delivered evidence files.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from icalendar import Calendar, Event

from control import access
from deadlines.local_time import LOCAL_TZ
from models.tables import Plan
from notifications.links import InvalidLink
from reports import files
from reports.periods import UnknownPeriod, period_report
from reports.records import read_plan_records
from storage import access as access_store
from storage.db import session_scope
from web.acting import Refusal
from web.auth import AccessDenied
from web.context import require_plan_reader, say, visitor, web, words
from web.reading import Shown
from web.uploads import stored_path

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
def status_table(request: Request, plan_key: str) -> Response:
    """One row per milestone: the task, its units, the deadline, the state, the evidence."""
    require_plan_reader(request, plan_key)
    context = web(request)
    plan, shown, names = _all_shown(request, plan_key)
    records = read_plan_records(context.settings.resolved_database_url(), plan)
    content = files.status_table(
        plan, [(s.row, s.tracking) for s in shown], names, records, context.clock()
    )
    return _attachment(content, XLSX, f"theo-doi-{plan.key}.xlsx")


# ----------------------------------------------------------------------------- the report


@router.get("/plans/{plan_key}/export/report.docx")
def progress_report(request: Request, plan_key: str, period: str = "year") -> Response:
    """The CCHC progress report of the first quarter, six months, nine months or the year
    (`period`: q1, h1, q3, year), drafted from the record as it stood on the period's data
    cut-off. The coordinator edits the draft; the figures are the engine's."""
    require_plan_reader(request, plan_key)
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


# ----------------------------------------------------------------------------- calendar feed


@router.get("/units/{unit_code}/calendar.ics")
def unit_calendar(request: Request, unit_code: str, t: str = "") -> Response:
    """A calendar feed of the unit's deadlines, in every plan: a calendar program subscribes
    to it with the unit's link token (`?t=`), or a signed-in account reads it."""
    context = web(request)
    who = visitor(request)
    if t:
        try:
            claim = access.read_unit_link(context.settings, t, now=context.clock())
        except InvalidLink as error:
            raise Refusal("bad_link", status=401, detail=str(error)) from error
        if claim.unit_code != unit_code:
            raise Refusal("not_your_task", status=403)
    elif who.account is None and (who.unit is None or who.unit.code != unit_code):
        raise AccessDenied("not_signed_in", status=401)
    page = context.reader.unit(unit_code, context.clock())
    calendar = Calendar()
    calendar.add("prodid", "-//nhachan//unit feed//VI")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", say("exports", "calendar_name", unit=page.unit.name))
    calendar.add("x-wr-timezone", LOCAL_TZ)
    tracking = words()["tracking"]
    for work in page.work:
        row = work.shown.row
        if row.due_at is None or row.key is None:
            continue
        event = Event()
        event.add("uid", f"{work.plan.key}/{row.task_code}/{row.key}@nhachan")
        event.add("dtstamp", context.clock())
        event.add("dtstart", row.due_at)
        event.add("dtend", row.due_at)
        state = tracking[work.shown.tracking.value]["label"]
        role = say("exports", "calendar_leads" if work.leads else "calendar_coordinates")
        event.add("summary", f"[{row.task_code}] {row.title} ({state})")
        event.add(
            "description",
            f"{row.deadline_text}\n{role}\n"
            f"{context.settings.public_url.rstrip('/')}/plans/{quote(work.plan.key, safe='')}"
            f"/tasks/{quote(row.task_code, safe='')}/milestones/{quote(row.key, safe='')}/evidence",
        )
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return Response(
        calendar.to_ical(),
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )


# ----------------------------------------------------------------------------- evidence files


@router.get("/files/{sha256}")
def evidence_file(request: Request, sha256: str) -> Response:
    """A delivered file: for the signed-in accounts, and for the unit that delivered it."""
    context = web(request)
    who = visitor(request)
    ref = f"sha256:{sha256}"
    with session_scope(context.settings.resolved_database_url()) as session:
        row = access_store.get_evidence_file(session, sha256)
        allowed = who.account is not None or (
            who.unit is not None
            and access_store.evidence_submitted_by(session, file_ref=ref, unit_code=who.unit.code)
        )
    if who.account is None and who.unit is None:
        raise AccessDenied("not_signed_in", status=401)
    if not allowed:
        raise Refusal("not_your_task", status=403)
    path = stored_path(context.settings.var_dir / "evidence", sha256)
    if row is None or path is None:
        raise Refusal("no_such_milestone", status=404)
    return FileResponse(
        path,
        media_type=row.media_type,
        filename=row.original_name or path.name,
        headers={"Cache-Control": "no-store"},
    )
