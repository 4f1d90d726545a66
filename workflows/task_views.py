"""What a task shows: its snapshot, the status people see, its next step and whom it reaches.

Pure functions of the task's input and state, like `TaskTracker` (workflows.task_state).
"""

from __future__ import annotations

from datetime import datetime

from deadlines import StepAudience
from models.statuses import DisplayStatus, MilestoneStatus, TaskStatus
from models.workflow_messages import (
    MilestoneState,
    MilestoneView,
    NextAction,
    TaskSnapshot,
    TaskState,
    TaskWorkflowInput,
)

_CLOSED_TASK_DISPLAY = {
    TaskStatus.DONE: DisplayStatus.DONE,
    TaskStatus.CANCELLED: DisplayStatus.CANCELLED,
    TaskStatus.CARRIED_OVER: DisplayStatus.CARRIED_OVER,
}


def recipients(input: TaskWorkflowInput, state: TaskState, audience: StepAudience) -> list[str]:
    """The units a step for `audience` reaches now (the lead units change on reassignment)."""
    if audience is StepAudience.LEAD:
        return list(state.lead_units)
    if audience is StepAudience.COORDINATING:
        return list(input.coordinating_units)
    if audience is StepAudience.COORDINATOR:
        return [input.coordinator]
    return [input.leadership]


def view(milestone: MilestoneState) -> MilestoneView:
    return MilestoneView(
        key=milestone.key,
        label=milestone.milestone.label,
        kind=milestone.milestone.kind,
        status=milestone.status,
        due=milestone.milestone.due,
        closed_at=milestone.closed_at,
        event_key=milestone.milestone.event_key,
        evidence=list(milestone.evidence),
    )


def next_action(input: TaskWorkflowInput, state: TaskState) -> NextAction | None:
    upcoming = [(m.steps[0], m) for m in state.milestones if m.steps and not m.closed]
    if not upcoming or state.status is not TaskStatus.ACTIVE:
        return None
    step, milestone = min(upcoming, key=lambda pair: pair[0].at)
    return NextAction(
        at=step.at,
        action=step.action,
        milestone_key=milestone.key,
        to=recipients(input, state, step.audience),
    )


def next_due(state: TaskState) -> datetime | None:
    """The earliest due instant of the milestones still open."""
    open_dues = [
        m.milestone.due for m in state.milestones if not m.closed and m.milestone.due is not None
    ]
    return min(open_dues) if open_dues else None


def display_status(state: TaskState) -> DisplayStatus:
    if state.status is TaskStatus.DONE and not any(
        m.status in (MilestoneStatus.DONE_ON_TIME, MilestoneStatus.DONE_LATE)
        for m in state.milestones
    ):
        # Ongoing work or a recurring obligation that the year ended: nothing was delivered.
        return DisplayStatus.ENDED
    if state.status is not TaskStatus.ACTIVE:
        return _CLOSED_TASK_DISPLAY[state.status]
    statuses = {m.status for m in state.milestones if not m.closed}
    if MilestoneStatus.OVERDUE in statuses:
        return DisplayStatus.OVERDUE
    if statuses == {MilestoneStatus.WAITING_EVENT}:
        return DisplayStatus.WAITING_EVENT
    return DisplayStatus.ACTIVE


def snapshot(input: TaskWorkflowInput, state: TaskState) -> TaskSnapshot:
    return TaskSnapshot(
        plan_key=input.plan_key,
        task_code=input.task_code,
        title=input.title,
        status=state.status,
        lead_units=list(state.lead_units),
        milestones=[view(m) for m in state.milestones],
        next_action=next_action(input, state),
        display_status=display_status(state),
        closing_reason=state.closing_reason,
    )


def published(snapshot: TaskSnapshot) -> tuple[object, ...]:
    """What of a snapshot the projection shows: a task writes its projection when this
    changed. The next step too: `status` must not show one that has already happened."""
    return (
        snapshot.display_status,
        tuple(snapshot.lead_units),
        tuple((m.key, m.status, m.due, m.closed_at) for m in snapshot.milestones),
        snapshot.next_action,
    )
