"""Verbs that look at plans: the stored plans with their agency and how far each got, where
each task of one plan stands (from the engine's record in the database, in Vietnamese, within
100 columns), and one task's whole story (asked of its running workflow)."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Annotated

import typer
from pydantic import BaseModel, ConfigDict, Field, field_validator
from rich import box
from rich.markup import escape
from rich.table import Table
from temporalio.client import Client

from commands.output import ExitCode, JsonOption, LocalInstant, console, fail, print_json
from commands.running import AgencyOption, PlanOption, resolve_plan, resolve_task, with_client
from control import operations
from control.replies import received_replies
from deadlines.local_time import in_vietnam, local_display, localized
from models.statuses import CLOSED_MILESTONE_STATUSES, MilestoneStatus
from models.tables import Milestone
from models.workflow_messages import HistoryEntry, TaskSnapshot
from settings import get_settings
from storage.agencies import UnknownAgency, plan_lines
from storage.db import session_scope, upgrade_schema
from storage.plans import get_agency, get_plan, list_tasks
from storage.progress import milestones_by_task
from workflows.task import TaskWorkflow

# `status` fits a terminal of this many columns, whatever wider one it is shown on.
STATUS_WIDTH = 100
# After the due date of an overdue milestone; said in words under the table.
OVERDUE_MARK = "*"

# What people read in `status`: the engine's words in Vietnamese.
STATUS_WORDS = {
    "not_started": "chưa bắt đầu",
    "active": "đang thực hiện",
    "waiting_event": "chờ sự kiện",
    "overdue": "quá hạn",
    "done": "hoàn thành",
    "ended": "kết thúc",
    "cancelled": "đã hủy",
    "carried_over": "chuyển năm sau",
}
STEP_WORDS = {
    "reminder": "nhắc hạn",
    "check_in": "hỏi tiến độ",
    "escalation": "báo quá hạn",
    "nudge": "nhắc chờ",
}


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


class OpenMilestone(_Read):
    key: str
    status: MilestoneStatus
    due: LocalInstant | None = Field(validation_alias="due_at")


class StatusLine(TaskLine):
    # The milestones not closed yet, each with its due instant (none while waiting on an event).
    milestones: list[OpenMilestone] = []


class StatusDocument(BaseModel):
    """`status --json`: every task of the plan as the engine last recorded it."""

    plan: str
    # The code of the plan's agency.
    agency: str = ""
    tasks: list[StatusLine]


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


class PlanListLine(BaseModel):
    """One stored plan in `plans --json`."""

    key: str
    agency_code: str
    agency_name: str
    year: int
    last_year: int | None
    number: str
    title: str
    started: bool
    started_at: LocalInstant | None
    tasks: int
    open: int
    overdue: int


class PlansDocument(BaseModel):
    """`plans --json`: the stored plans, by agency, newest year first."""

    agency: str | None
    plans: list[PlanListLine]


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
    agency: AgencyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Where the plan stands, task by task: the due date of each open milestone and the next
    step (from the engine's record in the database)."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan, agency)
    with session_scope(settings.resolved_database_url()) as session:
        stored = get_plan(session, plan_key)
        title = stored.title if stored is not None else ""
        owner = get_agency(session, stored) if stored is not None else None
        recorded = milestones_by_task(session, plan_key=plan_key)
        tasks = [
            StatusLine.model_validate(
                {
                    **TaskLine.model_validate(task).model_dump(),
                    "milestones": [
                        OpenMilestone.model_validate(m) for m in _still_open(recorded, task.code)
                    ],
                }
            )
            for task in list_tasks(session, plan_key=plan_key)
        ]
    if as_json:
        print_json(StatusDocument(plan=plan_key, agency=owner.code if owner else "", tasks=tasks))
        return
    heading = f"{title or 'Kế hoạch'} ({plan_key})" + (f"\n{owner.name}" if owner else "")
    table = Table(title=heading, box=box.SIMPLE_HEAD)
    table.add_column("Mã", no_wrap=True)
    table.add_column("Tình trạng", min_width=7)
    table.add_column("Hạn mốc còn mở", min_width=11)
    table.add_column("Tiếp theo", no_wrap=True)
    table.add_column("Chủ trì", min_width=9, max_width=11)
    # The title takes what the others leave.
    table.add_column("Nhiệm vụ", ratio=1, min_width=12, overflow="fold")
    for line in tasks:
        table.add_row(
            line.code,
            STATUS_WORDS.get(line.status, line.status),
            _due_lines(line.milestones),
            _next_step(line),
            ", ".join(line.lead_units),
            line.title,
        )
    console.print(table, width=min(console.width, STATUS_WIDTH))
    if any(m.status is MilestoneStatus.OVERDUE for line in tasks for m in line.milestones):
        console.print(f"{OVERDUE_MARK} {STATUS_WORDS['overdue']}")


def plans_command(agency: AgencyOption = None, as_json: JsonOption = False) -> None:
    """The stored plans, by agency: their years, tasks, whether the engine runs them, and how
    many tasks are open and overdue (from the database; no engine needed)."""
    settings = get_settings()
    url = settings.resolved_database_url()
    upgrade_schema(url)
    with session_scope(url) as session:
        try:
            lines = plan_lines(session, agency_code=agency)
        except UnknownAgency as error:
            raise fail(str(error), code=ExitCode.USAGE) from error
    if as_json:
        listed = [
            PlanListLine(**{**dataclasses.asdict(line), "started": line.started}) for line in lines
        ]
        print_json(PlansDocument(agency=agency, plans=listed))
        return
    if not lines:
        console.print("Chưa có kế hoạch nào: `scheduler.py import FILE` nhập một kế hoạch.")
        return
    table = Table(box=box.SIMPLE_HEAD)
    # A plan's key whole on its line (40 characters fit beside the figures in 100 columns).
    table.add_column("Kế hoạch", overflow="fold", ratio=1, min_width=40)
    table.add_column("Năm", no_wrap=True)
    table.add_column("Nhiệm vụ", justify="right")
    table.add_column("Đã bắt đầu", no_wrap=True)
    table.add_column("Đang mở", justify="right")
    table.add_column("Quá hạn", justify="right")
    for agency_code, group in itertools.groupby(lines, key=lambda line: line.agency_code):
        rows = list(group)
        table.add_row(f"[bold]{escape(rows[0].agency_name)}[/bold] ({agency_code})")
        for line in rows:
            started = in_vietnam(line.started_at).format("DD/MM/YYYY") if line.started_at else "—"
            table.add_row(
                f"{line.key}\n[dim]{escape(line.title)}[/dim]",
                line.years,
                str(line.tasks),
                started,
                str(line.open),
                str(line.overdue),
                end_section=line is rows[-1],
            )
    console.print(table, width=min(console.width, STATUS_WIDTH))


def _still_open(recorded: dict[str, list[Milestone]], code: str) -> list[Milestone]:
    return [
        m
        for m in recorded.get(code, [])
        if m.status is not None and m.status not in CLOSED_MILESTONE_STATUSES
    ]


def _due_lines(milestones: list[OpenMilestone]) -> str:
    """One line per open milestone: `31/03/2023`, `2023-Q2: 14/07/2023*` (overdue), or
    `chờ sự kiện`; the key is left out when it is the task's only milestone, "1"."""
    lines = []
    for m in milestones:
        if m.due is None:
            when = STATUS_WORDS["waiting_event"]
        else:
            when = in_vietnam(m.due).format("DD/MM/YYYY")
            if m.status is MilestoneStatus.OVERDUE:
                when += OVERDUE_MARK
        lines.append(when if m.key == "1" and len(milestones) == 1 else f"{m.key}: {when}")
    return "\n".join(lines)


