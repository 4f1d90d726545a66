"""How the task and plan workflows ask for a message: which kind a scheduled step sends, the
request with its idempotency key (for a step, and for each decision a task's units are told
of), and how each is sent: a task's messages in batches (`send_messages`, see workflows.sending),
anything else one by one, outside office hours after a durable wait for the opening."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from deadlines import StepAction, StepAudience
    from models.payloads import (
        DecisionFacts,
        MessageBatch,
        MessageKind,
        MessageResult,
        NotificationOutcome,
        NotificationRequest,
    )
    from models.workflow_messages import (
        Closure,
        EventDelivery,
        EventOccurrence,
        EvidenceRejection,
        EvidenceSubmission,
        ExtensionGrant,
        ExtensionRefusal,
        ExtensionRequest,
        MilestoneState,
        PlanWorkflowInput,
        Reassignment,
        RecordedBatch,
        TaskWorkflowInput,
    )

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

# A batch of a task's messages (`send_messages`): quiet hours and failed deliveries come back as
# results, and the task's sender waits for them on its own timers; only a call that could not
# run at all (a worker gone) is retried here, a few times.
BATCH_TIMEOUT = timedelta(minutes=10)
BATCH_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=10),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=3,
)
# The same batch as a local activity (marker "local-send"): the worker that runs the workflow
# task runs the send in it, and its result is recorded with that task's commands, so a step's
# instant is one workflow task (the timer's) instead of two (the timer's, then the activity's
# result) and the activity's round trip through the server is gone. What changes in production:
# - Heartbeat: none reaches the server (a local activity has no heartbeat timeout; the
#   activity's heartbeat thread, activities/notify.py, beats into the void). What tells the
#   engine that a worker died mid-send is the workflow task's timeout instead (10 s): the SDK
#   extends the task while a local activity runs (at 80 % of it, it completes the task and asks
#   for a new one, "workflow task heartbeating"), so a send that takes the SMTP timeout (15 s a
#   message) costs a workflow task or two more, and signals and updates that arrive meanwhile
#   are taken at those boundaries (within about 8 s), not at once.
# - A worker that dies mid-send: the workflow task times out, the next worker replays the
#   history, finds no result for the send and runs it again from its first attempt. The log's
#   claim (notifications/dispatch.py, `claim_for` 30 s) keeps it from sending a row twice: a
#   row still claimed comes back "not reached yet" and waits its retry on the outbox's timer
#   (30 s, counted as a failed attempt); a claim found expired is the same uncertain resend
#   under the same Message-ID as on the activity path.
# - Retries of a call that failed (not a message's failure: those come back as results): the
#   SDK retries a local activity in the worker while the backoff is under the threshold, with
#   the workflow task held open. BATCH_RETRY's backoffs (10 s, 20 s) are above it, so each is a
#   timer in the history and a new workflow task, as the activity's retries were, and the task
#   goes on deciding meanwhile.
# - Quiet hours: unchanged, the activity answers "held until" and the sender waits on a timer.
#   It decides by the worker's clock (Temporal's, in production), or, on the time-skipping test
#   server, by the instant the batch carries (activities/notify.py, `_batch_now`): a send run
#   again after a worker died is not decided by the instant it was first asked at.
# - Slots: the sends take the worker's local activity slots, beside the projection's writes
#   (control.runtime.activity_threads sizes the threads for both).
# - An update's answer goes out with the workflow task that gives it; a local send in that task
#   would hold it back, so what a round that answered an update queued goes by the activity
#   (workflows.sending): record first, tell later, the answer never waits for a message.
# - A slow channel: one attempt of the local send runs for LOCAL_SEND_LIMIT at most. A batch on
#   a slow SMTP server (a second a message; apprise gives up on an answer after 4 s) held its
#   workflow task open, and an update that came meanwhile waited for the batch's end (the SDK's
#   extension of the task at 8 s did not let it in: 11 s for 12 messages in the drill
#   tests/drills/test_slow_send_update.py). Past the limit the attempt is given up as timed out, the
#   workflow task ends (its retry waits on a timer: BATCH_RETRY's first backoff is above
#   LOCAL_RETRY_THRESHOLD), and the update is taken at once. The attempt's thread goes on with
#   its sends and records them (a cancellation waits for a send and its record,
#   activities/notify.py); the retry finds those rows sent, or still claimed and so "not
#   reached yet" (the outbox tries them again on its timer): nothing is sent twice. An option
#   of the call only: histories replay unchanged (a timed-out attempt backs off as any failed
#   attempt of a local activity does, on the retry's timer).
LOCAL_RETRY_THRESHOLD = timedelta(seconds=5)
LOCAL_SEND_LIMIT = timedelta(seconds=3)

# A single message outside the task workflows (the plan's year summary): quiet hours end the
# attempt at once (`send_in_office_hours` waits for the opening on a timer); a failed delivery is
# retried by the policy above.
QUIET_HOURS = "QuietHours"
SINGLE_RETRY = dataclasses.replace(NOTIFICATION_RETRY, non_retryable_error_types=[QUIET_HOURS])

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
    decision: DecisionFacts | None = None,
) -> NotificationRequest:
    """A message about one milestone of a task. The key is the same each time the workflow
    asks for the same message (`tag` tells apart two asked at one instant), so a retry or a
    replay never sends it twice."""
    workflow_id = workflow.info().workflow_id
    planned = milestone.milestone
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
        event_key=planned.event_key or "",
        event_text=planned.text if planned.event_key else "",
        decision=decision,
    )


def task_request(
    task: TaskWorkflowInput,
    kind: MessageKind,
    recipients: list[str],
    *,
    scheduled_at: datetime,
    tag: str,
    decision: DecisionFacts | None = None,
    milestone: MilestoneState | None = None,
) -> NotificationRequest:
    """A message about the whole task (a reassignment, a cancellation, a late start): the
    message lists the task's milestones as the engine recorded them. `milestone`, when given,
    is the one it is most about."""
    if milestone is not None:
        return milestone_request(
            task,
            milestone,
            kind,
            recipients,
            scheduled_at=scheduled_at,
            tag=tag,
            decision=decision,
        )
    workflow_id = workflow.info().workflow_id
    return NotificationRequest(
        key=f"{workflow_id}/{kind}/{tag}/{scheduled_at.isoformat()}",
        workflow_id=workflow_id,
        kind=kind,
        plan_key=task.plan_key,
        task_code=task.task_code,
        task_title=task.title,
        milestone_key="",
        milestone_label="",
        scheduled_at=scheduled_at,
        recipients=recipients,
        decision=decision,
    )


# The decisions, each told to the units it concerns; `at` is the instant it was decided.


def extension_request_message(
    task: TaskWorkflowInput,
    milestone: MilestoneState,
    request: ExtensionRequest,
    asked_due: datetime,
    *,
    at: datetime,
) -> NotificationRequest:
    """To the coordinator: who asks, until when, why."""
    return milestone_request(
        task,
        milestone,
        MessageKind.EXTENSION_REQUEST,
        [task.coordinator],
        scheduled_at=at,
        tag=request.requested_by,
        audience=StepAudience.COORDINATOR,
        note=request.reason,
        requested_by=request.requested_by,
        requested_due_at=asked_due,
    )


def extension_granted_message(
    task: TaskWorkflowInput,
    milestone: MilestoneState,
    lead_units: list[str],
    grant: ExtensionGrant,
    previous_due: datetime | None,
    *,
    at: datetime,
) -> NotificationRequest:
    """To the lead units: the new due date (the milestone's), the old one, and why."""
    return milestone_request(
        task,
        milestone,
        MessageKind.EXTENSION_GRANTED,
        lead_units,
        scheduled_at=at,
        tag=grant.granted_by,
        audience=StepAudience.LEAD,
        decision=DecisionFacts(
            by=grant.granted_by, reason=grant.reason, previous_due_at=previous_due
        ),
    )


def extension_refused_message(
    task: TaskWorkflowInput,
    milestone: MilestoneState,
    lead_units: list[str],
    refusal: ExtensionRefusal,
    request: ExtensionRequest,
    *,
    at: datetime,
) -> NotificationRequest:
    """To the lead units: the day they asked for, refused, and why."""
    return milestone_request(
        task,
        milestone,
        MessageKind.EXTENSION_REFUSED,
        lead_units,
        scheduled_at=at,
        tag=refusal.refused_by,
        audience=StepAudience.LEAD,
        decision=DecisionFacts(
            by=refusal.refused_by, reason=refusal.reason, asked_on=request.new_due_on
        ),
    )


def evidence_received_message(
    task: TaskWorkflowInput,
    milestone: MilestoneState,
    submission: EvidenceSubmission,
    *,
    at: datetime,
) -> NotificationRequest:
    """To the coordinator: what arrived (the delivery reads it from the record)."""
    return milestone_request(
        task,
        milestone,
        MessageKind.EVIDENCE_RECEIVED,
        [task.coordinator],
        scheduled_at=at,
        tag=submission.submitted_by,
        audience=StepAudience.COORDINATOR,
    )


def clock_started_message(
    task: TaskWorkflowInput,
    milestone: MilestoneState,
    lead_units: list[str],
    event: EventOccurrence,
    *,
    at: datetime,
) -> NotificationRequest:
    """To the lead units: the event, and the due date it set (the milestone's)."""
    return milestone_request(
        task,
        milestone,
        MessageKind.CLOCK_STARTED,
        lead_units,
        scheduled_at=at,
        tag=event.identity,
        audience=StepAudience.LEAD,
        decision=DecisionFacts(
            by=event.recorded_by,
            event_on=event.occurred_on,
            event_decision=event.decision,
            corrected=event.corrects is not None,
        ),
    )


def reassigned_message(
    task: TaskWorkflowInput,
    previous: list[str],
    lead_units: list[str],
    reassignment: Reassignment,
    *,
    at: datetime,
) -> NotificationRequest:
    """To the old and the new lead units: who leads now, and why."""
    return task_request(
        task,
        MessageKind.REASSIGNED,
        list(dict.fromkeys([*previous, *lead_units])),
        scheduled_at=at,
        tag=reassignment.by,
        decision=DecisionFacts(
            by=reassignment.by,
            reason=reassignment.reason,
            previous_lead_units=list(previous),
            lead_units=list(lead_units),
        ),
    )


def closed_message(
    task: TaskWorkflowInput,
    kind: MessageKind,
    recipients: list[str],
    closure: Closure,
    *,
    at: datetime,
) -> NotificationRequest:
    """A task cancelled or carried over (`kind`): to its lead units and the coordinator."""
    return task_request(
        task,
        kind,
        recipients,
        scheduled_at=at,
        tag=closure.by,
        decision=DecisionFacts(by=closure.by, reason=closure.reason),
    )


def year_summary_request(
    plan: PlanWorkflowInput, later: tuple[int, datetime] | None = None
) -> NotificationRequest:
    """The leadership's account of the plan year, once per plan and year: the first (the only
    one of a plan of one year), or `later`, a later year of a plan of several and when its
    summary is due."""
    workflow_id = workflow.info().workflow_id
    year, at = later or (plan.year, plan.year_summary_at)
    return NotificationRequest(
        key=f"{workflow_id}/{MessageKind.YEAR_SUMMARY}/{year}",
        workflow_id=workflow_id,
        kind=MessageKind.YEAR_SUMMARY,
        plan_key=plan.plan_key,
        task_code="",
        task_title="",
        milestone_key="",
        milestone_label="",
        scheduled_at=at,
        recipients=[plan.leadership],
        summary_year=year if later else None,
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


async def send_messages(batch: MessageBatch, *, local: bool = False) -> list[MessageResult]:
    """What each message of `batch` came to (see models.payloads.SendResult): by an activity
    through the server, or (`local`, runs that took the marker "local-send") by a local activity
    in the workflow task that asked for it (see LOCAL_RETRY_THRESHOLD)."""
    if local:
        return await _batch_sent_locally("send_messages", batch)
    results: list[MessageResult] = await workflow.execute_activity(
        "send_messages",
        batch,
        result_type=list[MessageResult],
        start_to_close_timeout=BATCH_TIMEOUT,
        heartbeat_timeout=NOTIFICATION_HEARTBEAT,
        retry_policy=BATCH_RETRY,
    )
    return results


async def record_and_send(job: RecordedBatch) -> list[MessageResult]:
    """Runs that took the marker "record-and-send": a round's projection written, then its
    batch sent, by one local activity in the round's workflow task (activities/record_and_send.py),
    with the local send's options."""
    return await _batch_sent_locally("record_and_send", job)


async def _batch_sent_locally(activity: str, arg: object) -> list[MessageResult]:
    """An attempt gives way after LOCAL_SEND_LIMIT (above), a round's write and its batch alike."""
    results: list[MessageResult] = await workflow.execute_local_activity(
        activity,
        arg,
        result_type=list[MessageResult],
        start_to_close_timeout=LOCAL_SEND_LIMIT,
        retry_policy=BATCH_RETRY,
        local_retry_threshold=LOCAL_RETRY_THRESHOLD,
    )
    return results


def quiet_until(error: ActivityError) -> datetime | None:
    """When the office opens, if `error` is an activity refusing to send in quiet hours (the
    activity names the opening, from the calendar: see activities/notify.py)."""
    cause = error.cause
    if not isinstance(cause, ApplicationError) or cause.type != QUIET_HOURS or not cause.details:
        return None
    return datetime.fromisoformat(str(cause.details[0]))


async def wait_for_opening(error: ActivityError) -> bool:
    """Sleeps on a durable timer until the opening `error` names; False if it names none."""
    opens = quiet_until(error)
    if opens is None:
        return False
    await workflow.sleep(max(opens - workflow.now(), timedelta(seconds=1)))
    return True


async def send_in_office_hours(
    request: NotificationRequest | EventDelivery, activity: str = "send_notification"
) -> None:
    """`send_notification` (or `activity`), outside office hours after waiting on a timer for
    the opening (no activity held in retry all night). Raises ActivityError once every attempt
    failed."""
    while True:
        try:
            await workflow.execute_activity(
                activity,
                request,
                result_type=NotificationOutcome,
                start_to_close_timeout=NOTIFICATION_TIMEOUT,
                heartbeat_timeout=NOTIFICATION_HEARTBEAT,
                retry_policy=SINGLE_RETRY,
            )
            return
        except ActivityError as error:
            if not await wait_for_opening(error):
                raise


async def send_clocks_started(delivery: EventDelivery) -> None:
    """Each lead unit of the tasks `delivery` reached, told once of the due dates the event
    started there (activities/notify.py `send_clocks_started`: it waits for the tasks to record
    their reaction). Raises ActivityError once every attempt failed."""
    await send_in_office_hours(delivery, "send_clocks_started")


def evidence_rejected_message(
    task: TaskWorkflowInput,
    milestone: MilestoneState,
    lead_units: list[str],
    rejection: EvidenceRejection,
    *,
    at: datetime,
) -> NotificationRequest:
    """To the lead units: the milestone is open again, and why (the reason is the note)."""
    return milestone_request(
        task,
        milestone,
        MessageKind.EVIDENCE_REJECTED,
        lead_units,
        scheduled_at=at,
        tag=StepAudience.LEAD,
        audience=StepAudience.LEAD,
        note=rejection.reason,
    )
