"""A task: its page and reading, and what is done to the task as a whole (reassigned,
cancelled, carried over). Its milestones' form and actions are `web/routes/milestones.py`'s."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from web.actions import EngineRefused, EngineUnavailable
from web.context import say
from web.deps import Checked, PlanReader, web
from web.forms import (
    acted,
    task_path,
)
from web.rendering import render
from web.schemas import (
    PROBLEMS,
    AuditOut,
    Closed,
    CloseRequest,
    EvidenceOut,
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
from web.views import TaskDetail

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["tasks"], responses=PROBLEMS)


def task_of(request: Request, plan_key: str, task_code: str) -> TaskDetail:
    context = web(request)
    return context.tasks.task(plan_key, task_code, context.clock())


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
            "units": context.units.lead_candidates(detail.plan.agency_id),
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