def _next_step(line: TaskLine) -> str:
    if not line.next_action or line.next_action_at is None:
        return ""
    at = in_vietnam(line.next_action_at).format("DD/MM HH:mm")
    return f"{STEP_WORDS.get(line.next_action, line.next_action)}\n{at}"


def history_command(
    task: Annotated[str, typer.Argument(help="Task code, e.g. III.1.")],
    plan: PlanOption = None,
    agency: AgencyOption = None,
    as_json: JsonOption = False,
) -> None:
    """One task as its workflow sees it: milestones, the next step, and everything that
    happened (asked of the running workflow)."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan, agency)
    task = resolve_task(settings, task, plan_key=plan_key)

    async def ask(client: Client) -> tuple[TaskSnapshot, list[HistoryEntry]]:
        handle = operations.task_handle(client, plan_key, task)
        return await handle.query(TaskWorkflow.snapshot), await handle.query(TaskWorkflow.history)

    snapshot, recorded = with_client(settings, ask)
    # Details name instants as the engine recorded them, in UTC: people read Vietnam's time.
    history = [dataclasses.replace(h, detail=localized(h.detail)) for h in recorded]
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
        due = local_display(m.due) if m.due else "—"
        console.print(f"  milestone {m.key} {m.label}: {m.status.value}, due {due}")
    if snapshot.next_action:
        nxt = snapshot.next_action
        console.print(f"  next: {nxt.action} to {', '.join(nxt.to)} at {local_display(nxt.at)}")
    table = Table(title="History (Vietnam time)")
    for column in ("at", "action", "milestone", "to", "detail"):
        table.add_column(column)
    for h in recorded:
        table.add_row(
            local_display(h.at),
            h.action,
            h.milestone_key,
            ", ".join(h.to),
            localized(h.detail, local_display),
        )
    console.print(table)
    received = received_replies(settings, plan_key=plan_key, task_code=task)
    if received:
        replies = Table(title="Replies received (email, Zalo)")
        for column in ("at", "channel", "from", "milestone", "state", "why"):
            replies.add_column(column)
        for r in received:
            replies.add_row(
                local_display(r.received_at),
                r.channel,
                r.sender,
                r.milestone_key,
                r.state,
                r.reason,
            )
        console.print(replies)


def register(app: typer.Typer) -> None:
    app.command("plans")(plans_command)
    app.command("status")(status_command)
    app.command("history")(history_command)
