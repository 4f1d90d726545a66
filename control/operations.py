"""What people do to a running plan: start it, trigger its events, send evidence, extend,
reassign, cancel, and look at where it stands. The CLI and the simulator both call these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from deadlines import DeadlineRefused, MilestoneKind, plan_milestones
from deadlines.local_time import local_instant
from models.statuses import CLOSED_DISPLAY_STATUSES
from models.workflow_ids import DAILY_DIGEST_WORKFLOW_ID
from models.workflow_messages import (
    Closure,
    EventOccurrence,
    EventRouting,
    EventSubscription,
    EvidenceRejection,
    EvidenceSubmission,
    ExtensionGrant,
    ExtensionRequest,
    MilestoneView,
    PlanWorkflowInput,
    Reassignment,
    TaskSnapshot,
    TaskWorkflowInput,
)
from plan_import import ImportedPlan, read_plan
from plan_import.units import UnitDirectory, load_unit_directory
from settings import Settings
from storage.db import session_scope, upgrade_schema
from storage.plans import latest_plan, list_tasks, store_plan
from workflows.digest import DailyDigestInput, DailyDigestWorkflow
from workflows.plan import PlanWorkflow, plan_workflow_id
from workflows.search_attributes import initial_search_attributes
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


def load_plan_for_start(path: Path, *, year: int | None, directory: UnitDirectory) -> ImportedPlan:
    imported = read_plan(path, year=year, directory=directory)
    if imported.errors:
        details = "; ".join(f"{e.where}: {e.message}" for e in imported.errors)
        raise PlanNotStartable(f"{path.name} cannot be imported: {details}")
    return imported


def event_subscriptions(imported: ImportedPlan, settings: Settings) -> list[EventSubscription]:
    """Which task waits on which event; refuses the whole plan if any deadline is unreadable,
    so that a start either starts every task or none."""
    calendar = settings.working_calendar(imported.year)
    subscriptions: list[EventSubscription] = []
    refused: list[str] = []
    for task in imported.tasks:
        try:
            milestones = plan_milestones(
                task.deadline_text,
                year=imported.year,
                task_title=task.title,
                calendar=calendar,
                policy=settings.policy(task.code),
                written_year=imported.written_year,
            )
        except DeadlineRefused as refusal:
            refused.append(f"{task.code}: {refusal}")
            continue
        keys = {
            (m.event_key, m.kind is MilestoneKind.OUTSIDE_PLAN) for m in milestones if m.event_key
        }
        subscriptions.extend(
            EventSubscription(task_code=task.code, event_key=key, needs_due_date=needs_due)
            for key, needs_due in sorted(keys)
        )
    if refused:
        raise PlanNotStartable("deadlines the engine cannot read: " + "; ".join(refused))
    return subscriptions


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
) -> StartReport:
    """Import the plan when needed and start every task; running it again starts nothing twice.

    The daily digest starts with the first plan (a simulation, which sends nothing, goes
    without it)."""
    directory = load_unit_directory(settings.units_file)
    imported = load_plan_for_start(path, year=year, directory=directory)
    subscriptions = event_subscriptions(imported, settings)
    upgrade_schema(settings.resolved_database_url())
    with session_scope(settings.resolved_database_url()) as session:
        store_plan(session, imported=imported, directory=directory)
        stored_status = {
            task.code: task.status for task in list_tasks(session, plan_key=imported.key)
        }

    plan = await client.start_workflow(
        PlanWorkflow.run,
        PlanWorkflowInput(
            plan_key=imported.key,
            year=imported.year,
            subscriptions=subscriptions,
            leadership=directory.leadership,
            year_summary_at=year_summary_at(imported.year, settings),
        ),
        id=plan_workflow_id(imported.key),
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    # A plan already running may have been started from an older file: tell it who waits now.
    await plan.signal(PlanWorkflow.subscriptions_changed, subscriptions)

    if with_digest:
        await ensure_daily_digest(client, settings)

    report = StartReport(plan_key=imported.key, year=imported.year)
    for task in imported.tasks:
        if stored_status.get(task.code) in CLOSED_DISPLAY_STATUSES:
            report.already_closed.append(task.code)
            continue
        task_input = TaskWorkflowInput(
            plan_key=imported.key,
            year=imported.year,
            task_code=task.code,
            title=task.title,
            deadline_text=task.deadline_text,
            lead_units=list(task.lead_units),
            coordinating_units=list(task.coordinating_units),
            coordinator=directory.coordinator,
            leadership=directory.leadership,
            written_year=imported.written_year,
        )
        try:
            await client.start_workflow(
                TaskWorkflow.run,
                task_input,
                id=task_workflow_id(imported.key, task.code),
                task_queue=settings.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=initial_search_attributes(task_input),
            )
            report.started.append(task.code)
        except WorkflowAlreadyStartedError:
            workflow_id = task_workflow_id(imported.key, task.code)
            if await _is_running(client, workflow_id):
                report.already_running.append(task.code)
            else:
                report.already_closed.append(task.code)
    return report


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


def current_plan_key(settings: Settings) -> str:
    upgrade_schema(settings.resolved_database_url())
    with session_scope(settings.resolved_database_url()) as session:
        plan = latest_plan(session)
        if plan is None:
            raise PlanNotStartable("no plan has been imported yet: run `scheduler.py start FILE`")
        return plan.key


def unit_code(directory: UnitDirectory, name: str) -> str:
    """A unit by its code or any name the directory knows; unknown names are refused."""
    return directory.find(name).code


async def trigger_event(client: Client, plan_key: str, event: EventOccurrence) -> EventRouting:
    handle = client.get_workflow_handle_for(PlanWorkflow.run, plan_workflow_id(plan_key))
    return await handle.execute_update(PlanWorkflow.trigger_event, event)


def task_handle(
    client: Client, plan_key: str, task_code: str
) -> WorkflowHandle[TaskWorkflow, TaskSnapshot]:
    return client.get_workflow_handle_for(TaskWorkflow.run, task_workflow_id(plan_key, task_code))


async def submit_evidence(
    client: Client, plan_key: str, task_code: str, submission: EvidenceSubmission
) -> MilestoneView:
    handle = task_handle(client, plan_key, task_code)
    return await handle.execute_update(TaskWorkflow.submit_evidence, submission)


async def reject_evidence(
    client: Client, plan_key: str, task_code: str, rejection: EvidenceRejection
) -> MilestoneView:
    """The coordinator rejects delivered evidence: the milestone opens again and the lead
    units are told why."""
    handle = task_handle(client, plan_key, task_code)
    return await handle.execute_update(TaskWorkflow.reject_evidence, rejection)


async def request_extension(
    client: Client, plan_key: str, task_code: str, request: ExtensionRequest
) -> str:
    handle = task_handle(client, plan_key, task_code)
    return await handle.execute_update(TaskWorkflow.request_extension, request)


async def grant_extension(
    client: Client, plan_key: str, task_code: str, grant: ExtensionGrant
) -> MilestoneView:
    handle = task_handle(client, plan_key, task_code)
    return await handle.execute_update(TaskWorkflow.grant_extension, grant)


async def reassign_lead(
    client: Client, plan_key: str, task_code: str, reassignment: Reassignment
) -> list[str]:
    handle = task_handle(client, plan_key, task_code)
    return await handle.execute_update(TaskWorkflow.reassign_lead, reassignment)


async def cancel_task(
    client: Client, plan_key: str, task_code: str, closure: Closure, *, carry_over: bool = False
) -> TaskSnapshot:
    handle = task_handle(client, plan_key, task_code)
    if carry_over:
        return await handle.execute_update(TaskWorkflow.carry_over, closure)
    return await handle.execute_update(TaskWorkflow.cancel, closure)


async def task_snapshot(client: Client, plan_key: str, task_code: str) -> TaskSnapshot:
    return await task_handle(client, plan_key, task_code).query(TaskWorkflow.snapshot)
