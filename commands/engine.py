"""Verbs that run the engine and act on a running plan: run, start, event, evidence, extend,
reassign, cancel, status, simulate."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from control import operations
from control.runtime import build_worker, connect, start_dev_server
from deadlines.local_time import local_iso
from models.workflow_messages import (
    Closure,
    EventOccurrence,
    EvidenceSubmission,
    ExtensionGrant,
    ExtensionRequest,
    HistoryEntry,
    Reassignment,
    TaskSnapshot,
)
from plan_import.units import load_unit_directory
from settings import Settings, get_settings
from simulation.run import simulate
from simulation.scenario import ScenarioError, load_scenario
from storage.db import session_scope, upgrade_schema
from storage.plans import list_tasks
from workflows.task import TaskWorkflow

console = Console()
errors = Console(stderr=True)
T = TypeVar("T")

PlanOption = Annotated[
    str | None, typer.Option("--plan", help="Plan key (default: the plan imported last).")
]
ByOption = Annotated[str, typer.Option("--by", help="Who does it: a unit code or name.")]


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    return typer.Exit(code=1)


def _with_client(settings: Settings, action: Callable[[Client], Awaitable[T]]) -> T:
    async def run() -> T:
        try:
            client = await connect(settings)
        except RuntimeError as error:
            raise _fail(
                f"cannot reach Temporal at {settings.temporal_address} ({error}); "
                "is `scheduler.py run` (or `worker.py` with a server) running?"
            ) from error
        try:
            return await action(client)
        except WorkflowUpdateFailedError as error:
            cause = error.cause
            raise _fail(str(getattr(cause, "message", cause))) from error
        except RPCError as error:
            raise _fail(error.message) from error

    return asyncio.run(run())


def _unit(settings: Settings, name: str) -> str:
    directory = load_unit_directory(settings.units_file)
    try:
        return operations.unit_code(directory, name)
    except LookupError as error:
        raise _fail(str(error)) from error


def _plan_key(settings: Settings, plan: str | None) -> str:
    if plan:
        return plan
    try:
        return operations.current_plan_key(settings)
    except operations.PlanNotStartable as error:
        raise _fail(str(error)) from error


def run_command(
    plan_file: Annotated[
        Path | None, typer.Argument(help="The plan to run (default: the bundled plan).")
    ] = None,
    year: Annotated[int | None, typer.Option(help="Plan year (default: this year).")] = None,
) -> None:
    """Run everything on this machine: the Temporal dev server (state under var/), the worker,
    and the plan started for this year. Ctrl-C stops all of it; run again to pick up."""
    settings = get_settings()
    path = plan_file or settings.plan_file
    plan_year = year or date.today().year

    async def main() -> None:
        upgrade_schema(settings.resolved_database_url())
        console.print(f"Starting the Temporal dev server on {settings.temporal_address} …")
        env = await start_dev_server(settings)
        async with env:
            with ThreadPoolExecutor(max_workers=16) as executor:
                async with build_worker(env.client, settings, executor=executor):
                    report = await operations.start_plan(env.client, settings, path, year=plan_year)
                    _print_start(report)
                    console.print(
                        f"Temporal UI: http://127.0.0.1:{settings.temporal_ui_port}  ·  "
                        f"outbox: {settings.var_dir / 'outbox'}  ·  Ctrl-C stops everything."
                    )
                    await asyncio.Event().wait()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        console.print("Stopped: the worker and the dev server are down; state is in var/.")
    except operations.PlanNotStartable as error:
        raise _fail(str(error)) from error


def _print_start(report: operations.StartReport) -> None:
    console.print(
        f"Plan [bold]{report.plan_key}[/bold] ({report.year}): "
        f"{len(report.started)} task(s) started, {len(report.already_running)} already running, "
        f"{len(report.already_closed)} already closed."
    )


def start_command(
    plan_file: Annotated[Path, typer.Argument(help="The plan: .txt, .csv, .xlsx or .docx.")],
    year: Annotated[int | None, typer.Option(help="Move the plan to this year.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import the plan when needed and start every task (nothing is started twice)."""
    settings = get_settings()
    try:
        report = _with_client(
            settings, lambda client: operations.start_plan(client, settings, plan_file, year=year)
        )
    except operations.PlanNotStartable as error:
        raise _fail(str(error)) from error
    if as_json:
        print(json.dumps(report.__dict__, ensure_ascii=False))
    else:
        _print_start(report)


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
    plan_key = _plan_key(settings, plan)
    event = EventOccurrence(
        key=key,
        occurred_on=on.date(),
        decision=decision,
        due_on=due.date() if due else None,
    )
    routing = _with_client(
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
    plan_key = _plan_key(settings, plan)
    submission = EvidenceSubmission(
        milestone_key=milestone,
        submitted_by=_unit(settings, by),
        document_number=document,
        document_date=document_date.date() if document_date else None,
        link=link,
        file_ref=file_ref,
        note=note,
    )
    view = _with_client(
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
    plan_key = _plan_key(settings, plan)
    who = _unit(settings, by)
    if request:
        asked = ExtensionRequest(milestone, until.date(), reason, who)
        answer = _with_client(
            settings, lambda client: operations.request_extension(client, plan_key, task, asked)
        )
        console.print(f"{task} milestone {milestone}: {answer}")
        return
    grant = ExtensionGrant(milestone, until.date(), reason, who)
    view = _with_client(
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
    plan_key = _plan_key(settings, plan)
    change = Reassignment([_unit(settings, name) for name in lead], reason, _unit(settings, by))
    units = _with_client(
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
    plan_key = _plan_key(settings, plan)
    closure = Closure(reason, _unit(settings, by))
    snapshot = _with_client(
        settings,
        lambda client: operations.cancel_task(
            client, plan_key, task, closure, carry_over=carry_over
        ),
    )
    console.print(f"{task}: {snapshot.status.value}")


def status_command(
    plan: PlanOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Where the plan stands, task by task (from the engine's record in the database)."""
    settings = get_settings()
    plan_key = _plan_key(settings, plan)
    with session_scope(settings.resolved_database_url()) as session:
        tasks = list_tasks(session, plan_key=plan_key)
        rows = [
            {
                "code": task.code,
                "title": task.title,
                "lead_units": task.lead_units,
                "status": task.status or "not_started",
                "next_action": task.next_action,
                "next_action_at": local_iso(task.next_action_at) if task.next_action_at else None,
            }
            for task in tasks
        ]
    if as_json:
        print(json.dumps({"plan": plan_key, "tasks": rows}, ensure_ascii=False))
        return
    table = Table(title=f"Plan {plan_key}")
    for column in ("code", "status", "next action", "lead", "title"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["code"]),
            str(row["status"]),
            f"{row['next_action']} {row['next_action_at'] or ''}".strip(),
            ", ".join(row["lead_units"]),  # type: ignore[arg-type]
            str(row["title"]),
        )
    console.print(table)


def history_command(
    task: Annotated[str, typer.Argument(help="Task code, e.g. III.1.")],
    plan: PlanOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One task as its workflow sees it: milestones, the next step, and everything that
    happened (asked of the running workflow)."""
    settings = get_settings()
    plan_key = _plan_key(settings, plan)

    async def ask(client: Client) -> tuple[TaskSnapshot, list[HistoryEntry]]:
        handle = operations.task_handle(client, plan_key, task)
        return await handle.query(TaskWorkflow.snapshot), await handle.query(TaskWorkflow.history)

    snapshot, history = _with_client(settings, ask)
    if as_json:
        document = {
            "task": task,
            "status": snapshot.display_status,
            "milestones": [
                {
                    "key": m.key,
                    "label": m.label,
                    "kind": m.kind,
                    "status": m.status.value,
                    "due": local_iso(m.due) if m.due else None,
                }
                for m in snapshot.milestones
            ],
            "next": (
                {
                    "at": local_iso(snapshot.next_action.at),
                    "action": snapshot.next_action.action,
                    "to": snapshot.next_action.to,
                }
                if snapshot.next_action
                else None
            ),
            "history": [
                {
                    "at": local_iso(h.at),
                    "action": h.action,
                    "milestone": h.milestone_key,
                    "to": h.to,
                    "detail": h.detail,
                }
                for h in history
            ],
        }
        print(json.dumps(document, ensure_ascii=False))
        return
    console.print(f"[bold]{task}[/bold] {snapshot.title} — {snapshot.display_status}")
    for m in snapshot.milestones:
        due = local_iso(m.due) if m.due else "—"
        console.print(f"  milestone {m.key} {m.label}: {m.status.value}, due {due}")
    if snapshot.next_action:
        nxt = snapshot.next_action
        console.print(f"  next: {nxt.action} to {', '.join(nxt.to)} at {local_iso(nxt.at)}")
    table = Table(title="History")
    for column in ("at", "action", "milestone", "to", "detail"):
        table.add_column(column)
    for h in history:
        table.add_row(local_iso(h.at), h.action, h.milestone_key, ", ".join(h.to), h.detail)
    console.print(table)


def simulate_command(
    plan_file: Annotated[Path, typer.Argument(help="The plan to simulate.")],
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"])],
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"])],
    scenario: Annotated[
        Path | None, typer.Option(help="YAML: events and evidence on given days.")
    ] = None,
    year: Annotated[int | None, typer.Option(help="Move the plan to this year.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run the plan over --from..--to in seconds on the time-skipping test server, and print
    every reminder, check-in, escalation and closing with its instant and recipients."""
    settings = get_settings()
    try:
        steps = load_scenario(scenario) if scenario else []
        result = asyncio.run(
            simulate(
                plan_file,
                start=start.date(),
                end=end.date(),
                scenario=steps,
                settings=settings,
                year=year,
            )
        )
    except (ScenarioError, operations.PlanNotStartable) as error:
        raise _fail(str(error)) from error
    except WorkflowUpdateFailedError as error:
        raise _fail(str(getattr(error.cause, "message", error.cause))) from error
    if as_json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
        return
    table = Table(title=f"Simulation of {result.plan_key}, {start.date()} – {end.date()}")
    for column in ("at", "task", "milestone", "action", "to"):
        table.add_column(column)
    for entry in result.timeline:
        table.add_row(
            local_iso(entry.at), entry.task, entry.milestone, entry.action, ", ".join(entry.to)
        )
    console.print(table)
    for line in result.scenario_log:
        console.print(line)
    final = Table(title="At the end")
    final.add_column("task")
    final.add_column("status")
    for code, status in result.final:
        final.add_row(code, status)
    console.print(final)


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
    app.command("start")(start_command)
    app.command("event")(event_command)
    app.command("evidence")(evidence_command)
    app.command("extend")(extend_command)
    app.command("reassign")(reassign_command)
    app.command("cancel")(cancel_command)
    app.command("status")(status_command)
    app.command("history")(history_command)
    app.command("simulate")(simulate_command)
