"""A milestone: the evidence form every message links to, and what is done on it (evidence
delivered, more time asked, granted or refused, evidence accepted or rejected)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from web.acting import EvidenceForm
from web.auth import Visitor
from web.context import say, words
from web.deps import Checked, Milestone, MilestoneAt, Who, open_link, plan_reader, web
from web.forms import acted, back, evidence_path, form_date, milestone_anchor, required_date
from web.refusals import Refusal
from web.rendering import render
from web.schemas import (
    PROBLEMS,
    DecisionDone,
    EvidenceDecision,
    EvidenceDone,
    ExtensionAsk,
    ExtensionAsked,
    ExtensionDecision,
    Row,
)
from web.views import Shown
from web.waiting import sent_by

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["milestones"], responses=PROBLEMS)
MILESTONE = "/plans/{plan_key}/tasks/{task_code}/milestones/{milestone_key}"


def _path(at: MilestoneAt) -> str:
    return evidence_path(at.plan_key, at.task_code, at.milestone_key)


def _anchor(at: MilestoneAt) -> str:
    return milestone_anchor(at.plan_key, at.task_code, at.milestone_key)


# ----------------------------------------------------------------------------- the evidence form


@pages.get(MILESTONE + "/evidence")
def evidence_page(request: Request, at: Milestone, who: Who, t: str = "") -> Response:
    """Where every message's link points. With the link's token: the unit is recognised and
    sent on to the same page without it (the token stays out of the address bar)."""
    if t:
        open_link(request, t)
        return back(_path(at))
    context = web(request)
    if who.unit is None:
        if who.account is not None:
            plan_reader(request, at.plan_key)
            return back(_anchor(at))
        return render(request, "link_needed.html", {"next": _path(at)}, status=401)
    plan, shown = context.reader.milestone(
        at.plan_key, at.task_code, at.milestone_key, context.clock()
    )
    if who.unit.code not in shown.row.lead_units + shown.row.coordinating_units:
        if who.unit.code in context.units.office_units():
            # An escalation's link, opened by the coordinator's office or the leadership: the
            # task's page is theirs (after signing in).
            return back(_anchor(at))
        raise Refusal("not_your_task", status=403)
    requests = [
        r
        for r in sent_by(context.settings, who.unit.code).requests
        if (r.plan.key, r.task_code, r.milestone_key)
        == (at.plan_key, at.task_code, at.milestone_key)
    ]
    return render(
        request,
        "evidence.html",
        {
            "requests": requests,
            "plan": plan,
            "shown": shown,
            "leads": who.unit.code in shown.row.lead_units,
            "path": _path(at),
            "unit_names": context.units.all_unit_names(),
        },
    )


# ----------------------------------------------------------------------------- a unit acts


async def submit_evidence(
    request: Request, who: Visitor, at: MilestoneAt, form: EvidenceForm
) -> Shown:
    acting = web(request).acting
    return await acting.submit_evidence(who, at.plan_key, at.task_code, at.milestone_key, form)


async def _evidence_form(
    document_number: str, document_date: date | None, link: str, note: str, file: UploadFile | None
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
    at: Milestone,
    who: Checked,
    document_number: Annotated[str, Form()] = "",
    document_date: Annotated[str, Form()] = "",
    link: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    async def act() -> Shown:
        form = await _evidence_form(document_number, form_date(document_date), link, note, file)
        return await submit_evidence(request, who, at, form)

    def said(shown: Shown) -> str:
        label = words()["tracking"][shown.tracking.value]["label"]
        return say("done", "evidence_received", state=label.lower())

    return await acted(request, act, to=_path(at), said=said)


@api.post(MILESTONE + "/evidence", response_model=EvidenceDone)
async def api_submit_evidence(
    request: Request,
    at: Milestone,
    who: Checked,
    document_number: Annotated[str, Form()] = "",
    document_date: Annotated[date | None, Form()] = None,
    link: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> EvidenceDone:
    form = await _evidence_form(document_number, document_date, link, note, file)
    shown = await submit_evidence(request, who, at, form)
    return EvidenceDone(**Row.of(shown).model_dump())


async def ask_extension(request: Request, who: Visitor, at: MilestoneAt, ask: ExtensionAsk) -> None:
    await web(request).acting.request_extension(
        who,
        at.plan_key,
        at.task_code,
        at.milestone_key,
        until=ask.until,
        reason=ask.reason,
        confirmed=ask.confirmed,
    )


@pages.post(MILESTONE + "/extension-request")
async def extension_asked(
    request: Request,
    at: Milestone,
    who: Checked,
    until: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    async def act() -> None:
        ask = ExtensionAsk(until=required_date(until), reason=reason, confirmed=confirmed)
        await ask_extension(request, who, at, ask)

    return await acted(request, act, to=_path(at), said=lambda _: say("done", "extension_asked"))


@api.post(MILESTONE + "/extension-request", response_model=ExtensionAsked)
async def request_extension(
    request: Request, at: Milestone, body: ExtensionAsk, who: Checked
) -> ExtensionAsked:
    await ask_extension(request, who, at, body)
    return ExtensionAsked()


# ----------------------------------------------------------------------------- the coordinator acts


async def decide_extension(
    request: Request, who: Visitor, at: MilestoneAt, decision: ExtensionDecision
) -> None:
    acting = web(request).acting
    where = (at.plan_key, at.task_code, at.milestone_key)
    if decision.decision == "grant":
        if decision.until is None:
            raise Refusal("bad_date", detail="until")
        await acting.grant_extension(
            who,
            *where,
            until=decision.until,
            reason=decision.reason,
            confirmed=decision.confirmed,
        )
    else:
        await acting.refuse_extension(who, *where, reason=decision.reason)


@pages.post(MILESTONE + "/extension")
async def extension_decided(
    request: Request,
    at: Milestone,
    who: Checked,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    until: Annotated[str, Form()] = "",
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    grant = decision == "grant"

    async def act() -> None:
        chosen = ExtensionDecision(
            decision="grant" if grant else "refuse",
            reason=reason,
            until=required_date(until) if grant else None,
            confirmed=confirmed,
        )
        await decide_extension(request, who, at, chosen)

    def said(_: None) -> str:
        if grant:
            new_due = required_date(until)
            return say(
                "done", "extension_granted", milestone=at.milestone_key, until=f"{new_due:%d/%m/%Y}"
            )
        return say("done", "extension_refused", milestone=at.milestone_key)

    return await acted(request, act, to=_anchor(at), said=said)


@api.post(MILESTONE + "/extension", response_model=DecisionDone)
async def api_decide_extension(
    request: Request, at: Milestone, body: ExtensionDecision, who: Checked
) -> DecisionDone:
    await decide_extension(request, who, at, body)
    return DecisionDone(decision=body.decision)


async def review(request: Request, who: Visitor, at: MilestoneAt, body: EvidenceDecision) -> None:
    await web(request).acting.review_evidence(
        who,
        at.plan_key,
        at.task_code,
        at.milestone_key,
        accept=body.decision == "accept",
        reason=body.reason,
    )


@pages.post(MILESTONE + "/review")
async def evidence_reviewed(
    request: Request,
    at: Milestone,
    who: Checked,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    accept = decision == "accept"

    async def act() -> None:
        chosen = EvidenceDecision(decision="accept" if accept else "reject", reason=reason)
        await review(request, who, at, chosen)

    said = say("done", "evidence_accepted" if accept else "evidence_rejected")
    return await acted(request, act, to=_anchor(at), said=lambda _: said)


@api.post(MILESTONE + "/review", response_model=DecisionDone)
async def review_evidence(
    request: Request, at: Milestone, body: EvidenceDecision, who: Checked
) -> DecisionDone:
    await review(request, who, at, body)
    return DecisionDone(decision=body.decision)
