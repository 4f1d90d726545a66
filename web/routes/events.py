"""The province decided: the coordinator picks the event a plan's tasks wait on, sees what it
would start (each task's due date), and records it."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from web.acting import EventOutcome, Refusal
from web.auth import Visitor
from web.context import refusal_text, say
from web.deps import Checked, PlanCoordinator, web
from web.events import EventPreview
from web.forms import acted, form_date, plan_path, required_date
from web.rendering import render
from web.schemas import PROBLEMS, EventDone, EventPreviewOut, EventRequest, EventStartOut, instant
from web.tracking import Tracking
from web.views import NotFound

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["events"], responses=PROBLEMS)


def preview_of(request: Request, plan_key: str, event: EventRequest) -> EventPreview:
    context = web(request)
    return context.events.preview(plan_key, event.key, event.occurred_on, event.due_on)


async def record_event(
    request: Request, who: Visitor, plan_key: str, event: EventRequest
) -> EventOutcome:
    return await web(request).acting.trigger_event(
        who,
        plan_key,
        key=event.key,
        occurred_on=event.occurred_on,
        decision=event.decision,
        due_on=event.due_on,
    )


@pages.get("/plans/{plan_key}/events")
def events_page(
    request: Request,
    plan_key: str,
    who: PlanCoordinator,
    key: str = "",
    occurred_on: str = "",
    due_on: str = "",
    decision: str = "",
) -> Response:
    """Choose the event; then the preview: which tasks it starts, each with its due date."""
    context = web(request)
    preview = None
    problem = ""
    if key:
        try:
            chosen = EventRequest(
                key=key,
                occurred_on=form_date(occurred_on) or context.today(),
                due_on=form_date(due_on),
            )
            preview = preview_of(request, plan_key, chosen)
        except Refusal as refusal:
            problem = refusal_text(refusal)
        except NotFound:
            name = context.events.names(plan_key).get(key, key)
            problem = say("done", "nothing_waits", key=name)
    return render(
        request,
        "events.html",
        {
            "plan_key": plan_key,
            "awaited": context.events.awaited(plan_key),
            "event_names": context.events.names(plan_key),
            "preview": preview,
            "problem": problem,
            "chosen": {
                "key": key,
                "occurred_on": occurred_on or context.today().isoformat(),
                "due_on": due_on,
                "decision": decision,
            },
            "unit_names": context.units.all_unit_names(),
        },
    )


@api.get("/plans/{plan_key}/events", response_model=dict[str, list[str]])
def awaited_events(request: Request, plan_key: str, who: PlanCoordinator) -> dict[str, list[str]]:
    """Event key -> the tasks waiting on it."""
    awaited = web(request).events.awaited(plan_key)
    return {key: sorted({row.task_code for row in rows}) for key, rows in awaited.items()}


@api.get("/plans/{plan_key}/events/preview", response_model=EventPreviewOut)
def event_preview(
    request: Request,
    plan_key: str,
    who: PlanCoordinator,
    key: str,
    occurred_on: str,
    due_on: str = "",
) -> EventPreviewOut:
    """What the event would start, and each task's resulting due date; nothing changes."""
    chosen = EventRequest(key=key, occurred_on=required_date(occurred_on), due_on=form_date(due_on))
    preview = preview_of(request, plan_key, chosen)
    return EventPreviewOut(
        key=preview.key,
        occurred_on=preview.occurred_on.isoformat(),
        needs_due_date=preview.needs_due_date,
        starts=[
            EventStartOut(
                task=s.task_code, milestone=s.milestone_key, due=instant(s.due), problem=s.problem
            )
            for s in preview.starts
        ],
    )


@pages.post("/plans/{plan_key}/events")
async def event_recorded(
    request: Request,
    plan_key: str,
    who: Checked,
    key: Annotated[str, Form()],
    occurred_on: Annotated[str, Form()],
    decision: Annotated[str, Form()] = "",
    due_on: Annotated[str, Form()] = "",
) -> Response:
    async def act() -> EventOutcome:
        event = EventRequest(
            key=key,
            occurred_on=required_date(occurred_on),
            decision=decision,
            due_on=form_date(due_on),
        )
        return await record_event(request, who, plan_key, event)

    def said(outcome: EventOutcome) -> str:
        text = say(
            "done",
            "event_recorded",
            key=web(request).events.names(plan_key).get(key, key),
            count=len(outcome.tasks),
            tasks=", ".join(outcome.tasks),
        )
        return text + (" " + say("done", "still_recording") if outcome.pending else "")

    return await acted(
        request,
        act,
        to=f"{plan_path(plan_key)}?state={Tracking.WAITING_EVENT.value}",
        # Back to the preview as it was filled in, to correct what was refused.
        refused_to=f"{plan_path(plan_key)}/events?"
        + urlencode(
            {"key": key, "occurred_on": occurred_on, "decision": decision, "due_on": due_on}
        ),
        said=said,
    )


@api.post("/plans/{plan_key}/events", response_model=EventDone)
async def trigger_event(
    request: Request, plan_key: str, body: EventRequest, who: Checked
) -> EventDone:
    outcome = await record_event(request, who, plan_key, body)
    return EventDone(key=body.key, tasks=outcome.tasks, pending=outcome.pending)
