"""The JSON API: everything the pages show and do, with the same rules (OpenAPI at /docs).

An account signs in with `POST /api/session` and then sends its session cookie and the
`X-CSRF-Token` header (from `GET /api/session`) with every change; a unit sends its link's
token as `Authorization: Bearer <token>` and needs no CSRF token (no cookie is involved).
Refusals answer `{"error": key, "message": Vietnamese text, "detail": the engine's reason}` with
401 (sign in / link), 403 (not yours, wrong role, bad CSRF), 404, 409 (the engine or the state
refuses), 413 (too large), 415 (file type), 429 (too many tries), 503 (engine not answering).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Request, UploadFile
from pydantic import BaseModel, Field

from control import access
from control.permissions import Actor
from deadlines.local_time import local_iso
from models.tables import EvidenceReview
from storage.db import session_scope
from storage.overview import list_units
from web.acting import EvidenceForm, ImportCheck, Refusal, Where
from web.auth import AccessDenied, Visitor
from web.context import (
    address,
    check_csrf,
    require_account,
    require_plan_reader,
    session_of,
    visitor,
    web,
)
from web.planning import PlannedStep
from web.reading import Filters, PlanSummary, Shown, UnitFigures
from web.tracking import TRACKING_ORDER, Tracking

router = APIRouter(prefix="/api", tags=["api"])
CsrfHeader = Annotated[str | None, Header(alias="X-CSRF-Token")]


class SignIn(BaseModel):
    name: str
    password: str


class ExtensionAsk(BaseModel):
    until: date
    reason: str


class ExtensionDecision(BaseModel):
    decision: str = Field(pattern="^(grant|refuse)$")
    reason: str
    until: date | None = None


class EvidenceDecision(BaseModel):
    decision: str = Field(pattern="^(accept|reject)$")
    reason: str = ""


class ReassignRequest(BaseModel):
    lead_units: list[str]
    reason: str


class CloseRequest(BaseModel):
    reason: str
    carry_over: bool = False


class EventRequest(BaseModel):
    key: str
    occurred_on: date
    decision: str = ""
    due_on: date | None = None


class LinkRequest(BaseModel):
    revoke_old: bool = False


class CellFix(BaseModel):
    cell: str
    text: str


class StartRequest(BaseModel):
    year: int | None = None
    until: int | None = None
    # The coordinator's corrections of cells: {"cell": "II.42:deadline", "text": "Quý IV/2025"}.
    corrections: list[CellFix] = []


def _instant(value: datetime | None) -> str | None:
    return local_iso(value)


def _counts(counts: Counter[Tracking], *, all_states: bool = True) -> dict[str, int]:
    return {s.value: counts[s] for s in TRACKING_ORDER if all_states or counts[s]}


def _unit_figures(figures: UnitFigures) -> dict[str, Any]:
    return {"unit": figures.code, "name": figures.name, "counts": _counts(figures.counts)}


def _shown(item: Shown) -> dict[str, Any]:
    row = item.row
    return {
        "task": row.task_code,
        "section": row.section,
        "title": row.title,
        "deadline_text": row.deadline_text,
        "lead_units": list(row.lead_units),
        "coordinating_units": list(row.coordinating_units),
        "milestone": row.key,
        "label": row.label,
        "kind": row.kind,
        "due": _instant(row.due_at),
        "closed_at": _instant(row.closed_at),
        "status": row.status,
        "tracking": item.tracking.value,
    }


def _planned(planned: PlannedStep) -> dict[str, Any]:
    return {
        "at": _instant(planned.step.at),
        "action": planned.step.action.value,
        "to": list(planned.recipients),
    }


def _review(review: EvidenceReview) -> dict[str, Any]:
    return {
        "decision": review.decision,
        "reason": review.reason,
        "by": review.by,
        "at": _instant(review.at),
    }


def _summary(summary: PlanSummary) -> dict[str, Any]:
    return {
        "key": summary.plan.key,
        "agency": summary.agency.code if summary.agency else "",
        "title": summary.plan.title,
        "year": summary.plan.year,
        "tasks": summary.tasks,
        "milestones": summary.milestones,
        "counts": _counts(summary.counts),
    }


def _coordinator(request: Request, csrf: str | None) -> Visitor:
    return check_csrf(request, csrf)


def _account_reader(request: Request) -> Visitor:
    return require_account(request)


# ----------------------------------------------------------------------------- the session


@router.get("/session")
def session(request: Request) -> dict[str, Any]:
    """Who this session is, and the CSRF token its changes must carry."""
    who = visitor(request)
    return {
        "csrf": who.csrf,
        "account": {"name": who.account.name, "role": who.account.role.value}
        if who.account
        else None,
        "unit": who.unit.code if who.unit else None,
    }


@router.post("/session")
def sign_in(request: Request, body: SignIn, x_csrf_token: CsrfHeader = None) -> dict[str, Any]:
    context = web(request)
    who = check_csrf(request, x_csrf_token)
    name = body.name.strip().lower()
    if not (
        context.limits.sign_in_address.allow(address(request))
        and context.limits.sign_in_name.allow(name)
    ):
        raise Refusal("too_many", status=429)
    account = access.signed_in_account(context.settings, name, body.password)
    if account is None:
        raise Refusal("sign_in_failed", status=401)
    context.sessions.sign_in(session_of(request), account.name)
    request.state.visitor = None
    who = visitor(request)
    context.acting.audit(who, Actor(account.name, account.role), "sign_in", Where())
    return {"csrf": who.csrf, "account": {"name": account.name, "role": account.role.value}}


@router.delete("/session")
def sign_out(request: Request, x_csrf_token: CsrfHeader = None) -> dict[str, str]:
    check_csrf(request, x_csrf_token)
    web(request).sessions.sign_out(session_of(request))
    return {"signed_out": "yes"}


# ----------------------------------------------------------------------------- reading


@router.get("/plans")
def plans(request: Request, agency: str = "") -> list[dict[str, Any]]:
    """Every plan, or one agency's (`?agency=<code>`; an account of one agency: its own)."""
    who = _account_reader(request)
    context = web(request)
    chosen = (who.account.agency if who.account else "") or agency.strip()
    return [_summary(s) for s in context.reader.plans(context.clock(), agency=chosen)]


