"""Verbs that look at a plan: where each task stands (from the engine's record in the
database), and one task's whole story (asked of its running workflow)."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import BaseModel, ConfigDict, Field, field_validator
from rich.table import Table
from temporalio.client import Client

from commands.output import JsonOption, LocalInstant, console, print_json
from commands.running import PlanOption, resolve_plan, with_client
from control import operations
from deadlines.local_time import local_iso
from models.workflow_messages import HistoryEntry, TaskSnapshot
from settings import get_settings
from storage.db import session_scope
from storage.plans import list_tasks
from workflows.task import TaskWorkflow


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TaskLine(_Read):
    code: str
    title: str
    lead_units: list[str]
    status: str
    next_action: str
    next_action_at: LocalInstant | None

    @field_validator("status", mode="before")
    @classmethod
    def _not_started(cls, status: str | None) -> str:
        # The engine writes a status when the task's workflow first reports.
        return status or "not_started"


class StatusDocument(BaseModel):
    """`status --json`: every task of the plan as the engine last recorded it."""

    plan: str
    tasks: list[TaskLine]


class MilestoneLine(_Read):
    key: str
    label: str
    kind: str
    status: str
    due: LocalInstant | None


class NextLine(_Read):
    at: LocalInstant
    action: str
    to: list[str]


class HistoryLine(_Read):
    at: LocalInstant
    action: str
    milestone: str = Field(validation_alias="milestone_key")
    to: list[str]
    detail: str


class HistoryDocument(BaseModel):
    """`history --json`: one task as its workflow sees it."""

    task: str
    status: str
    milestones: list[MilestoneLine]
    next: NextLine | None
    history: list[HistoryLine]


def status_command(
    plan: PlanOption = None,
    as_json: JsonOption = False,
) -> None:
    """Where the plan stands, task by task (from the engine's record in the database)."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan)
    with session_scope(settings.resolved_database_url()) as session:
        tasks = [TaskLine.model_validate(task) for task in list_tasks(session, plan_key=plan_key)]
    if as_json:
        print_json(StatusDocument(plan=plan_key, tasks=tasks))
        return
    table = Table(title=f"Plan {plan_key}")
    for column in ("code", "status", "next action", "lead", "title"):
        table.add_column(column)
    for line in tasks:
        at = local_iso(line.next_action_at) or ""
        table.add_row(
            line.code,
            line.status,
            f"{line.next_action} {at}".strip(),
            ", ".join(line.lead_units),
            line.title,
        )
    console.print(table)


def history_command(
    task: Annotated[str, typer.Argument(help="Task code, e.g. III.1.")],
    plan: PlanOption = None,
    as_json: JsonOption = False,
) -> None:
    """One task as its workflow sees it: milestones, the next step, and everything that
    happened (asked of the running workflow)."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan)

    async def ask(client: Client) -> tuple[TaskSnapshot, list[HistoryEntry]]:
        handle = operations.task_handle(client, plan_key, task)
        return await handle.query(TaskWorkflow.snapshot), await handle.query(TaskWorkflow.history)

    snapshot, history = with_client(settings, ask)
    if as_json:
        document = HistoryDocument(
            task=task,
            status=snapshot.display_status,
            milestones=snapshot.milestones,
            next=snapshot.next_action,
            history=history,
        )
        print_json(document)
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


def register(app: typer.Typer) -> None:
    app.command("status")(status_command)
    app.command("history")(history_command)
