"""How the task and plan workflows ask for a message: which kind a scheduled step sends, the
request with its idempotency key, and one timeout and retry policy for `send_notification`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from deadlines import StepAction, StepAudience
    from models.payloads import MessageKind, NotificationOutcome, NotificationRequest
    from models.workflow_messages import MilestoneState, PlanWorkflowInput, TaskWorkflowInput

# A send and its log write (which waits out a locked database, notifications/dispatch.py) fit
# well inside the timeout; the heartbeat (before each send, while a write waits) tells the engine
# a worker died, so that its sends are retried within a minute rather than after the timeout.
# Options of the activity call only: a change to them replays unchanged.
NOTIFICATION_TIMEOUT = timedelta(minutes=5)
NOTIFICATION_HEARTBEAT = timedelta(seconds=20)
NOTIFICATION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=30),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=30),
    maximum_attempts=8,
)

_KIND_OF_ACTION = {
    StepAction.REMINDER: MessageKind.REMINDER,
    StepAction.CHECK_IN: MessageKind.CHECK_IN,
    # One overdue milestone, told to whoever the policy names (the lead units are asked to
    # deliver, the others to follow up); the leadership's goes into their summary (below).
    StepAction.ESCALATION: MessageKind.ESCALATION_COORDINATOR,
    StepAction.NUDGE: MessageKind.NUDGE,
}

# (step action, audience) -> the kind of message the notification activity renders.
NOTIFICATION_KINDS: Mapping[tuple[StepAction, StepAudience], MessageKind] = {
    **{
        (action, audience): _KIND_OF_ACTION[action]
        for action in StepAction
        for audience in StepAudience
    },
    (StepAction.ESCALATION, StepAudience.LEADERSHIP): MessageKind.ESCALATION_LEADERSHIP,
}


def milestone_request(
    task: TaskWorkflowInput,
    milestone: MilestoneState,
    kind: MessageKind,
    recipients: list[str],
    *,
    scheduled_at: datetime,
    tag: str,
    audience: StepAudience | Literal[""] = "",
    note: str = "",
    requested_by: str = "",
    requested_due_at: datetime | None = None,
) -> NotificationRequest:
    """A message about one milestone of a task. The key is the same each time the workflow
    asks for the same message (`tag` tells apart two asked at one instant), so a retry or a
    replay never sends it twice."""
    workflow_id = workflow.info().workflow_id
    return NotificationRequest(
        key=f"{workflow_id}/{milestone.key}/{kind}/{tag}/{scheduled_at.isoformat()}",
        workflow_id=workflow_id,
        kind=kind,
        plan_key=task.plan_key,
        task_code=task.task_code,
        task_title=task.title,
        milestone_key=milestone.key,
        milestone_label=milestone.milestone.label,
        scheduled_at=scheduled_at,
        recipients=recipients,
        due_at=milestone.milestone.due,
        evidence_hint=milestone.milestone.evidence_hint,
        audience=audience,
        note=note,
        requested_by=requested_by,
        requested_due_at=requested_due_at,
    )


def year_summary_request(plan: PlanWorkflowInput) -> NotificationRequest:
    """The leadership's account of the plan year, once per plan and year."""
    workflow_id = workflow.info().workflow_id
    return NotificationRequest(
        key=f"{workflow_id}/{MessageKind.YEAR_SUMMARY}/{plan.year}",
        workflow_id=workflow_id,
        kind=MessageKind.YEAR_SUMMARY,
        plan_key=plan.plan_key,
        task_code="",
        task_title="",
        milestone_key="",
        milestone_label="",
        scheduled_at=plan.year_summary_at,
        recipients=[plan.leadership],
    )


async def send_notification(request: NotificationRequest) -> None:
    """Raises ActivityError once every attempt failed; the notification log holds why."""
    await workflow.execute_activity(
        "send_notification",
        request,
        result_type=NotificationOutcome,
        start_to_close_timeout=NOTIFICATION_TIMEOUT,
        heartbeat_timeout=NOTIFICATION_HEARTBEAT,
        retry_policy=NOTIFICATION_RETRY,
    )
