"""What people do to a running plan: find the plan, task and unit a verb names, trigger its
events, send evidence, extend, reassign, cancel, and look at where a task stands. The CLI, the
simulator, the replies and the web app call these (starting a plan is control/starting.py).

Every operation that acts takes the `Actor` who acts and checks first that they may
(control.permissions): what the role decides before anything is asked of the engine, then what
depends on the task as its workflow sees it. The workflow judges the message once more when it
applies it.
"""

from __future__ import annotations

import dataclasses

from temporalio.client import Client, WorkflowHandle

from control.permissions import Action, Actor, TaskAccess, check_permitted
from models.workflow_messages import (
    Closure,
    EventOccurrence,
    EventRouting,
    EvidenceRejection,
    EvidenceSubmission,
    ExtensionGrant,
    ExtensionRefusal,
    ExtensionRequest,
    HistoryEntry,
    MilestoneView,
    Reassignment,
    TaskSnapshot,
)
from plan_import.agency import agency_directories
from plan_import.units import UnitDirectory
from settings import Settings
from storage.agencies import UnknownAgency, agency_of_code
from storage.db import session_scope, upgrade_schema
from storage.plans import get_agency, get_plan, list_tasks, plan_agency_code, running_plans
from workflows.plan import PlanWorkflow, plan_workflow_id
from workflows.task import TaskWorkflow, task_workflow_id


class NoPlanChosen(ValueError):
    """No plan, or more than one, fits what the verb was told: the message lists them."""


class NotRecorded(ValueError):
    """A correction of an event never recorded."""


def running_plan_key(settings: Settings, plan: str | None = None, agency: str | None = None) -> str:
    """The plan a verb acts on: the one named, or the only one the engine runs (of `agency`,
    when given). Importing or previewing a plan never changes the answer: only starting one
    does."""
    upgrade_schema(settings.resolved_database_url())
    with session_scope(settings.resolved_database_url()) as session:
        agency_id = None
        if agency:
            try:
                agency_id = agency_of_code(session, agency).id
            except UnknownAgency as error:
                raise NoPlanChosen(str(error)) from None
        if plan:
            stored = get_plan(session, plan)
            if stored is None:
                raise NoPlanChosen(f"no plan {plan!r} in the database")
            if agency_id is not None and stored.agency_id != agency_id:
                raise NoPlanChosen(
                    f"plan {plan} is of agency {get_agency(session, stored).code}, not {agency}"
                )
            if stored.started_at is None:
                raise NoPlanChosen(
                    f"plan {plan} has been imported but not started: "
                    "`scheduler.py start FILE` starts it"
                )
            return stored.key
        running = [
            p for p in running_plans(session) if agency_id is None or p.agency_id == agency_id
        ]
        of_agency = f" of agency {agency}" if agency else ""
        if len(running) == 1:
            return running[0].key
        if not running:
            raise NoPlanChosen(
                f"no plan{of_agency} is running: `scheduler.py start FILE` starts one"
            )
        listed = "; ".join(
            f"{p.key} ({p.title or p.source_name}; {get_agency(session, p).code})" for p in running
        )
        raise NoPlanChosen(
            f"{len(running)} plans{of_agency} are running, name one with --plan: {listed}"
        )


def plan_directory(settings: Settings, plan_key: str) -> UnitDirectory:
    """The unit directory of the agency the stored plan belongs to: the bundled one
    (NHACHAN_UNITS_FILE) or its own among NHACHAN_AGENCIES_DIR's."""
    upgrade_schema(settings.resolved_database_url())
    with session_scope(settings.resolved_database_url()) as session:
        agency = plan_agency_code(session, plan_key)
    directories = agency_directories(settings.units_file, settings.agencies_dir)
    return directories.home if agency is None else directories.of_agency(agency)


class UnknownTask(LookupError):
    """A task code the plan does not have; the message lists the codes it has."""


def task_code(settings: Settings, plan_key: str, code: str) -> str:
    """`code` once the stored plan has that task (the engine is not asked): an unknown name is
    refused as an unknown unit is, naming what is known."""
    with session_scope(settings.resolved_database_url()) as session:
        codes = [task.code for task in list_tasks(session, plan_key)]
    if code not in codes:
        shown = ", ".join(codes[:12]) + (", …" if len(codes) > 12 else "")
        raise UnknownTask(f"unknown task {code!r} in plan {plan_key} (its tasks: {shown})")
    return code


def unit_code(directory: UnitDirectory, name: str) -> str:
    """A unit by its code or any name the directory knows; unknown names are refused."""
    return directory.find(name).code


async def trigger_event(
    client: Client, plan_key: str, event: EventOccurrence, *, actor: Actor, correct: bool = False
) -> EventRouting:
    """Records the event as `actor` did. `correct`: it replaces the date recorded for its key
    (the coordinator confirms the first was wrong)."""
    check_permitted(actor, Action.RECORD_EVENT)
    handle = client.get_workflow_handle_for(PlanWorkflow.run, plan_workflow_id(plan_key))
    event = dataclasses.replace(event, recorded_by=actor.who)
    if correct:
        recorded = [e for e in await handle.query(PlanWorkflow.events) if e.key == event.key]
        if not recorded:
            raise NotRecorded(
                f"event {event.key!r} has not been recorded: there is nothing to correct"
            )
        event = dataclasses.replace(event, corrects=recorded[-1].occurred_on)
    return await handle.execute_update(PlanWorkflow.trigger_event, event)


