"""Files handed out as they are: a delivered evidence file, and a unit's calendar feed (.ics,
subscribable with the unit's link)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from icalendar import Calendar, Event

from deadlines.local_time import LOCAL_TZ
from web.auth import AccessDenied
from web.context import say, words
from web.deps import Who, read_link, web
from web.evidence import evidence_file_for
from web.refusals import Refusal

router = APIRouter(tags=["files"])


@router.get("/files/{sha256}")
def evidence_file(request: Request, sha256: str, who: Who) -> Response:
    """A delivered file: for the signed-in accounts of its plan's agency, and for the unit
    that delivered it (`web.evidence.evidence_file_for`)."""
    row, path = evidence_file_for(web(request).settings, who, sha256)
    return FileResponse(
        path,
        media_type=row.media_type,
        filename=row.original_name or path.name,
        headers={"Cache-Control": "no-store"},
    )


@router.get("/units/{unit_code}/calendar.ics")
def unit_calendar(request: Request, unit_code: str, who: Who, t: str = "") -> Response:
    """A calendar feed of the unit's deadlines, in every plan: a calendar program subscribes
    to it with the unit's link token (`?t=`), or an account of the unit's agency reads it."""
    context = web(request)
    if t:
        if read_link(request, t).unit_code != unit_code:
            raise Refusal("not_your_task", status=403)
    elif who.account is not None:
        if who.account.agency and who.account.agency != context.units.unit_agency(unit_code):
            raise AccessDenied("other_agency")
    elif who.unit is None or who.unit.code != unit_code:
        raise AccessDenied("not_signed_in", status=401)
    page = context.units.unit(unit_code, context.clock())
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
