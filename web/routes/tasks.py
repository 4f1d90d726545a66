"""A task: its page and reading, the evidence form a message links to, and every action on
its milestones (evidence, extension asked, granted or refused, evidence reviewed) and on the
task (reassigned, cancelled, carried over)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from web.acting import EvidenceForm, Refusal
from web.actions import EngineRefused, EngineUnavailable
from web.auth import Visitor
from web.context import say, words
from web.deps import Checked, PlanReader, Who, open_link, plan_reader, web
from web.forms import (
    acted,
    back,
    evidence_path,
    form_date,
    milestone_anchor,
    required_date,
    task_path,
)
from web.reading import Shown, TaskDetail
from web.rendering import render
from web.schemas import (
    AuditOut,
    Closed,
    CloseRequest,
    DecisionDone,
    EvidenceDecision,
    EvidenceDone,
    EvidenceOut,
    ExtensionAsk,
    ExtensionAsked,
    ExtensionDecision,
    MilestoneOut,
    NotificationOut,
    Planned,
    Reassigned,
    ReassignRequest,
    Review,
    Row,
    TaskOut,
    instant,
)
from web.tracking import Tracking

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["tasks"])
MILESTONE = "/plans/{plan_key}/tasks/{task_code}/milestones/{milestone_key}"


def task_of(request: Request, plan_key: str, task_code: str) -> TaskDetail:
    context = web(request)
    return context.reader.task(plan_key, task_code, context.clock())


# ----------------------------------------------------------------------------- reading


@pages.get("/plans/{plan_key}/tasks/{task_code}")
async def task_page(request: Request, plan_key: str, task_code: str, who: PlanReader) -> Response:
    context = web(request)
    detail = task_of(request, plan_key, task_code)
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
            "units": context.reader.all_unit_names(),
            "Tracking": Tracking,
        },
    )


@api.get("/plans/{plan_key}/tasks/{task_code}", response_model=TaskOut)
def task(request: Request, plan_key: str, task_code: str, who: PlanReader) -> TaskOut:
    detail = task_of(request, plan_key, task_code)
    return TaskOut(
        plan=detail.plan.key,
        task=detail.task.task_code,
        title=detail.task.title,
        deadline_text=detail.task.deadline_text,
        lead_units=list(detail.task.lead_units),
        coordinating_units=list(detail.task.coordinating_units),
        milestones=[
            MilestoneOut(
                **Row.of(m.shown).model_dump(),
                planned=[Planned.of(p) for p in m.planned],
                evidence=[
                    EvidenceOut(
                        document_number=e.document_number,
                        document_date=e.document_date.isoformat() if e.document_date else None,
                        link=e.link,
                        file=e.file_ref,
                        submitted_by=e.submitted_by,
                        submitted_at=instant(e.submitted_at),
                        on_time=e.on_time,
                        reviews=[Review.of(r) for r in m.reviews.get(e.id or 0, [])],
                    )
                    for e in m.evidence
                ],
                pending_extension=m.pending_extension.details if m.pending_extension else None,
            )
            for m in detail.milestones
        ],
        notifications=[NotificationOut.of(n) for n in detail.notifications],
        audit=[AuditOut.of(a) for a in detail.audit],
    )


# ----------------------------------------------------------------------------- the evidence form


@pages.get(MILESTONE + "/evidence")
def evidence_page(
    request: Request, plan_key: str, task_code: str, milestone_key: str, who: Who, t: str = ""
) -> Response:
    """Where every message's link points. With the link's token: the unit is recognised and
    sent on to the same page without it (the token stays out of the address bar)."""
    path = evidence_path(plan_key, task_code, milestone_key)
    if t:
        open_link(request, t)
        return back(path)
    context = web(request)
    if who.unit is None:
        if who.account is not None:
            plan_reader(request, plan_key)
            return back(milestone_anchor(plan_key, task_code, milestone_key))
        return render(request, "link_needed.html", {"next": path}, status=401)
    plan, shown = context.reader.milestone(plan_key, task_code, milestone_key, context.clock())
    if who.unit.code not in shown.row.lead_units + shown.row.coordinating_units:
        if who.unit.code in context.reader.office_units():
            # An escalation's link, opened by the coordinator's office or the leadership: the
            # task's page is theirs (after signing in).
            return back(milestone_anchor(plan_key, task_code, milestone_key))
        raise Refusal("not_your_task", status=403)
    return render(
        request,
        "evidence.html",
        {
            "plan": plan,
            "shown": shown,
            "leads": who.unit.code in shown.row.lead_units,
            "path": path,
            "unit_names": context.reader.all_unit_names(),
        },
    )


# ----------------------------------------------------------------------------- a unit acts


async def submit_evidence(
    request: Request,
    who: Visitor,
    where: tuple[str, str, str],
    form: EvidenceForm,
) -> Shown:
    plan_key, task_code, milestone_key = where
    return await web(request).acting.submit_evidence(who, plan_key, task_code, milestone_key, form)


async def _evidence_form(
    document_number: str,
    document_date: date | None,
    link: str,
    note: str,
    file: UploadFile | None,
) -> EvidenceForm:
    content = await file.read() if file is not None and file.filename else None
    return EvidenceForm(
        document_number=document_number,
        document_date=document_date,
        link=link.strip(),
        note=note,
        file_name=(file.filename or "") if file is not None else "",
        file_content=content,
    )


@pages.post(MILESTONE + "/evidence")
async def evidence_sent(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    who: Checked,
    document_number: Annotated[str, Form()] = "",
    document_date: Annotated[str, Form()] = "",
    link: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    async def act() -> Shown:
        form = await _evidence_form(document_number, form_date(document_date), link, note, file)
        return await submit_evidence(request, who, (plan_key, task_code, milestone_key), form)

    def said(shown: Shown) -> str:
        label = words()["tracking"][shown.tracking.value]["label"]
        return say("done", "evidence_received", state=label.lower())

    path = evidence_path(plan_key, task_code, milestone_key)
    return await acted(request, act, to=path, said=said)


@api.post(MILESTONE + "/evidence", response_model=EvidenceDone)
async def api_submit_evidence(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    who: Checked,
    document_number: Annotated[str, Form()] = "",
    document_date: Annotated[date | None, Form()] = None,
    link: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> EvidenceDone:
    form = await _evidence_form(document_number, document_date, link, note, file)
    shown = await submit_evidence(request, who, (plan_key, task_code, milestone_key), form)
    return EvidenceDone(**Row.of(shown).model_dump())


@pages.post(MILESTONE + "/extension-request")
async def extension_asked(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    who: Checked,
    until: Annotated[str, Form()],
    reason: Annotated[str, Form()],
) -> Response:
    async def act() -> None:
        await web(request).acting.request_extension(
            who, plan_key, task_code, milestone_key, until=required_date(until), reason=reason
        )

    path = evidence_path(plan_key, task_code, milestone_key)
    return await acted(request, act, to=path, said=lambda _: say("done", "extension_asked"))


@api.post(MILESTONE + "/extension-request", response_model=ExtensionAsked)
async def request_extension(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    body: ExtensionAsk,
    who: Checked,
) -> ExtensionAsked:
    await web(request).acting.request_extension(
        who, plan_key, task_code, milestone_key, until=body.until, reason=body.reason
    )
    return ExtensionAsked()


# ----------------------------------------------------------------------------- the coordinator acts


async def decide_extension(
    request: Request, who: Visitor, where: tuple[str, str, str], decision: ExtensionDecision
) -> None:
    acting = web(request).acting
    plan_key, task_code, milestone_key = where
    if decision.decision == "grant":
        if decision.until is None:
            raise Refusal("bad_date", detail="until")
        await acting.grant_extension(
            who, plan_key, task_code, milestone_key, until=decision.until, reason=decision.reason
        )
    else:
        await acting.refuse_extension(
            who, plan_key, task_code, milestone_key, reason=decision.reason
        )


@pages.post(MILESTONE + "/extension")
async def extension_decided(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    who: Checked,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    until: Annotated[str, Form()] = "",
) -> Response:
    grant = decision == "grant"

    async def act() -> None:
        chosen = ExtensionDecision(
            decision="grant" if grant else "refuse",
            reason=reason,
            until=required_date(until) if grant else None,
        )
        await decide_extension(request, who, (plan_key, task_code, milestone_key), chosen)

    def said(_: None) -> str:
        if grant:
            return say("done", "extension_granted", milestone=milestone_key, until=until)
        return say("done", "extension_refused", milestone=milestone_key)

    anchor = milestone_anchor(plan_key, task_code, milestone_key)
    return await acted(request, act, to=anchor, said=said)


@api.post(MILESTONE + "/extension", response_model=DecisionDone)
async def api_decide_extension(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    body: ExtensionDecision,
    who: Checked,
) -> DecisionDone:
    await decide_extension(request, who, (plan_key, task_code, milestone_key), body)
    return DecisionDone(decision=body.decision)


@pages.post(MILESTONE + "/review")
async def evidence_reviewed(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    who: Checked,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    accept = decision == "accept"

    async def act() -> None:
        await web(request).acting.review_evidence(
            who, plan_key, task_code, milestone_key, accept=accept, reason=reason
        )

    said = say("done", "evidence_accepted" if accept else "evidence_rejected")
    anchor = milestone_anchor(plan_key, task_code, milestone_key)
    return await acted(request, act, to=anchor, said=lambda _: said)


@api.post(MILESTONE + "/review", response_model=DecisionDone)
async def review_evidence(
    request: Request,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    body: EvidenceDecision,
    who: Checked,
) -> DecisionDone:
    await web(request).acting.review_evidence(
        who,
        plan_key,
        task_code,
        milestone_key,
        accept=body.decision == "accept",
        reason=body.reason,
    )
    return DecisionDone(decision=body.decision)


@pages.post("/plans/{plan_key}/tasks/{task_code}/reassign")
async def reassigned(
    request: Request,
    plan_key: str,
    task_code: str,
    who: Checked,
    reason: Annotated[str, Form()],
    lead_units: Annotated[list[str] | None, Form()] = None,
) -> Response:
    async def act() -> None:
        await web(request).acting.reassign(
            who, plan_key, task_code, lead_units=list(lead_units or []), reason=reason
        )

    path = task_path(plan_key, task_code)
    return await acted(request, act, to=path, said=lambda _: say("done", "reassigned"))


@api.post("/plans/{plan_key}/tasks/{task_code}/reassign", response_model=Reassigned)
async def reassign(
    request: Request, plan_key: str, task_code: str, body: ReassignRequest, who: Checked
) -> Reassigned:
    await web(request).acting.reassign(
        who, plan_key, task_code, lead_units=body.lead_units, reason=body.reason
    )
    return Reassigned(lead_units=body.lead_units)


@pages.post("/plans/{plan_key}/tasks/{task_code}/close")
async def closed(
    request: Request,
    plan_key: str,
    task_code: str,
    who: Checked,
    reason: Annotated[str, Form()],
    outcome: Annotated[str, Form()] = "cancel",
) -> Response:
    carry_over = outcome == "carry_over"

    async def act() -> None:
        await web(request).acting.close_task(
            who, plan_key, task_code, reason=reason, carry_over=carry_over
        )

    said = say("done", "carried_over" if carry_over else "cancelled")
    return await acted(request, act, to=task_path(plan_key, task_code), said=lambda _: said)


@api.post("/plans/{plan_key}/tasks/{task_code}/close", response_model=Closed)
async def close(
    request: Request, plan_key: str, task_code: str, body: CloseRequest, who: Checked
) -> Closed:
    await web(request).acting.close_task(
        who, plan_key, task_code, reason=body.reason, carry_over=body.carry_over
    )
    return Closed(closed="carried_over" if body.carry_over else "cancelled")
