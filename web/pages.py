"""The pages: sign-in, the plans side by side, a plan's dashboard, a task, a unit's own page
(from its link), the evidence form a message links to, the coordinator's forms, the
leadership's overview. A form's action redirects back with what came of it (POST, redirect,
GET), so a refusal is shown on the page the person was on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from control import access, refusal_words
from control.permissions import Actor
from models.tables import UnitRole
from notifications.links import InvalidLink
from storage.db import session_scope
from storage.overview import list_units, units_of_role
from storage.plans import get_plan
from web.acting import EvidenceForm, Refusal, Where
from web.actions import EngineRefused, EngineUnavailable
from web.auth import AccessDenied, Visitor
from web.context import (
    address,
    check_csrf,
    refusal_text,
    require_account,
    require_plan_reader,
    say,
    session_of,
    visitor,
    web,
    words,
)
from web.reading import Filters, NotFound
from web.rendering import channel_name, flash, plan_title, render
from web.tracking import TRACKING_ORDER, Tracking
from web.waiting import sent_by, waiting_for_coordinator

router = APIRouter(include_in_schema=False)

Csrf = Annotated[str, Form(alias="csrf")]


def _back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _safe_next(path: str | None) -> str:
    """Only a path of this site: never an address elsewhere."""
    if path and path.startswith("/") and not path.startswith("//"):
        return path
    return "/"


def _task_path(plan_key: str, task_code: str) -> str:
    return f"/plans/{quote(plan_key, safe='')}/tasks/{quote(task_code, safe='')}"


def _milestone_path(plan_key: str, task_code: str, milestone_key: str) -> str:
    return f"{_task_path(plan_key, task_code)}/milestones/{quote(milestone_key, safe='')}/evidence"


def _date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise Refusal("bad_date", detail=value) from error


def _required_date(value: str) -> date:
    found = _date(value)
    if found is None:
        raise Refusal("bad_date", detail=say("done", "empty"))
    return found


def _coordinator(request: Request) -> Visitor:
    who = require_account(request)
    if not who.is_coordinator:
        raise AccessDenied("wrong_role")
    return who


# ----------------------------------------------------------------------------- signing in


@router.get("/")
def home(request: Request, agency: str = "") -> Response:
    """The plans side by side, grouped by agency; `?agency=<code>` shows one agency's. An
    account of one agency sees that agency's."""
    who = visitor(request)
    if who.account is not None:
        if who.account.must_change_password:
            return _back("/account/password")
        context = web(request)
        chosen = who.account.agency or agency.strip()
        plans = context.reader.plans(context.clock(), agency=chosen)
        return render(
            request,
            "home.html",
            {
                "plans": plans,
                "order": TRACKING_ORDER,
                "agencies": context.reader.agencies(),
                "chosen": chosen,
                "fixed": bool(who.account.agency),
            },
        )
    if who.unit is not None:
        return _back("/unit")
    return _back("/login")


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login")
def login(
    request: Request,
    csrf: Csrf,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    context = web(request)
    try:
        who = check_csrf(request, csrf)
    except Refusal as refusal:
        flash(request, "error", refusal_text(refusal))
        return _back("/login")
    name = name.strip().lower()
    if not (
        context.limits.sign_in_address.allow(address(request))
        and context.limits.sign_in_name.allow(name)
    ):
        flash(request, "error", refusal_text(Refusal("too_many")))
        return render(request, "login.html", {"next": _safe_next(next)}, status=429)
    account = access.signed_in_account(context.settings, name, password)
    if account is None:
        flash(request, "error", refusal_text(Refusal("sign_in_failed")))
        return _back(f"/login?next={quote(_safe_next(next))}")
    context.sessions.sign_in(session_of(request), account.name)
    request.state.visitor = None
    who = visitor(request)
    context.acting.audit(who, Actor(account.name, account.role), "sign_in", Where())
    if account.must_change_password:
        return _back("/account/password")
    return _back(_safe_next(next))


@router.post("/logout")
def logout(request: Request, csrf: Csrf) -> Response:
    check_csrf(request, csrf)
    web(request).sessions.sign_out(session_of(request))
    return _back("/login")


@router.get("/account/password")
def password_page(request: Request) -> Response:
    require_account(request)
    return render(request, "password.html", {})


@router.post("/account/password")
def change_password(
    request: Request,
    csrf: Csrf,
    current: Annotated[str, Form()],
    new: Annotated[str, Form()],
    again: Annotated[str, Form()],
) -> Response:
    who = require_account(request)
    check_csrf(request, csrf)
    context = web(request)
    assert who.account is not None
    try:
        if new != again:
            raise access.AccessRefused("the two new passwords differ")
        access.change_password(context.settings, who.account.name, current=current, new=new)
    except access.AccessRefused as refused:
        reason = refusal_words.refusal(str(refused))
        flash(request, "error", say("done", "password_not_changed", reason=reason))
        return _back("/account/password")
    context.sessions.sign_in(session_of(request), who.account.name)
    flash(request, "ok", say("done", "password_changed"))
    return _back("/")


# ----------------------------------------------------------------------------- units


def _open_link(request: Request, token: str) -> None:
    context = web(request)
    if not context.limits.link_use.allow(address(request)):
        raise Refusal("too_many", status=429)
    try:
        claim = access.read_unit_link(context.settings, token, now=context.clock())
    except InvalidLink as error:
        raise Refusal("bad_link", status=401, detail=str(error)) from error
    context.sessions.open_link(session_of(request), claim)
    request.state.visitor = None


@router.get("/u/{token}")
def unit_link(request: Request, token: str) -> Response:
    _open_link(request, token)
    return _back("/unit")


@router.get("/unit")
def unit_page(request: Request) -> Response:
    who = visitor(request)
    if who.unit is None:
        raise Refusal("bad_link", status=401)
    context = web(request)
    page = context.reader.unit(who.unit.code, context.clock())
    link = access.unit_links(context.settings).token(who.unit.code, issued_at=who.unit.issued_at)
    return render(
        request,
        "unit.html",
        {
            "page": page,
            "calendar_token": link,
            "order": TRACKING_ORDER,
            "sent": sent_by(context.settings, who.unit.code),
        },
    )


@router.get("/plans/{plan_key}/tasks/{task_code}/milestones/{milestone_key}/evidence")
def evidence_page(
    request: Request, plan_key: str, task_code: str, milestone_key: str, t: str = ""
) -> Response:
    """Where every message's link points. With the link's token: the unit is recognised and
    sent on to the same page without it (the token stays out of the address bar)."""
    path = _milestone_path(plan_key, task_code, milestone_key)
    if t:
        _open_link(request, t)
        return _back(path)
    who = visitor(request)
    context = web(request)
    if who.unit is None:
        if who.account is not None:
            return _back(f"{_task_path(plan_key, task_code)}#m-{quote(milestone_key, safe='')}")
        return render(request, "link_needed.html", {"next": path}, status=401)
    plan, shown = context.reader.milestone(plan_key, task_code, milestone_key, context.clock())
    if who.unit.code not in shown.row.lead_units + shown.row.coordinating_units:
        if who.unit.code in _office_units(request):
            # An escalation's link, opened by the coordinator's office or the leadership: the
            # task's page is theirs (after signing in).
            return _back(f"{_task_path(plan_key, task_code)}#m-{quote(milestone_key, safe='')}")
        raise Refusal("not_your_task", status=403)
    requests = [
        r
        for r in sent_by(context.settings, who.unit.code).requests
        if (r.plan.key, r.task_code, r.milestone_key) == (plan_key, task_code, milestone_key)
    ]
    return render(
        request,
        "evidence.html",
        {
            "plan": plan,
            "shown": shown,
            "leads": who.unit.code in shown.row.lead_units,
            "path": path,
            "unit_names": _unit_names(request),
            "requests": requests,
        },
    )


def _office_units(request: Request) -> set[str]:
    """The units that are an agency's coordinator's office or leadership."""
    with session_scope(web(request).settings.resolved_database_url()) as session:
        return {
            *units_of_role(session, UnitRole.COORDINATOR),
            *units_of_role(session, UnitRole.LEADERSHIP),
        }


def _lead_candidates(request: Request, agency_id: int) -> dict[str, str]:
    """The units that may lead a task of the agency's plan: its own units, the coordinator's
    office among them, never the leadership (who assigns the work, not does it)."""
    with session_scope(web(request).settings.resolved_database_url()) as session:
        return {
            unit.code: unit.name
            for unit in list_units(session)
            if unit.agency_id == agency_id and unit.role is not UnitRole.LEADERSHIP
        }


def _unit_names(request: Request) -> dict[str, str]:
    with session_scope(web(request).settings.resolved_database_url()) as session:
        return {unit.code: unit.name for unit in list_units(session)}


@router.post("/plans/{plan_key}/tasks/{task_code}/milestones/{milestone_key}/evidence")
async def submit_evidence(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    csrf: Csrf,
    document_number: Annotated[str, Form()] = "",
    document_date: Annotated[str, Form()] = "",
    link: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    path = _milestone_path(plan_key, task_code, milestone_key)
    try:
        who = check_csrf(request, csrf)
        content = await file.read() if file is not None and file.filename else None
        form = EvidenceForm(
            document_number=document_number,
            document_date=_date(document_date),
            link=link.strip(),
            note=note,
            file_name=file.filename or "" if file is not None else "",
            file_content=content,
        )
        shown = await web(request).acting.submit_evidence(
            who, plan_key, task_code, milestone_key, form
        )
    except Refusal as refusal:
        flash(request, "error", refusal_text(refusal))
        return _back(path)
    label = words()["tracking"][shown.tracking.value]["label"]
    flash(request, "ok", say("done", "evidence_received", state=label.lower()))
    return _back(path)


@router.post("/plans/{plan_key}/tasks/{task_code}/milestones/{milestone_key}/extension-request")
async def request_extension(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    csrf: Csrf,
    until: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    path = _milestone_path(plan_key, task_code, milestone_key)
    try:
        who = check_csrf(request, csrf)
        await web(request).acting.request_extension(
            who,
            plan_key,
            task_code,
            milestone_key,
            until=_required_date(until),
            reason=reason,
            confirmed=confirmed,
        )
    except Refusal as refusal:
        flash(request, "error", refusal_text(refusal))
        return _back(path)
    flash(request, "ok", say("done", "extension_asked"))
    return _back(path)


# ----------------------------------------------------------------------------- plans


@router.get("/plans/{plan_key}")
def dashboard(
    request: Request,
    plan_key: str,
    section: str = "",
    unit: str = "",
    state: str = "",
    q: Annotated[str, Query()] = "",
    page: int = 1,
) -> Response:
    who = visitor(request)
    if who.account is None and who.unit is not None:
        # A unit that follows a message's plan link sees its own part of the plan.
        return _back("/unit")
    require_plan_reader(request, plan_key)
    context = web(request)
    filters = Filters(section, unit, state, q.strip(), page)
    board = context.reader.dashboard(plan_key, filters, context.clock())
    if request.headers.get("hx-request"):
        return render(request, "_rows.html", {"board": board, "order": TRACKING_ORDER})
    waiting = waiting_for_coordinator(context.settings, plan_key) if who.is_coordinator else None
    return render(
        request, "dashboard.html", {"board": board, "order": TRACKING_ORDER, "waiting": waiting}
    )


@router.get("/plans/{plan_key}/tasks/{task_code}")
async def task_page(request: Request, plan_key: str, task_code: str) -> Response:
    require_plan_reader(request, plan_key)
    context = web(request)
    detail = context.reader.task(plan_key, task_code, context.clock())
    history: list[object] = []
    history_problem = ""
    try:
        history = list(await context.engine.task_history(plan_key, task_code))
    except (EngineRefused, EngineUnavailable) as error:
        # The page stands without the engine's own history (the worker may be down).
        history_problem = str(error) or type(error).__name__
    return render(
        request,
        "task.html",
        {
            "detail": detail,
            "history": history,
            "history_problem": history_problem,
            "units": _lead_candidates(request, detail.plan.agency_id),
            "Tracking": Tracking,
        },
    )


@router.post("/plans/{plan_key}/tasks/{task_code}/milestones/{milestone_key}/extension")
async def decide_extension(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    csrf: Csrf,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    until: Annotated[str, Form()] = "",
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    path = f"{_task_path(plan_key, task_code)}#m-{quote(milestone_key, safe='')}"
    acting = web(request).acting
    try:
        who = check_csrf(request, csrf)
        if decision == "grant":
            new_due = _required_date(until)
            await acting.grant_extension(
                who,
                plan_key,
                task_code,
                milestone_key,
                until=new_due,
                reason=reason,
                confirmed=confirmed,
            )
            flash(
                request,
                "ok",
                say(
                    "done",
                    "extension_granted",
                    milestone=milestone_key,
                    until=f"{new_due:%d/%m/%Y}",
                ),
            )
        else:
            await acting.refuse_extension(who, plan_key, task_code, milestone_key, reason=reason)
            flash(request, "ok", say("done", "extension_refused", milestone=milestone_key))
    except Refusal as refusal:
        flash(request, "error", refusal_text(refusal))
    return _back(path)


@router.post("/plans/{plan_key}/tasks/{task_code}/milestones/{milestone_key}/review")
async def review_evidence(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    csrf: Csrf,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    path = f"{_task_path(plan_key, task_code)}#m-{quote(milestone_key, safe='')}"
    try:
        who = check_csrf(request, csrf)
        accept = decision == "accept"
        await web(request).acting.review_evidence(
            who, plan_key, task_code, milestone_key, accept=accept, reason=reason
        )
        flash(
            request,
            "ok",
            say("done", "evidence_accepted" if accept else "evidence_rejected"),
        )
    except Refusal as refusal:
        flash(request, "error", refusal_text(refusal))
    return _back(path)


@router.post("/plans/{plan_key}/tasks/{task_code}/reassign")
async def reassign(
    request: Request,
    plan_key: str,
    task_code: str,
    csrf: Csrf,
    reason: Annotated[str, Form()],
    lead_units: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        who = check_csrf(request, csrf)
        await web(request).acting.reassign(
            who, plan_key, task_code, lead_units=list(lead_units or []), reason=reason
        )
        flash(request, "ok", say("done", "reassigned"))
    except Refusal as refusal:
        flash(request, "error", refusal_text(refusal))
    return _back(_task_path(plan_key, task_code))


@router.post("/plans/{plan_key}/tasks/{task_code}/close")
async def close_task(
    request: Request,
    plan_key: str,
    task_code: str,
    csrf: Csrf,
    reason: Annotated[str, Form()],
    outcome: Annotated[str, Form()] = "cancel",
) -> Response:
    try:
        who = check_csrf(request, csrf)
        carry_over = outcome == "carry_over"
        await web(request).acting.close_task(
            who, plan_key, task_code, reason=reason, carry_over=carry_over
        )
        flash(request, "ok", say("done", "carried_over" if carry_over else "cancelled"))
    except Refusal as refusal:
        flash(request, "error", refusal_text(refusal))
    return _back(_task_path(plan_key, task_code))


# ----------------------------------------------------------------------------- events


@router.get("/plans/{plan_key}/events")
def events_page(
    request: Request,
    plan_key: str,
    key: str = "",
    occurred_on: str = "",
    due_on: str = "",
    decision: str = "",
) -> Response:
    """Choose the event; then the preview: which tasks it starts, each with its due date."""
    _coordinator(request)
    require_plan_reader(request, plan_key)
    context = web(request)
    awaited = context.reader.awaited_events(plan_key)
    preview = None
    problem = ""
    if key:
        try:
            preview = context.reader.event_preview(
                plan_key, key, _date(occurred_on) or context.today(), _date(due_on)
            )
        except Refusal as refusal:
            problem = refusal_text(refusal)
        except NotFound:
            problem = say(
                "done", "nothing_waits", key=context.reader.event_names(plan_key).get(key, key)
            )
    return render(
        request,
        "events.html",
        {
            "plan_key": plan_key,
            "awaited": awaited,
            "event_names": context.reader.event_names(plan_key),
            "preview": preview,
            "problem": problem,
            "chosen": {
                "key": key,
                "occurred_on": occurred_on or context.today().isoformat(),
                "due_on": due_on,
                "decision": decision,
            },
            "unit_names": _unit_names(request),
        },
    )


@router.post("/plans/{plan_key}/events")
async def trigger_event(
    request: Request,
    plan_key: str,
    csrf: Csrf,
    key: Annotated[str, Form()],
    occurred_on: Annotated[str, Form()],
    decision: Annotated[str, Form()] = "",
    due_on: Annotated[str, Form()] = "",
) -> Response:
    try:
        who = check_csrf(request, csrf)
        tasks = await web(request).acting.trigger_event(
            who,
            plan_key,
            key=key,
            occurred_on=_required_date(occurred_on),
            decision=decision,
            due_on=_date(due_on),
        )
    except Refusal as refusal:
        flash(request, "error", refusal_text(refusal))
        # Back to the preview as it was filled in, to correct what was refused.
        kept = urlencode(
            {"key": key, "occurred_on": occurred_on, "decision": decision, "due_on": due_on}
        )
        return _back(f"/plans/{quote(plan_key, safe='')}/events?{kept}")
    name = web(request).reader.event_names(plan_key).get(key, key)
    flash(
        request,
        "ok",
        say("done", "event_recorded", key=name, count=len(tasks), tasks=", ".join(tasks)),
    )
    return _back(f"/plans/{quote(plan_key, safe='')}?state={Tracking.WAITING_EVENT.value}")


# ----------------------------------------------------------------------------- units (coordinator)


@router.get("/units")
def units_page(request: Request) -> Response:
    _coordinator(request)
    with session_scope(web(request).settings.resolved_database_url()) as session:
        units = list_units(session)
    return render(request, "units.html", {"units": units})


@router.post("/units/{unit_code}/link")
async def send_unit_link(
    request: Request,
    unit_code: str,
    csrf: Csrf,
    revoke_old: Annotated[str, Form()] = "",
) -> Response:
    try:
        who = check_csrf(request, csrf)
        attempts = await web(request).acting.send_unit_link(
            who, unit_code, revoke_old=bool(revoke_old)
        )
        sent = [a for a in attempts if a.delivered]
        unit = _unit_names(request).get(unit_code, unit_code)
        if sent:
            channel = channel_name(sent[0].channel)
            flash(request, "ok", say("done", "link_sent", unit=unit, channel=channel))
        else:
            # Each channel by its kind; what its server answered is in the log.
            answers = ", ".join(channel_name(a.channel) for a in attempts) or say(
                "done", "no_channel"
            )
            flash(request, "error", say("done", "link_not_sent", unit=unit, answers=answers))
    except Refusal as refusal:
        flash(request, "error", refusal_text(refusal))
    return _back("/units")


# ----------------------------------------------------------------------------- import


@router.get("/import")
def import_page(request: Request) -> Response:
    _coordinator(request)
    return render(request, "import.html", {"check": None})


@router.post("/import")
async def import_upload(
    request: Request,
    csrf: Csrf,
    file: Annotated[UploadFile, File()],
    year: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
) -> Response:
    try:
        who = check_csrf(request, csrf)
        content = await file.read()
        check = web(request).acting.check_import(
            who,
            file_name=file.filename or "plan",
            content=content,
            year=_year(year),
            until=_year(until),
        )
    except Refusal as refusal:
        flash(request, "error", refusal_text(refusal))
        return _back("/import")
    return render(request, "import.html", {"check": check, "unit_names": _unit_names(request)})


@dataclass(frozen=True)
class ImportForm:
    """The import page's fields read again and on start: the years and the corrected cells."""

    year: int | None
    until: int | None
    fixes: list[tuple[str, str]]


def import_form(
    year: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
    fix_cell: Annotated[list[str] | None, Form()] = None,
    fix_was: Annotated[list[str] | None, Form()] = None,
    fix_text: Annotated[list[str] | None, Form()] = None,
) -> ImportForm:
    # A field beside a refusal counts when the coordinator changed it from what the document says.
    fixes = [
        (cell, text.strip())
        for cell, before, text in zip(fix_cell or [], fix_was or [], fix_text or [], strict=False)
        if text.strip() != before.strip()
    ]
    return ImportForm(_year(year), _year(until), fixes)


ImportFields = Annotated[ImportForm, Depends(import_form)]


@router.post("/import/{sha256}/preview")
async def import_preview(request: Request, sha256: str, csrf: Csrf, form: ImportFields) -> Response:
    """The upload read again with the cells the coordinator corrected beside each refusal."""
    try:
        who = check_csrf(request, csrf)
        check = web(request).acting.recheck_import(
            who, sha256, year=form.year, until=form.until, fixes=form.fixes
        )
    except Refusal as refusal:
        flash(request, "error", refusal_text(refusal))
        return _back("/import")
    return render(request, "import.html", {"check": check, "unit_names": _unit_names(request)})


@router.post("/import/{sha256}/start")
async def import_start(request: Request, sha256: str, csrf: Csrf, form: ImportFields) -> Response:
    try:
        who = check_csrf(request, csrf)
        plan_key = await web(request).acting.start_import(
            who, sha256, year=form.year, until=form.until, fixes=form.fixes
        )
    except Refusal as refusal:
        flash(request, "error", refusal_text(refusal))
        return _back("/import")
    with session_scope(web(request).settings.resolved_database_url()) as session:
        started = get_plan(session, plan_key)
        name = plan_title(started) if started is not None else plan_key
    flash(request, "ok", say("done", "plan_started", plan=name))
    return _back(f"/plans/{quote(plan_key, safe='')}")


def _year(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


# ----------------------------------------------------------------------------- leadership


@router.get("/overview")
def overview(request: Request, agency: str = "") -> Response:
    """Every plan's figures, or one agency's (`?agency=`; an account of one agency: its own)."""
    who = require_account(request)
    context = web(request)
    chosen = (who.account.agency if who.account else "") or agency.strip()
    found = context.reader.overview(context.clock(), agency=chosen)
    return render(request, "overview.html", {"overview": found, "order": TRACKING_ORDER})
