"""Verbs that act on a running plan: an event happened, evidence arrives, a deadline is
extended, a task changes hands or is cancelled."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from commands.output import console
from commands.running import ByOption, PlanOption, resolve_plan, resolve_unit, with_client
from control import operations
from deadlines.local_time import local_iso
from models.workflow_messages import (
    Closure,
    EventOccurrence,
    EvidenceSubmission,
    ExtensionGrant,
    ExtensionRequest,
    Reassignment,
)
from settings import get_settings


def event_command(
    key: Annotated[str, typer.Argument(help="The event key, as `preview` shows it.")],
    on: Annotated[datetime, typer.Option("--date", formats=["%Y-%m-%d"], help="When it happened.")],
    decision: Annotated[str, typer.Option(help="The decision's number and date.")] = "",
    due: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="The deadline the event sets, if it sets one."),
    ] = None,
    plan: PlanOption = None,
) -> None:
    """Record that an event happened; every task waiting on it starts its clock."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan)
    event = EventOccurrence(
        key=key,
        occurred_on=on.date(),
        decision=decision,
        due_on=due.date() if due else None,
    )
    routing = with_client(
        settings, lambda client: operations.trigger_event(client, plan_key, event)
    )
    if routing.already_recorded:
        console.print(f"Event {key} of {on.date()} was already recorded: nothing changed.")
    else:
        console.print(f"Event {key} of {on.date()} reached: {', '.join(routing.tasks) or 'none'}")


def evidence_command(
    task: Annotated[str, typer.Argument(help="Task code, e.g. III.1.")],
    by: ByOption,
    milestone: Annotated[str, typer.Option(help="Milestone key (see `status`).")] = "1",
    document: Annotated[str, typer.Option(help="Document number, e.g. 123/KH-SNV.")] = "",
    document_date: Annotated[
        datetime | None, typer.Option("--document-date", formats=["%Y-%m-%d"])
    ] = None,
    link: Annotated[str, typer.Option(help="Where the deliverable can be read.")] = "",
    file_ref: Annotated[str, typer.Option("--file", help="A stored file's reference.")] = "",
    note: str = "",
    plan: PlanOption = None,
) -> None:
    """Send the evidence of a milestone's deliverable; the milestone closes."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan)
    submission = EvidenceSubmission(
        milestone_key=milestone,
        submitted_by=resolve_unit(settings, by),
        document_number=document,
        document_date=document_date.date() if document_date else None,
        link=link,
        file_ref=file_ref,
        note=note,
    )
    view = with_client(
        settings, lambda client: operations.submit_evidence(client, plan_key, task, submission)
    )
    console.print(f"{task} milestone {view.key}: {view.status.value}")


def extend_command(
    task: Annotated[str, typer.Argument(help="Task code.")],
    until: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="The new due day.")],
    reason: Annotated[str, typer.Option(help="Why; kept in the record.")],
    by: ByOption,
    milestone: str = "1",
    request: Annotated[
        bool, typer.Option("--request", help="A lead unit asks; the coordinator decides.")
    ] = False,
    plan: PlanOption = None,
) -> None:
    """Grant an extension (the coordinator), or with --request ask for one (a lead unit)."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan)
    who = resolve_unit(settings, by)
    if request:
        asked = ExtensionRequest(milestone, until.date(), reason, who)
        answer = with_client(
            settings, lambda client: operations.request_extension(client, plan_key, task, asked)
        )
        console.print(f"{task} milestone {milestone}: {answer}")
        return
    grant = ExtensionGrant(milestone, until.date(), reason, who)
    view = with_client(
        settings, lambda client: operations.grant_extension(client, plan_key, task, grant)
    )
    console.print(f"{task} milestone {view.key}: due {local_iso(view.due) if view.due else '-'}")


def reassign_command(
    task: Annotated[str, typer.Argument(help="Task code.")],
    lead: Annotated[list[str], typer.Option(help="The new lead unit(s).")],
    reason: Annotated[str, typer.Option()],
    by: ByOption,
    plan: PlanOption = None,
) -> None:
    """Give a task to other lead units."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan)
    change = Reassignment(
        [resolve_unit(settings, name) for name in lead], reason, resolve_unit(settings, by)
    )
    units = with_client(
        settings, lambda client: operations.reassign_lead(client, plan_key, task, change)
    )
    console.print(f"{task}: lead {', '.join(units)}")


def cancel_command(
    task: Annotated[str, typer.Argument(help="Task code.")],
    reason: Annotated[str, typer.Option()],
    by: ByOption,
    carry_over: Annotated[
        bool, typer.Option("--carry-over", help="Carried over to next year's plan.")
    ] = False,
    plan: PlanOption = None,
) -> None:
    """Cancel a task (or carry it over to next year's plan), with the reason."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan)
    closure = Closure(reason, resolve_unit(settings, by))
    snapshot = with_client(
        settings,
        lambda client: operations.cancel_task(
            client, plan_key, task, closure, carry_over=carry_over
        ),
    )
    console.print(f"{task}: {snapshot.status.value}")


def register(app: typer.Typer) -> None:
    app.command("event")(event_command)
    app.command("evidence")(evidence_command)
    app.command("extend")(extend_command)
    app.command("reassign")(reassign_command)
    app.command("cancel")(cancel_command)