@router.get("/plans/{plan_key}")
def plan_dashboard(
    request: Request,
    plan_key: str,
    section: str = "",
    unit: str = "",
    state: str = "",
    q: str = "",
    page: int = 1,
) -> dict[str, Any]:
    require_plan_reader(request, plan_key)
    context = web(request)
    board = context.reader.dashboard(
        plan_key, Filters(section, unit, state, q, page), context.clock()
    )
    return {
        "plan": {"key": board.plan.key, "title": board.plan.title, "year": board.plan.year},
        "tasks": board.tasks,
        "counts": {s.value: board.counts[s] for s in TRACKING_ORDER},
        "units": [
            {
                "unit": u.code,
                "name": u.name,
                "counts": {s.value: u.counts[s] for s in TRACKING_ORDER},
            }
            for u in board.units
        ],
        "months": [
            {
                "month": m.month,
                "counts": {s.value: m.counts[s] for s in TRACKING_ORDER if m.counts[s]},
            }
            for m in board.months
        ],
        "upcoming": [
            {
                "at": _instant(p.step.at),
                "action": p.step.action.value,
                "audience": p.step.audience.value,
                "to": list(p.recipients),
                "task": p.row.task_code,
                "milestone": p.row.key,
            }
            for p in board.upcoming
        ],
        "upcoming_total": board.upcoming_total,
        "matching": board.matching,
        "page": board.filters.page,
        "pages": board.pages,
        "rows": [_shown(item) for item in board.shown],
    }


