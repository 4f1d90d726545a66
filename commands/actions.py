"""Verbs that act on a running plan: an event happened, evidence arrives, a deadline is
extended (or the extension asked for is refused), a task changes hands or is cancelled.

Each says who acts (--by); what they may do is their role's (control.permissions)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from commands.output import console
from commands.running import (
    AgencyOption,
    ByOption,
    PlanOption,
    acting,
    resolve_plan,
    resolve_task,
    resolve_unit,
    with_client,
)
from control import operations
from control.permissions import Action
from deadlines.local_time import local_iso
from models.workflow_messages import (
    Closure,
    EventOccurrence,
    EvidenceSubmission,
    ExtensionGrant,
    ExtensionRefusal,
    ExtensionRequest,
    Reassignment,
)
from settings import get_settings

MilestoneOption = Annotated[str, typer.Option(help="Milestone key (see `history TASK`).")]
ForOption = Annotated[
    str | None,
    typer.Option(
        "--for", help="The lead unit it is done for, when the coordinator enters it for them."
    ),
]
ConfirmOption = Annotated[
    bool,
    typer.Option("--confirm", help="A new due date beyond the plan's year is meant."),
]


def event_command(
    key: Annotated[str, typer.Argument(help="The event key, as `preview` shows it.")],
    on: Annotated[datetime, typer.Option("--date", formats=["%Y-%m-%d"], help="When it happened.")],
    by: ByOption,
    decision: Annotated[str, typer.Option(help="The decision's number and date.")] = "",
    due: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="The deadline the event sets, if it sets one."),
    ] = None,
    correct: Annotated[
        bool,
        typer.Option("--correct", help="The date recorded before was wrong: this one replaces it."),
    ] = False,
    plan: PlanOption = None,
    agency: AgencyOption = None,
) -> None:
    """Record that an event happened (the coordinator); every task waiting on it starts its
    clock, and its lead units are told their due date."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan, agency)
    actor = acting(settings, by, Action.RECORD_EVENT, plan_key=plan_key)
    event = EventOccurrence(
        key=key,
        occurred_on=on.date(),
        decision=decision,
        due_on=due.date() if due else None,
    )
    routing = with_client(
        settings,
        lambda client: operations.trigger_event(
            client, plan_key, event, actor=actor, correct=correct
        ),
    )
    if routing.already_recorded:
        console.print(f"Event {key} of {on.date()} was already recorded: nothing changed.")
    else:
        console.print(f"Event {key} of {on.date()} reached: {', '.join(routing.tasks) or 'none'}")


def evidence_command(
    task: Annotated[str, typer.Argument(help="Task code, e.g. III.1.")],
    by: ByOption,
    milestone: MilestoneOption = "1",
    document: Annotated[str, typer.Option(help="Document number, e.g. 123/KH-SNV.")] = "",
    document_date: Annotated[
        datetime | None,
        typer.Option(
            "--document-date", formats=["%Y-%m-%d"], help="Its date (not later than today)."
        ),
    ] = None,
    link: Annotated[str, typer.Option(help="Where the deliverable can be read (http/https).")] = "",
    file_ref: Annotated[str, typer.Option("--file", help="A stored file's reference.")] = "",
    note: str = "",
    for_unit: ForOption = None,
    plan: PlanOption = None,
    agency: AgencyOption = None,
) -> None:
    """Send the evidence of a milestone's deliverable (a lead unit, or the coordinator for
    one with --for); the milestone closes and the coordinator is told."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan, agency)
    task = resolve_task(settings, task, plan_key=plan_key)
    delivering = resolve_unit(settings, for_unit, plan_key=plan_key) if for_unit else None
    actor = acting(settings, by, Action.SUBMIT_EVIDENCE, plan_key=plan_key, for_unit=delivering)
    submission = EvidenceSubmission(
        milestone_key=milestone,
        submitted_by=delivering or actor.who,
        document_number=document,
        document_date=document_date.date() if document_date else None,
        link=link,
        file_ref=file_ref,
        note=note,
    )
    view = with_client(
        settings,
        lambda client: operations.submit_evidence(client, plan_key, task, submission, actor=actor),
    )
    console.print(f"{task} milestone {view.key}: {view.status.value}")


def extend_command(
    task: Annotated[str, typer.Argument(help="Task code.")],
    until: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="The new due day.")],
    reason: Annotated[str, typer.Option(help="Why; kept in the record and told to the units.")],
    by: ByOption,
    milestone: MilestoneOption = "1",
    request: Annotated[
        bool, typer.Option("--request", help="A lead unit asks; the coordinator decides.")
    ] = False,
    for_unit: ForOption = None,
    confirm: ConfirmOption = False,
    plan: PlanOption = None,
    agency: AgencyOption = None,
) -> None:
    """Grant an extension (the coordinator; the lead units are told), or with --request ask
    for one (a lead unit; the coordinator is told)."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan, agency)
    task = resolve_task(settings, task, plan_key=plan_key)
    if request:
        asking = resolve_unit(settings, for_unit, plan_key=plan_key) if for_unit else None
        actor = acting(settings, by, Action.REQUEST_EXTENSION, plan_key=plan_key, for_unit=asking)
        asked = ExtensionRequest(
            milestone, until.date(), reason, asking or actor.who, confirmed=confirm
        )
        answer = with_client(
            settings,
            lambda client: operations.request_extension(client, plan_key, task, asked, actor=actor),
        )
        console.print(f"{task} milestone {milestone}: {answer}")
        return
    actor = acting(settings, by, Action.GRANT_EXTENSION, plan_key=plan_key)
    grant = ExtensionGrant(milestone, until.date(), reason, actor.who, confirmed=confirm)
    view = with_client(
        settings,
        lambda client: operations.grant_extension(client, plan_key, task, grant, actor=actor),
    )
    console.print(f"{task} milestone {view.key}: due {local_iso(view.due) if view.due else '-'}")