def task_handle(
    client: Client, plan_key: str, task_code: str
) -> WorkflowHandle[TaskWorkflow, TaskSnapshot]:
    return client.get_workflow_handle_for(TaskWorkflow.run, task_workflow_id(plan_key, task_code))


async def task_access(handle: WorkflowHandle[TaskWorkflow, TaskSnapshot]) -> TaskAccess:
    """What permissions depend on, as the task's workflow sees it now."""
    return TaskAccess.of(await handle.query(TaskWorkflow.snapshot))


async def _checked_handle(
    client: Client,
    plan_key: str,
    task_code: str,
    actor: Actor,
    action: Action,
    *,
    for_unit: str | None = None,
    milestone_key: str | None = None,
) -> WorkflowHandle[TaskWorkflow, TaskSnapshot]:
    """The task's handle once `actor` may do `action` on it: the role first, then the task."""
    check_permitted(actor, action, for_unit=for_unit)
    handle = task_handle(client, plan_key, task_code)
    if action in (Action.SUBMIT_EVIDENCE, Action.REQUEST_EXTENSION):
        check_permitted(
            actor, action, await task_access(handle), for_unit=for_unit, milestone_key=milestone_key
        )
    return handle


async def submit_evidence(
    client: Client, plan_key: str, task_code: str, submission: EvidenceSubmission, *, actor: Actor
) -> MilestoneView:
    """`submission.submitted_by` is the unit delivering; `actor` enters it (the unit itself, or
    the coordinator naming the unit)."""
    handle = await _checked_handle(
        client,
        plan_key,
        task_code,
        actor,
        Action.SUBMIT_EVIDENCE,
        for_unit=submission.submitted_by,
        milestone_key=submission.milestone_key,
    )
    if actor.who != submission.submitted_by:
        submission = dataclasses.replace(submission, recorded_by=actor.who)
    return await handle.execute_update(TaskWorkflow.submit_evidence, submission)


async def reject_evidence(
    client: Client, plan_key: str, task_code: str, rejection: EvidenceRejection, *, actor: Actor
) -> MilestoneView:
    """The coordinator rejects delivered evidence: the milestone opens again and the lead
    units are told why."""
    handle = await _checked_handle(client, plan_key, task_code, actor, Action.REJECT_EVIDENCE)
    rejection = dataclasses.replace(rejection, rejected_by=actor.who)
    return await handle.execute_update(TaskWorkflow.reject_evidence, rejection)


async def request_extension(
    client: Client, plan_key: str, task_code: str, request: ExtensionRequest, *, actor: Actor
) -> str:
    """`request.requested_by` is the unit asking; `actor` enters it (see submit_evidence)."""
    handle = await _checked_handle(
        client,
        plan_key,
        task_code,
        actor,
        Action.REQUEST_EXTENSION,
        for_unit=request.requested_by,
        milestone_key=request.milestone_key,
    )
    if actor.who != request.requested_by:
        request = dataclasses.replace(request, recorded_by=actor.who)
    return await handle.execute_update(TaskWorkflow.request_extension, request)


async def grant_extension(
    client: Client, plan_key: str, task_code: str, grant: ExtensionGrant, *, actor: Actor
) -> MilestoneView:
    handle = await _checked_handle(client, plan_key, task_code, actor, Action.GRANT_EXTENSION)
    grant = dataclasses.replace(grant, granted_by=actor.who)
    return await handle.execute_update(TaskWorkflow.grant_extension, grant)


async def refuse_extension(
    client: Client, plan_key: str, task_code: str, refusal: ExtensionRefusal, *, actor: Actor
) -> MilestoneView:
    handle = await _checked_handle(client, plan_key, task_code, actor, Action.REFUSE_EXTENSION)
    refusal = dataclasses.replace(refusal, refused_by=actor.who)
    return await handle.execute_update(TaskWorkflow.refuse_extension, refusal)


async def reassign_lead(
    client: Client, plan_key: str, task_code: str, reassignment: Reassignment, *, actor: Actor
) -> list[str]:
    handle = await _checked_handle(client, plan_key, task_code, actor, Action.REASSIGN)
    reassignment = dataclasses.replace(reassignment, by=actor.who)
    return await handle.execute_update(TaskWorkflow.reassign_lead, reassignment)


async def cancel_task(
    client: Client,
    plan_key: str,
    task_code: str,
    closure: Closure,
    *,
    actor: Actor,
    carry_over: bool = False,
) -> TaskSnapshot:
    action = Action.CARRY_OVER if carry_over else Action.CANCEL
    handle = await _checked_handle(client, plan_key, task_code, actor, action)
    closure = dataclasses.replace(closure, by=actor.who)
    if carry_over:
        return await handle.execute_update(TaskWorkflow.carry_over, closure)
    return await handle.execute_update(TaskWorkflow.cancel, closure)


async def task_snapshot(client: Client, plan_key: str, task_code: str) -> TaskSnapshot:
    return await task_handle(client, plan_key, task_code).query(TaskWorkflow.snapshot)


async def task_history(client: Client, plan_key: str, task_code: str) -> list[HistoryEntry]:
    """The task's own history, as its workflow holds it."""
    return await task_handle(client, plan_key, task_code).query(TaskWorkflow.history)