@router.get("/plans/{plan_key}/tasks/{task_code}")
def task(request: Request, plan_key: str, task_code: str) -> dict[str, Any]:
    require_plan_reader(request, plan_key)
    context = web(request)
    detail = context.reader.task(plan_key, task_code, context.clock())
    return {
        "plan": detail.plan.key,
        "task": detail.task.task_code,
        "title": detail.task.title,
        "deadline_text": detail.task.deadline_text,
        "lead_units": list(detail.task.lead_units),
        "coordinating_units": list(detail.task.coordinating_units),
        "milestones": [
            {
                **_shown(m.shown),
                "planned": [
                    {
                        "at": _instant(p.step.at),
                        "action": p.step.action.value,
                        "to": list(p.recipients),
                    }
                    for p in m.planned
                ],
                "evidence": [
                    {
                        "document_number": e.document_number,
                        "document_date": e.document_date.isoformat() if e.document_date else None,
                        "link": e.link,
                        "file": e.file_ref,
                        "submitted_by": e.submitted_by,
                        "submitted_at": _instant(e.submitted_at),
                        "on_time": e.on_time,
                        "reviews": [
                            {
                                "decision": r.decision,
                                "reason": r.reason,
                                "by": r.by,
                                "at": _instant(r.at),
                            }
                            for r in m.reviews.get(e.id or 0, [])
                        ],
                    }
                    for e in m.evidence
                ],
                "pending_extension": m.pending_extension.details if m.pending_extension else None,
            }
            for m in detail.milestones
        ],
        "notifications": [
            {
                "kind": n.kind,
                "unit": n.unit_code,
                "status": n.status,
                "scheduled_at": _instant(n.scheduled_at),
                "sent_at": _instant(n.sent_at),
                "channel": n.channel,
                "attempts": n.attempts,
                "answer": n.answer,
            }
            for n in detail.notifications
        ],
        "audit": [
            {
                "at": _instant(a.at),
                "actor": a.actor,
                "role": a.actor_role.value,
                "via": a.via,
                "via_detail": a.via_detail,
                "action": a.action,
                "milestone": a.milestone_key,
                "outcome": a.outcome,
                "message": a.message,
                "details": a.details,
            }
            for a in detail.audit
        ],
    }


@router.get("/unit")
def unit(request: Request) -> dict[str, Any]:
    """The unit's own milestones (from its link): nothing of other units' tasks."""
    who = visitor(request)
    if who.unit is None:
        raise Refusal("bad_link", status=401)
    context = web(request)
    page = context.reader.unit(who.unit.code, context.clock())
    return {
        "unit": page.unit.code,
        "name": page.unit.name,
        "work": [{**_shown(w.shown), "plan": w.plan.key, "leads": w.leads} for w in page.work],
    }


@router.get("/overview")
def overview(request: Request, agency: str = "") -> dict[str, Any]:
    who = _account_reader(request)
    context = web(request)
    chosen = (who.account.agency if who.account else "") or agency.strip()
    found = context.reader.overview(context.clock(), agency=chosen)
    return {
        "plans": [_summary(s) for s in found.summaries],
        "overdue": [
            {**_shown(line.shown), "plan": line.plan.key, "days_overdue": line.days_overdue}
            for line in found.overdue
        ],
        "units": [
            {
                "unit": u.code,
                "name": u.name,
                "counts": {s.value: u.counts[s] for s in TRACKING_ORDER},
            }
            for u in found.units
        ],
        "escalations": [
            {
                "kind": n.kind,
                "plan": n.plan_key,
                "task": n.task_code,
                "status": n.status,
                "scheduled_at": _instant(n.scheduled_at),
            }
            for n in found.escalations
        ],
    }


# ----------------------------------------------------------------------------- units act


@router.post("/plans/{plan_key}/tasks/{task_code}/milestones/{milestone_key}/evidence")
async def submit_evidence(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    document_number: Annotated[str, Form()] = "",
    document_date: Annotated[date | None, Form()] = None,
    link: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
    x_csrf_token: CsrfHeader = None,
) -> dict[str, Any]:
    who = check_csrf(request, x_csrf_token)
    content = await file.read() if file is not None and file.filename else None
    shown = await web(request).acting.submit_evidence(
        who,
        plan_key,
        task_code,
        milestone_key,
        EvidenceForm(
            document_number=document_number,
            document_date=document_date,
            link=link,
            note=note,
            file_name=(file.filename or "") if file is not None else "",
            file_content=content,
        ),
    )
    return _shown(shown)


