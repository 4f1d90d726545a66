"""A plan started: its file read and checked as the start needs it (every deadline readable,
the agency's coordinator and leadership known), stored, and its workflows started: the plan's,
each task's (a bounded number at a time; running it again starts nothing twice) and the daily
digest. Each task never planned before is planned here, from the server's time, and the
projections of all of them written in one transaction with the plan: a task's first run takes
its plan from its input (workflows/first_plan.py), and is running as soon as an empty workflow
would be. The CLI, the web app's import, the simulator and the benchmarks start plans here; what
people then do to a running plan is control/operations.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import Enum
from pathlib import Path

from google.protobuf.empty_pb2 import Empty
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from deadlines import DeadlineRefused, MilestoneKind, PlannedMilestone, plan_milestones
from deadlines.local_time import local_instant
from models.statuses import CLOSED_DISPLAY_STATUSES
from models.workflow_ids import DAILY_DIGEST_WORKFLOW_ID
from models.workflow_messages import (
    EventSubscription,
    FirstPlan,
    PlanWorkflowInput,
    TaskSnapshot,
    TaskWorkflowInput,
)
from plan_import import Correction, ImportedPlan, ImportedTask, read_plan
from plan_import.units import UnitDirectory, load_unit_directory
from settings import Settings
from storage.db import session_scope, upgrade_schema
from storage.plans import get_plan, list_tasks, mark_plan_started, store_plan
from storage.progress import save_task_snapshots
from workflows.digest import DailyDigestInput, DailyDigestWorkflow
from workflows.first_plan import first_steps, planned_snapshot
from workflows.plan import PlanWorkflow, plan_workflow_id
from workflows.search_attributes import initial_search_attributes, plan_search_attributes
from workflows.task import TaskWorkflow, task_workflow_id

# The leadership's summary of the year goes out on the first working day after it, at this hour.
YEAR_SUMMARY_TIME = time(8, 0)


class PlanNotStartable(ValueError):
    """The plan cannot start as it is: nothing was started, the message says why."""


@dataclass
class StartReport:
    plan_key: str
    year: int
    started: list[str] = field(default_factory=list)
    already_running: list[str] = field(default_factory=list)
    already_closed: list[str] = field(default_factory=list)


def task_workflow_input(
    imported: ImportedPlan, task: ImportedTask, directory: UnitDirectory, *, plan_key: str = ""
) -> TaskWorkflowInput:
    """What a task's workflow starts from: the one builder, for `start` and the benchmarks
    (which may run the plan's tasks under another `plan_key`)."""
    return TaskWorkflowInput(
        plan_key=plan_key or imported.key,
        year=imported.year,
        task_code=task.code,
        title=task.title,
        deadline_text=task.deadline_text,
        lead_units=list(task.lead_units),
        coordinating_units=list(task.coordinating_units),
        coordinator=directory.coordinator,
        leadership=directory.leadership,
        written_year=imported.written_year,
        last_year=imported.last_year,
        agency=imported.agency_code,
    )


def plan_for_start(
    settings: Settings,
    path: Path,
    *,
    year: int | None,
    corrections: Sequence[Correction] = (),
    until: int | None = None,
) -> ImportedPlan:
    """The plan file read and checked as `start_plan` needs it, engine or not: a verb reads
    it first, so that a broken file is named even when the engine is down."""
    directory = load_unit_directory(settings.units_file)
    return load_plan_for_start(
        path,
        year=year,
        directory=directory,
        agencies_dir=settings.agencies_dir,
        corrections=corrections,
        until=until,
    )


def load_plan_for_start(
    path: Path,
    *,
    year: int | None,
    directory: UnitDirectory,
    agencies_dir: Path | None = None,
    corrections: Sequence[Correction] = (),
    until: int | None = None,
) -> ImportedPlan:
    """The plan as the start reads it, the coordinator's corrections of its cells in place."""
    imported = read_plan(
        path,
        year=year,
        directory=directory,
        agencies_dir=agencies_dir,
        corrections=corrections,
        until=until,
    )
    if imported.errors:
        details = "; ".join(f"{e.where}: {e.message}" for e in imported.errors)
        raise PlanNotStartable(f"{path.name} cannot be imported: {details}")
    own = imported.directory or directory
    if not own.has_roles:
        raise PlanNotStartable(
            f"{imported.agency_name} ({imported.agency_code}) has no coordinator and leadership "
            "configured: escalations would reach nobody; configure its unit directory first"
        )
    return imported


def planned_milestones(
    imported: ImportedPlan, settings: Settings
) -> dict[str, list[PlannedMilestone]]:
    """Each task's milestones, by task code; refuses the whole plan if any deadline is
    unreadable, so that a start either starts every task or none."""
    calendar = settings.working_calendar(imported.year)
    planned: dict[str, list[PlannedMilestone]] = {}
    refused: list[str] = []
    for task in imported.tasks:
        try:
            planned[task.code] = plan_milestones(
                task.deadline_text,
                year=imported.year,
                task_title=task.title,
                calendar=calendar,
                policy=settings.policy(task.code),
                written_year=imported.written_year,
                last_year=imported.last_year,
            )
        except DeadlineRefused as refusal:
            refused.append(f"{task.code}: {refusal}")
    if refused:
        raise PlanNotStartable("deadlines the engine cannot read: " + "; ".join(refused))
    return planned


def event_subscriptions(
    imported: ImportedPlan,
    settings: Settings,
    planned: dict[str, list[PlannedMilestone]] | None = None,
) -> list[EventSubscription]:
    """Which task waits on which event (from `planned`, the tasks' milestones, when given);
    refuses the whole plan as `planned_milestones` does."""
    if planned is None:
        planned = planned_milestones(imported, settings)
    subscriptions: list[EventSubscription] = []
    for task in imported.tasks:
        milestones = planned[task.code]
        keys = {
            (
                m.event_key,
                m.kind is MilestoneKind.OUTSIDE_PLAN,
                m.kind is MilestoneKind.RECURRING_EVENT,
            )
            for m in milestones
            if m.event_key
        }
        subscriptions.extend(
            EventSubscription(
                task_code=task.code, event_key=key, needs_due_date=needs_due, recurring=recurring
            )
            for key, needs_due, recurring in sorted(keys)
        )
    return subscriptions


def with_first_plan(
    task_input: TaskWorkflowInput,
    milestones: list[PlannedMilestone],
    settings: Settings,
    now: datetime,
) -> tuple[TaskWorkflowInput, TaskSnapshot]:
    """The task's input carrying its first plan at `now`, and the projection that plan shows
    (the task's first run writes its own only where it differs: see workflows/first_plan.py)."""
    plan = FirstPlan(
        planned_at=now,
        milestones=first_steps(
            milestones,
            now,
            calendar=settings.working_calendar(task_input.year),
            policy=settings.policy(task_input.task_code),
        ),
    )
    planned_input = dataclasses.replace(task_input, first_plan=plan)
    return planned_input, planned_snapshot(planned_input, plan)


async def server_now(client: Client) -> datetime:
    """The server's time, which a task's first run plans from: a time-skipping test server
    keeps a clock of its own (a simulation starts it in another year); any other server's is
    this machine's."""
    try:
        response = await client.test_service.get_current_time(Empty())
    except RPCError:
        return datetime.now(UTC)
    return response.time.ToDatetime(tzinfo=UTC)


def year_summary_at(year: int, settings: Settings) -> datetime:
    calendar = settings.working_calendar(year)
    day = calendar.next_working_day(date(year, 12, 31))
    return local_instant(day, YEAR_SUMMARY_TIME)


async def ensure_daily_digest(client: Client, settings: Settings) -> None:
    """Start the one digest workflow unless it runs already (safe to call on every start)."""
    await client.start_workflow(
        DailyDigestWorkflow.run,
        DailyDigestInput(digest_time=settings.digest_time),
        id=DAILY_DIGEST_WORKFLOW_ID,
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )


async def start_plan(
    client: Client,
    settings: Settings,
    path: Path,
    *,
    year: int | None = None,
    with_digest: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    corrections: Sequence[Correction] = (),
    until: int | None = None,
    imported: ImportedPlan | None = None,
) -> StartReport:
    """Import the plan when needed and start every task; running it again starts nothing twice.

    The daily digest starts with the first plan (a simulation, which sends nothing, goes
    without it). `on_progress(done, total)` hears of each task's start as it is answered.
    `imported`: the plan as `plan_for_start` read it already, corrections and all (else read
    from `path` now)."""
    directory = load_unit_directory(settings.units_file)
    if imported is None:
        imported = plan_for_start(settings, path, year=year, corrections=corrections, until=until)
    directory = imported.directory or directory  # the plan's own agency's
    planned = planned_milestones(imported, settings)
    subscriptions = event_subscriptions(imported, settings, planned)
    now = await server_now(client)
    report = StartReport(plan_key=imported.key, year=imported.year)
    to_start: list[TaskWorkflowInput] = []
    upgrade_schema(settings.resolved_database_url())
    with session_scope(settings.resolved_database_url()) as session:
        store_plan(session, imported=imported, directory=directory)
        stored_status = {
            task.code: task.status for task in list_tasks(session, plan_key=imported.key)
        }
        stored = get_plan(session, imported.key)
        assert stored is not None  # store_plan
        mark_plan_started(session, stored, now=datetime.now(UTC))
        # The tasks never planned are planned here, and their projections written at once:
        # each task's first run then does what an empty workflow does, and writes its own
        # projection only if the time moved past a step since.
        snapshots: list[TaskSnapshot] = []
        for task in imported.tasks:
            status = stored_status.get(task.code)
            if status in CLOSED_DISPLAY_STATUSES:
                report.already_closed.append(task.code)
                continue
            task_input = task_workflow_input(imported, task, directory)
            if status is None:
                task_input, snapshot = with_first_plan(
                    task_input, planned[task.code], settings, now
                )
                snapshots.append(snapshot)
            to_start.append(task_input)
        if snapshots:
            save_task_snapshots(session, snapshots)

    plan = await client.start_workflow(
        PlanWorkflow.run,
        PlanWorkflowInput(
            plan_key=imported.key,
            year=imported.year,
            subscriptions=subscriptions,
            leadership=directory.leadership,
            year_summary_at=year_summary_at(imported.year, settings),
            last_year=imported.last_year,
            later_summaries_at=[
                year_summary_at(later, settings)
                for later in range(imported.year + 1, (imported.last_year or imported.year) + 1)
            ],
        ),
        id=plan_workflow_id(imported.key),
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        search_attributes=plan_search_attributes(imported.key, imported.agency_code),
    )
    # A plan already running may have been started from an older file: tell it who waits now.
    await plan.signal(PlanWorkflow.subscriptions_changed, subscriptions)

    if with_digest:
        await ensure_daily_digest(client, settings)

    if on_progress is not None:
        on_progress(0, len(to_start))
    # Started concurrently, a bounded number at a time: one by one, each start waits a round
    # trip to the server; all at once, a province's plan would flood it.
    in_flight = asyncio.Semaphore(max(1, settings.start_concurrency))
    done = 0

    async def start(task_input: TaskWorkflowInput) -> _Started:
        nonlocal done
        async with in_flight:
            outcome = await _start_task(client, settings, task_input)
        done += 1
        if on_progress is not None:
            on_progress(done, len(to_start))
        return outcome

    outcomes = await asyncio.gather(*(start(task_input) for task_input in to_start))
    for task_input, outcome in zip(to_start, outcomes, strict=True):
        if outcome is _Started.STARTED:
            report.started.append(task_input.task_code)
        elif outcome is _Started.RUNNING:
            report.already_running.append(task_input.task_code)
        else:
            report.already_closed.append(task_input.task_code)
    return report


class _Started(Enum):
    STARTED = "started"
    RUNNING = "already running"
    CLOSED = "already closed"


async def _start_task(
    client: Client, settings: Settings, task_input: TaskWorkflowInput
) -> _Started:
    workflow_id = task_workflow_id(task_input.plan_key, task_input.task_code)
    try:
        await client.start_workflow(
            TaskWorkflow.run,
            task_input,
            id=workflow_id,
            task_queue=settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=initial_search_attributes(task_input),
        )
    except WorkflowAlreadyStartedError:
        return _Started.RUNNING if await _is_running(client, workflow_id) else _Started.CLOSED
    return _Started.STARTED


async def _is_running(client: Client, workflow_id: str) -> bool:
    # The raw call: the SDK's describe() also decodes the search attributes, and the
    # time-skipping test server returns Datetime ones it cannot decode.
    response = await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
        )
    )
    return bool(
        response.workflow_execution_info.status
        == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
    )
