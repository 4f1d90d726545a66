"""The task workflow's update handlers as they were before the safe-message-handler pattern.

A task workflow whose run began before the `SAFE_HANDLERS` patch (workflows.task) keeps them
until it continues as new, so that its history replays: each does its work inside the handler,
awaiting activities there. Do not change what they ask of Temporal; new behaviour belongs to the
main loop of workflows.task.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from temporalio import workflow

from workflows.activity_calls import ask, tell
from workflows.notification_calls import evidence_rejected_message, extension_request_message

with workflow.unsafe.imports_passed_through():
    from deadlines import ScheduledStep
    from models.statuses import TaskStatus
    from models.workflow_messages import (
        Closure,
        DueOnDayRequest,
        EvidenceRecord,
        EvidenceRejection,
        EvidenceSubmission,
        ExtensionGrant,
        ExtensionRequest,
        MilestoneView,
        Reassignment,
        ScheduleRequest,
        TaskSnapshot,
    )
    from workflows import task_views as views

if TYPE_CHECKING:
    from workflows.task import TaskWorkflow

# The extension request's message to the coordinator landed without a marker: a run that began
# before it only records the request.
EXTENSION_REQUEST_MESSAGE = "extension-request-message"


async def submit_evidence(wf: TaskWorkflow, submission: EvidenceSubmission) -> MilestoneView:
    milestone = wf._task.milestone(submission.milestone_key)
    if milestone.closed:  # the same evidence sent twice while the first was recorded
        return views.view(milestone)
    now = workflow.now()
    on_time = wf._task.mark_done(milestone, submission)
    wf._wake = True
    await tell(
        "record_evidence",
        EvidenceRecord(
            plan_key=wf._input.plan_key,
            task_code=wf._input.task_code,
            submission=submission,
            submitted_at=now,
            on_time=on_time,
        ),
    )
    return views.view(milestone)


async def request_extension(wf: TaskWorkflow, request: ExtensionRequest) -> str:
    wf._task.note_extension_request(request)
    if not workflow.patched(EXTENSION_REQUEST_MESSAGE):
        return "recorded: the coordinator decides"
    milestone = wf._task.milestone(request.milestone_key)
    asked_due = await ask(
        "due_on_day",
        DueOnDayRequest(task_code=wf._input.task_code, year=wf._input.year, day=request.new_due_on),
        datetime,
    )
    await wf._notify(
        extension_request_message(wf._input, milestone, request, asked_due, at=workflow.now())
    )
    return "recorded: the coordinator decides"


async def grant_extension(wf: TaskWorkflow, grant: ExtensionGrant) -> MilestoneView:
    milestone = wf._task.open_milestone(grant.milestone_key)
    due = await ask(
        "due_on_day",
        DueOnDayRequest(task_code=wf._input.task_code, year=wf._input.year, day=grant.new_due_on),
        datetime,
    )
    wf._task.extend(milestone, due, grant)
    await wf._plan_steps(milestone, after=workflow.now())
    wf._wake = True
    return views.view(milestone)


def reassign_lead(wf: TaskWorkflow, reassignment: Reassignment) -> list[str]:
    lead_units = wf._task.reassign(reassignment)
    wf._wake = True
    return lead_units


def close(wf: TaskWorkflow, status: TaskStatus, closure: Closure) -> TaskSnapshot:
    wf._task.close(status, closure)
    wf._wake = True
    return wf._snapshot()


async def reject_evidence(wf: TaskWorkflow, rejection: EvidenceRejection) -> MilestoneView:
    """Inline, as the handlers of these runs are: the new schedule is asked for before anything
    changes, so that the main loop, woken by the change, never plans the reopened milestone at
    the same time; then the rejection is judged again (the review window may have closed)."""
    milestone = wf._task.milestone(rejection.milestone_key)
    now = workflow.now()
    until = wf._task.planning_until(milestone, now)
    steps: list[ScheduledStep] = await ask(
        "schedule_milestone",
        ScheduleRequest(
            task_code=wf._input.task_code,
            year=wf._input.year,
            milestone=milestone.milestone,
            after=now,
            until=until,
        ),
        list[ScheduledStep],
    )
    wf._check(wf._check_rejection, rejection)
    wf._task.reopen(milestone, rejection)
    wf._task.set_steps(milestone, steps, until)
    wf._wake = True
    lead_units = list(wf._task.state.lead_units)
    await wf._notify(evidence_rejected_message(wf._input, milestone, lead_units, rejection, at=now))
    return views.view(milestone)