@router.post("/plans/{plan_key}/tasks/{task_code}/milestones/{milestone_key}/extension-request")
async def request_extension(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    body: ExtensionAsk,
    x_csrf_token: CsrfHeader = None,
) -> dict[str, str]:
    who = check_csrf(request, x_csrf_token)
    await web(request).acting.request_extension(
        who, plan_key, task_code, milestone_key, until=body.until, reason=body.reason
    )
    return {"recorded": "the coordinator decides"}


# ----------------------------------------------------------------------------- coordinator acts


@router.post("/plans/{plan_key}/tasks/{task_code}/milestones/{milestone_key}/extension")
async def decide_extension(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    body: ExtensionDecision,
    x_csrf_token: CsrfHeader = None,
) -> dict[str, str]:
    who = _coordinator(request, x_csrf_token)
    acting = web(request).acting
    if body.decision == "grant":
        if body.until is None:
            raise Refusal("bad_date", detail="until")
        await acting.grant_extension(
            who, plan_key, task_code, milestone_key, until=body.until, reason=body.reason
        )
    else:
        await acting.refuse_extension(who, plan_key, task_code, milestone_key, reason=body.reason)
    return {"decision": body.decision}


@router.post("/plans/{plan_key}/tasks/{task_code}/milestones/{milestone_key}/review")
async def review_evidence(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    body: EvidenceDecision,
    x_csrf_token: CsrfHeader = None,
) -> dict[str, str]:
    who = _coordinator(request, x_csrf_token)
    await web(request).acting.review_evidence(
        who,
        plan_key,
        task_code,
        milestone_key,
        accept=body.decision == "accept",
        reason=body.reason,
    )
    return {"decision": body.decision}


@router.post("/plans/{plan_key}/tasks/{task_code}/reassign")
async def reassign(
    request: Request,
    plan_key: str,
    task_code: str,
    body: ReassignRequest,
    x_csrf_token: CsrfHeader = None,
) -> dict[str, list[str]]:
    who = _coordinator(request, x_csrf_token)
    await web(request).acting.reassign(
        who, plan_key, task_code, lead_units=body.lead_units, reason=body.reason
    )
    return {"lead_units": body.lead_units}


@router.post("/plans/{plan_key}/tasks/{task_code}/close")
async def close(
    request: Request,
    plan_key: str,
    task_code: str,
    body: CloseRequest,
    x_csrf_token: CsrfHeader = None,
) -> dict[str, str]:
    who = _coordinator(request, x_csrf_token)
    await web(request).acting.close_task(
        who, plan_key, task_code, reason=body.reason, carry_over=body.carry_over
    )
    return {"closed": "carried_over" if body.carry_over else "cancelled"}


@router.get("/plans/{plan_key}/events")
def awaited_events(request: Request, plan_key: str) -> dict[str, list[str]]:
    """Event key -> the tasks waiting on it."""
    require_plan_reader(request, plan_key)
    awaited = web(request).reader.awaited_events(plan_key)
    return {key: sorted({row.task_code for row in rows}) for key, rows in awaited.items()}


@router.get("/plans/{plan_key}/events/preview")
def event_preview(
    request: Request, plan_key: str, key: str, occurred_on: date, due_on: date | None = None
) -> dict[str, Any]:
    """What the event would start, and each task's resulting due date; nothing changes."""
    who = require_plan_reader(request, plan_key)
    if not who.is_coordinator:
        raise AccessDenied("wrong_role")
    preview = web(request).reader.event_preview(plan_key, key, occurred_on, due_on)
    return {
        "key": preview.key,
        "occurred_on": preview.occurred_on.isoformat(),
        "needs_due_date": preview.needs_due_date,
        "starts": [
            {
                "task": s.task_code,
                "milestone": s.milestone_key,
                "due": _instant(s.due),
                "problem": s.problem,
            }
            for s in preview.starts
        ],
    }