def refuse_command(
    task: Annotated[str, typer.Argument(help="Task code.")],
    reason: Annotated[str, typer.Option(help="Why; told to the unit that asked.")],
    by: ByOption,
    milestone: MilestoneOption = "1",
    plan: PlanOption = None,
    agency: AgencyOption = None,
) -> None:
    """Refuse the extension a lead unit asked for (the coordinator); the unit is told."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan, agency)
    task = resolve_task(settings, task, plan_key=plan_key)
    actor = acting(settings, by, Action.REFUSE_EXTENSION, plan_key=plan_key)
    refusal = ExtensionRefusal(milestone, reason, actor.who)
    view = with_client(
        settings,
        lambda client: operations.refuse_extension(client, plan_key, task, refusal, actor=actor),
    )
    due = local_iso(view.due) if view.due else "-"
    console.print(f"{task} milestone {view.key}: extension refused, still due {due}")


def reassign_command(
    task: Annotated[str, typer.Argument(help="Task code.")],
    lead: Annotated[list[str], typer.Option(help="The new lead unit(s).")],
    reason: Annotated[str, typer.Option(help="Why; told to the old and the new lead.")],
    by: ByOption,
    plan: PlanOption = None,
    agency: AgencyOption = None,
) -> None:
    """Give a task to other lead units (the coordinator); the old and the new lead are told."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan, agency)
    task = resolve_task(settings, task, plan_key=plan_key)
    actor = acting(settings, by, Action.REASSIGN, plan_key=plan_key)
    change = Reassignment(
        [resolve_unit(settings, name, plan_key=plan_key) for name in lead], reason, actor.who
    )
    units = with_client(
        settings,
        lambda client: operations.reassign_lead(client, plan_key, task, change, actor=actor),
    )
    console.print(f"{task}: lead {', '.join(units)}")


def cancel_command(
    task: Annotated[str, typer.Argument(help="Task code.")],
    reason: Annotated[str, typer.Option(help="Why; kept in the record and told to the units.")],
    by: ByOption,
    carry_over: Annotated[
        bool, typer.Option("--carry-over", help="Carried over to next year's plan.")
    ] = False,
    plan: PlanOption = None,
    agency: AgencyOption = None,
) -> None:
    """Cancel a task, or carry it over to next year's plan (the coordinator), with the reason;
    its lead units and the coordinator are told."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan, agency)
    task = resolve_task(settings, task, plan_key=plan_key)
    actor = acting(
        settings, by, Action.CARRY_OVER if carry_over else Action.CANCEL, plan_key=plan_key
    )
    closure = Closure(reason, actor.who)
    snapshot = with_client(
        settings,
        lambda client: operations.cancel_task(
            client, plan_key, task, closure, actor=actor, carry_over=carry_over
        ),
    )
    console.print(f"{task}: {snapshot.status.value}")


def register(app: typer.Typer) -> None:
    app.command("event")(event_command)
    app.command("evidence")(evidence_command)
    app.command("extend")(extend_command)
    app.command("refuse")(refuse_command)
    app.command("reassign")(reassign_command)
    app.command("cancel")(cancel_command)