@router.post("/plans/{plan_key}/events")
async def trigger_event(
    request: Request, plan_key: str, body: EventRequest, x_csrf_token: CsrfHeader = None
) -> dict[str, Any]:
    who = _coordinator(request, x_csrf_token)
    tasks = await web(request).acting.trigger_event(
        who,
        plan_key,
        key=body.key,
        occurred_on=body.occurred_on,
        decision=body.decision,
        due_on=body.due_on,
    )
    return {"key": body.key, "tasks": tasks}


@router.get("/units")
def units(request: Request) -> list[dict[str, str]]:
    _account_reader(request)
    with session_scope(web(request).settings.resolved_database_url()) as session:
        return [{"unit": u.code, "name": u.name, "role": u.role.value} for u in list_units(session)]


@router.post("/units/{unit_code}/link")
async def send_unit_link(
    request: Request, unit_code: str, body: LinkRequest, x_csrf_token: CsrfHeader = None
) -> dict[str, Any]:
    who = _coordinator(request, x_csrf_token)
    attempts = await web(request).acting.send_unit_link(who, unit_code, revoke_old=body.revoke_old)
    return {
        "delivered": any(a.delivered for a in attempts),
        "attempts": [
            {"channel": a.channel, "delivered": a.delivered, "answer": a.answer} for a in attempts
        ],
    }


@router.post("/imports")
async def import_plan(
    request: Request,
    file: Annotated[UploadFile, File()],
    year: Annotated[int | None, Form()] = None,
    until: Annotated[int | None, Form()] = None,
    x_csrf_token: CsrfHeader = None,
) -> dict[str, Any]:
    """Read an uploaded plan: its report and every milestone; nothing starts yet."""
    who = _coordinator(request, x_csrf_token)
    check = web(request).acting.check_import(
        who, file_name=file.filename or "plan", content=await file.read(), year=year, until=until
    )
    return _import_check(check)


@router.post("/imports/{sha256}/preview")
async def preview_import(
    request: Request, sha256: str, body: StartRequest, x_csrf_token: CsrfHeader = None
) -> dict[str, Any]:
    """The upload read again with the coordinator's corrections of its cells."""
    who = _coordinator(request, x_csrf_token)
    check = web(request).acting.recheck_import(
        who,
        sha256,
        year=body.year,
        until=body.until,
        fixes=[(fix.cell, fix.text) for fix in body.corrections],
    )
    return _import_check(check)


def _import_check(check: ImportCheck) -> dict[str, Any]:
    imported = check.imported
    return {
        "upload": check.sha256,
        "startable": check.startable,
        "problems": check.problems,
        "plan": {"key": imported.key, "title": imported.title, "year": imported.year}
        if imported
        else None,
        "errors": [{"where": e.where, "message": e.message} for e in imported.errors]
        if imported
        else [],
        "warnings": [{"where": w.where, "message": w.message} for w in imported.warnings]
        if imported
        else [],
        "cells_to_check": [
            {
                "cell": f"{c.task}:{c.field}",
                "row": c.row,
                "text": c.text,
                "level": c.level,
                "why": c.why,
            }
            for c in (imported.cells_to_check if imported else [])
        ],
        "new_units": [u.name for u in imported.new_units] if imported else [],
        "tasks": [
            {
                "task": p.task.code,
                "milestones": [
                    {
                        "key": m.milestone.key,
                        "label": m.milestone.label,
                        "due": _instant(m.milestone.due),
                    }
                    for m in p.milestones
                ],
            }
            for p in (check.preview.tasks if check.preview else [])
        ],
        "refused": [
            {"task": r.code, "text": r.text, "reason": r.reason}
            for r in (check.preview.refused if check.preview else [])
        ],
    }


@router.post("/imports/{sha256}/start")
async def start_import(
    request: Request, sha256: str, body: StartRequest, x_csrf_token: CsrfHeader = None
) -> dict[str, str]:
    who = _coordinator(request, x_csrf_token)
    plan_key = await web(request).acting.start_import(
        who,
        sha256,
        year=body.year,
        until=body.until,
        fixes=[(fix.cell, fix.text) for fix in body.corrections],
    )
    return {"plan": plan_key}
