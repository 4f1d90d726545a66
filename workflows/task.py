"""One durable workflow per task of the plan: it decides what to send when, and waits.

Every date comes from the deadline policy through activities (the calendar is not workflow
code); this class only follows the schedule it is given, reacts to messages, and records.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TypeVar, cast

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.activity_calls import ask, tell

with workflow.unsafe.imports_passed_through():
    # pydantic resolves a payload's annotations in the module that defines it, looking it up in
    # the sandbox's sys.modules: every such module must be imported here by name.
    import deadlines.language
    import deadlines.planning
    import deadlines.schedule  # noqa: F401
    import models.payloads
    import models.statuses
    import models.workflow_messages  # noqa: F401
    from deadlines import MilestoneKind, PlannedMilestone, ScheduledStep, StepAudience
    from deadlines.local_time import end_of_plan_year, local_day
    from models.payloads import MessageKind, NotificationOutcome, NotificationRequest
    from models.statuses import MilestoneStatus, TaskStatus
    from models.workflow_messages import (
        Closure,
        DueAfterEventRequest,
        DueOnDayRequest,
        EventOccurrence,
        EvidenceRecord,
        EvidenceSubmission,
        ExtensionGrant,
        ExtensionRequest,
        HistoryEntry,
        MilestoneState,
        MilestoneView,
        NextAction,
        PlanTaskRequest,
        Reassignment,
        ScheduleRequest,
        TaskSnapshot,
        TaskState,
        TaskWorkflowInput,
    )
    from workflows import search_attributes as sa

# How far ahead the policy is asked for steps at a time. Escalations repeat weekly without end,
# so the schedule of an overdue milestone is fetched window by window.
PLANNING_WINDOW = timedelta(days=120)
# The longest single wait, so that a task with nothing scheduled still wakes now and then.
LONGEST_WAIT = timedelta(days=30)
# Past this many history events the run hands its state to a fresh one.
HISTORY_LIMIT = 2_000

NOTIFICATION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=30),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=30),
    maximum_attempts=8,
)

# (step action, audience) -> the kind of message the notification activity renders.
NOTIFICATION_KINDS = {
    ("reminder", "lead"): "reminder",
    ("reminder", "coordinating"): "reminder",
    ("check_in", "lead"): "check_in",
    ("check_in", "coordinating"): "check_in",
    ("escalation", "coordinator"): "escalation_coordinator",
    ("escalation", "leadership"): "escalation_leadership",
    ("escalation", "lead"): "escalation_coordinator",
    ("nudge", "coordinator"): "nudge",
}

WAITING_KINDS = frozenset(
    {MilestoneKind.AFTER_EVENT, MilestoneKind.OUTSIDE_PLAN, MilestoneKind.RECURRING_EVENT}
)
# Milestones that have no deliverable of their own end with the plan year.
ENDS_WITH_YEAR_KINDS = frozenset({MilestoneKind.ONGOING, MilestoneKind.RECURRING_EVENT})


M = TypeVar("M")


def task_workflow_id(plan_key: str, task_code: str) -> str:
    return f"{plan_key}/{task_code}"


@workflow.defn(name="TaskWorkflow")
class TaskWorkflow:
    @workflow.init
    def __init__(self, input: TaskWorkflowInput) -> None:
        # The input is known before any message handler runs.
        self._input = input
        self._state = TaskState(milestones=[], lead_units=[])
        self._wake = False
        self._pending_events: list[EventOccurrence] = []
        self._pending_closings: list[str] = []
        self._period_closed = False
        self._published: tuple[object, ...] | None = None
        self._searchable: tuple[object, ...] | None = None
        # False until the first run has planned the task (or a later run restored its state).
        self._ready = False

    # ----------------------------------------------------------------------------- the run

    @workflow.run
    async def run(self, input: TaskWorkflowInput) -> TaskSnapshot:
        if input.state is None:
            await self._begin()
        else:
            self._state = input.state
        self._ready = True
        await self._publish()

        while self._state.status is TaskStatus.ACTIVE:
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._wake, timeout=self._time_to_wake())
            # Cleared before the work, not after: a message that arrives while an activity of
            # this round runs must wake the next round.
            self._wake = False
            await self._apply_events()
            self._advance_statuses()
            await self._fire_due_steps()
            await self._send_closings()
            await self._plan_further_steps()
            self._close_task_if_done()
            await self._publish()
            if self._state.status is TaskStatus.ACTIVE and self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(dataclasses.replace(input, state=self._state))

        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._send_closings()
        await self._publish()
        return self._snapshot()

    async def _begin(self) -> None:
        planned: list[PlannedMilestone] = await ask(
            "plan_task_milestones",
            PlanTaskRequest(
                task_code=self._input.task_code,
                title=self._input.title,
                deadline_text=self._input.deadline_text,
                year=self._input.year,
                written_year=self._input.written_year,
            ),
            list[PlannedMilestone],
        )
        self._state = TaskState(
            milestones=[self._new_milestone(m) for m in planned],
            lead_units=list(self._input.lead_units),
        )
        self._record("started", detail=self._input.deadline_text)
        # A task started after its event already happened still sees it.
        if any(m.status is MilestoneStatus.WAITING_EVENT for m in self._state.milestones):
            known: list[EventOccurrence] = await ask(
                "events_for_plan", self._input.plan_key, list[EventOccurrence]
            )
            self._pending_events.extend(known)
            await self._apply_events()
        for milestone in list(self._state.milestones):
            if not milestone.steps and milestone.planned_until is None:
                await self._plan_steps(milestone, after=None)
        self._advance_statuses()
        await self._catch_up()

    def _new_milestone(self, planned: PlannedMilestone) -> MilestoneState:
        now = workflow.now()
        if planned.due is None and planned.kind in WAITING_KINDS:
            status = MilestoneStatus.WAITING_EVENT
        elif planned.opens is not None and planned.opens > now:
            status = MilestoneStatus.SCHEDULED
        else:
            status = MilestoneStatus.OPEN
        return MilestoneState(milestone=planned, status=status)

    async def _catch_up(self) -> None:
        """A task started late sends, per milestone, only the latest step it missed, once."""
        now = workflow.now()
        for milestone in self._state.milestones:
            missed = [step for step in milestone.steps if step.at <= now]
            if not missed:
                continue
            latest = max(step.at for step in missed)
            milestone.steps = [step for step in milestone.steps if step.at > now]
            if milestone.closed:
                continue
            skipped = len([s for s in missed if s.at < latest])
            if skipped:
                self._record(
                    "caught_up",
                    milestone.key,
                    detail=f"started late: {skipped} earlier step(s) not replayed",
                )
            await self._send_steps(milestone, [step for step in missed if step.at == latest])

    # ----------------------------------------------------------------------------- waiting

    def _time_to_wake(self) -> timedelta:
        now = workflow.now()
        wake_points = [now + LONGEST_WAIT]
        for milestone in self._state.milestones:
            if milestone.closed:
                continue
            if milestone.steps:
                wake_points.append(milestone.steps[0].at)
            elif milestone.planned_until is not None:
                wake_points.append(milestone.planned_until)
            planned = milestone.milestone
            if milestone.status is MilestoneStatus.SCHEDULED and planned.opens is not None:
                wake_points.append(planned.opens)
            if milestone.status is MilestoneStatus.OPEN and planned.due is not None:
                wake_points.append(planned.due + timedelta(seconds=1))
            if planned.kind in ENDS_WITH_YEAR_KINDS and milestone.occurrence_of is None:
                wake_points.append(self._year_end())
        return max(min(wake_points) - now, timedelta(seconds=1))

    def _year_end(self) -> datetime:
        return end_of_plan_year(self._input.year)

    def _advance_statuses(self) -> None:
        now = workflow.now()
        for milestone in self._state.milestones:
            planned = milestone.milestone
            if milestone.status is MilestoneStatus.SCHEDULED and (
                planned.opens is None or planned.opens <= now
            ):
                milestone.status = MilestoneStatus.OPEN
                self._record("opened", milestone.key)
            if (
                milestone.status is MilestoneStatus.OPEN
                and planned.due is not None
                and now > planned.due
            ):
                milestone.status = MilestoneStatus.OVERDUE
                self._record("overdue", milestone.key, detail=f"due {planned.due.isoformat()}")
                if planned.kind is MilestoneKind.PERIODIC:
                    self._period_closed = True
            if (
                planned.kind in ENDS_WITH_YEAR_KINDS
                and milestone.occurrence_of is None
                and not milestone.closed
                and now >= self._year_end()
            ):
                milestone.status = MilestoneStatus.ENDED
                milestone.closed_at = now
                milestone.steps = []
                self._record("ended", milestone.key, detail="the plan year is over")

    # ----------------------------------------------------------------------------- steps

    async def _plan_steps(self, milestone: MilestoneState, *, after: datetime | None) -> None:
        now = workflow.now()
        start = after or now
        anchor = max(start, milestone.milestone.due or start)
        until = anchor + PLANNING_WINDOW
        steps: list[ScheduledStep] = await ask(
            "schedule_milestone",
            ScheduleRequest(
                task_code=self._input.task_code,
                year=self._input.year,
                milestone=milestone.milestone,
                after=after,
                until=until,
            ),
            list[ScheduledStep],
        )
        milestone.steps = sorted(steps, key=lambda step: (step.at, step.action, step.audience))
        milestone.planned_until = until

    async def _plan_further_steps(self) -> None:
        now = workflow.now()
        for milestone in self._state.milestones:
            if (
                not milestone.closed
                and not milestone.steps
                and milestone.planned_until is not None
                and milestone.planned_until <= now
            ):
                await self._plan_steps(milestone, after=milestone.planned_until)

    async def _fire_due_steps(self) -> None:
        now = workflow.now()
        for milestone in self._state.milestones:
            due_now: list[ScheduledStep] = []
            while milestone.steps and milestone.steps[0].at <= now and not milestone.closed:
                due_now.append(milestone.steps.pop(0))
            await self._send_steps(milestone, due_now)

    async def _send_steps(self, milestone: MilestoneState, steps: list[ScheduledStep]) -> None:
        """Each unit gets each kind of message once per instant, even when it is reached twice
        (a coordinator that leads the task is told as lead and as coordinator)."""
        told: dict[tuple[datetime, str], set[str]] = {}
        for step in steps:
            kind = NOTIFICATION_KINDS.get((step.action, step.audience), step.action)
            already = told.setdefault((step.at, kind), set())
            recipients = [u for u in self._recipients(step.audience) if u not in already]
            already.update(recipients)
            if not recipients:
                continue
            await self._notify(
                milestone,
                kind,
                recipients,
                scheduled_at=step.at,
                tag=step.audience,
                audience=step.audience,
            )
            self._record(step.action, milestone.key, to=recipients, detail=step.note)

    def _recipients(self, audience: str) -> list[str]:
        if audience == "lead":
            return list(self._state.lead_units)
        if audience == "coordinating":
            return list(self._input.coordinating_units)
        if audience == "coordinator":
            return [self._input.coordinator]
        if audience == "leadership":
            return [self._input.leadership]
        return []

    async def _notify(
        self,
        milestone: MilestoneState,
        kind: str,
        recipients: list[str],
        *,
        scheduled_at: datetime,
        tag: str,
        audience: str = "",
        note: str = "",
        requested_by: str = "",
        requested_due_at: datetime | None = None,
    ) -> None:
        workflow_id = workflow.info().workflow_id
        request = NotificationRequest(
            key=f"{workflow_id}/{milestone.key}/{kind}/{tag}/{scheduled_at.isoformat()}",
            workflow_id=workflow_id,
            # The step's words are the payload's: no conversion, so no change on the wire.
            kind=cast(MessageKind, kind),
            plan_key=self._input.plan_key,
            task_code=self._input.task_code,
            task_title=self._input.title,
            milestone_key=milestone.key,
            milestone_label=milestone.milestone.label,
            scheduled_at=scheduled_at,
            recipients=recipients,
            due_at=milestone.milestone.due,
            evidence_hint=milestone.milestone.evidence_hint,
            audience=cast(StepAudience, audience),
            note=note,
            requested_by=requested_by,
            requested_due_at=requested_due_at,
        )
        try:
            await workflow.execute_activity(
                "send_notification",
                request,
                result_type=NotificationOutcome,
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=NOTIFICATION_RETRY,
            )
        except ActivityError as error:
            # The notification log holds the failure; the task goes on with its schedule.
            self._record("delivery_failed", milestone.key, to=recipients, detail=str(error.cause))

    # ----------------------------------------------------------------------------- events

    async def _apply_events(self) -> None:
        while self._pending_events:
            event = self._pending_events.pop(0)
            if event.identity in self._state.events_seen:
                continue
            self._state.events_seen.append(event.identity)
            reached = False
            for milestone in list(self._state.milestones):
                if milestone.milestone.event_key != event.key or milestone.closed:
                    continue
                if milestone.milestone.kind is MilestoneKind.RECURRING_EVENT:
                    await self._open_occurrence(milestone, event)
                    reached = True
                elif milestone.status is MilestoneStatus.WAITING_EVENT:
                    await self._start_clock(milestone, event)
                    reached = True
            if not reached:
                self._record("event_ignored", detail=f"{event.identity}: nothing waits on it")

    async def _due_after(self, planned: PlannedMilestone, event: EventOccurrence) -> datetime:
        return await ask(
            "due_after_event",
            DueAfterEventRequest(
                task_code=self._input.task_code,
                year=self._input.year,
                milestone=planned,
                event=event,
            ),
            datetime,
        )

    async def _start_clock(self, milestone: MilestoneState, event: EventOccurrence) -> None:
        due = await self._due_after(milestone.milestone, event)
        milestone.milestone = dataclasses.replace(milestone.milestone, due=due)
        milestone.event = event
        milestone.status = MilestoneStatus.OPEN
        self._record("event", milestone.key, detail=f"{event.identity}; due {due.isoformat()}")
        await self._plan_steps(milestone, after=workflow.now())

    async def _open_occurrence(self, template: MilestoneState, event: EventOccurrence) -> None:
        key = f"{template.key}@{event.occurred_on.isoformat()}"
        if any(m.key == key for m in self._state.milestones):
            return
        due = await self._due_after(template.milestone, event)
        occurrence = MilestoneState(
            milestone=dataclasses.replace(template.milestone, key=key, due=due),
            status=MilestoneStatus.OPEN,
            occurrence_of=template.key,
            event=event,
        )
        self._state.milestones.append(occurrence)
        self._record("event", key, detail=f"{event.identity}; due {due.isoformat()}")
        await self._plan_steps(occurrence, after=workflow.now())

    @workflow.signal
    def event_occurred(self, event: EventOccurrence) -> None:
        # Signals arrive at least once: _apply_events drops an event already seen.
        self._pending_events.append(event)
        self._wake = True

    # ----------------------------------------------------------------------------- evidence

    @workflow.update
    async def submit_evidence(self, submission: EvidenceSubmission) -> MilestoneView:
        await self._admit(self._check_evidence, submission)
        milestone = self._milestone(submission.milestone_key)
        if milestone.closed:  # the same evidence sent twice while the first was recorded
            return self._view(milestone)
        now = workflow.now()
        on_time = milestone.milestone.due is None or now <= milestone.milestone.due
        milestone.evidence.append(submission)
        milestone.status = MilestoneStatus.DONE_ON_TIME if on_time else MilestoneStatus.DONE_LATE
        milestone.closed_at = now
        milestone.steps = []
        if milestone.milestone.kind is MilestoneKind.PERIODIC:
            self._period_closed = True
        self._record(
            "evidence",
            milestone.key,
            to=[submission.submitted_by],
            detail=" ".join(part for part in (submission.document_number, submission.link) if part),
        )
        self._pending_closings.append(milestone.key)
        self._wake = True
        await tell(
            "record_evidence",
            EvidenceRecord(
                plan_key=self._input.plan_key,
                task_code=self._input.task_code,
                submission=submission,
                submitted_at=now,
                on_time=on_time,
            ),
        )
        return self._view(milestone)

    @submit_evidence.validator
    def _validate_evidence(self, submission: EvidenceSubmission) -> None:
        if self._ready:
            self._check_evidence(submission)

    def _check_evidence(self, submission: EvidenceSubmission) -> None:
        milestone = self._milestone(submission.milestone_key)
        if milestone.closed:
            raise ValueError(
                f"milestone {milestone.key!r} is already closed ({milestone.status.value})"
            )
        if milestone.status is MilestoneStatus.WAITING_EVENT:
            raise ValueError(
                f"milestone {milestone.key!r} waits for the event "
                f"{milestone.milestone.event_key!r}: there is nothing to deliver yet"
            )
        if milestone.status is MilestoneStatus.SCHEDULED:
            opens = milestone.milestone.opens
            raise ValueError(
                f"milestone {milestone.key!r} opens on {opens.isoformat() if opens else '?'}"
            )
        if (
            milestone.milestone.kind is MilestoneKind.RECURRING_EVENT
            and milestone.occurrence_of is None
        ):
            raise ValueError(
                f"milestone {milestone.key!r} repeats on each event: send the evidence for one "
                "occurrence (its key ends in @date)"
            )
        if submission.submitted_by not in self._state.lead_units:
            raise ValueError(
                f"{submission.submitted_by!r} is not a lead unit of this task "
                f"(lead: {', '.join(self._state.lead_units)})"
            )
        if not (submission.document_number or submission.link or submission.file_ref):
            raise ValueError("evidence needs a document number, a link or a stored file")

    # ----------------------------------------------------------------------------- extensions

    @workflow.update
    async def request_extension(self, request: ExtensionRequest) -> str:
        await self._admit(self._check_extension_request, request)
        self._state.extension_requests.append(request)
        self._record(
            "extension_requested",
            request.milestone_key,
            to=[request.requested_by],
            detail=f"until {request.new_due_on.isoformat()}: {request.reason}",
        )
        milestone = self._milestone(request.milestone_key)
        asked_due = await ask(
            "due_on_day",
            DueOnDayRequest(
                task_code=self._input.task_code, year=self._input.year, day=request.new_due_on
            ),
            datetime,
        )
        await self._notify(
            milestone,
            "extension_request",
            [self._input.coordinator],
            scheduled_at=workflow.now(),
            tag=request.requested_by,
            audience="coordinator",
            note=request.reason,
            requested_by=request.requested_by,
            requested_due_at=asked_due,
        )
        return "recorded: the coordinator decides"

    @request_extension.validator
    def _validate_extension_request(self, request: ExtensionRequest) -> None:
        if self._ready:
            self._check_extension_request(request)

    def _check_extension_request(self, request: ExtensionRequest) -> None:
        milestone = self._open_milestone(request.milestone_key)
        if request.requested_by not in self._state.lead_units:
            raise ValueError(f"{request.requested_by!r} is not a lead unit of this task")
        self._check_new_due(milestone, request.new_due_on, request.reason)

    @workflow.update
    async def grant_extension(self, grant: ExtensionGrant) -> MilestoneView:
        await self._admit(self._check_extension_grant, grant)
        milestone = self._open_milestone(grant.milestone_key)
        due = await ask(
            "due_on_day",
            DueOnDayRequest(
                task_code=self._input.task_code, year=self._input.year, day=grant.new_due_on
            ),
            datetime,
        )
        previous = milestone.milestone.due
        milestone.milestone = dataclasses.replace(milestone.milestone, due=due)
        if milestone.status is MilestoneStatus.OVERDUE and due > workflow.now():
            milestone.status = MilestoneStatus.OPEN
        self._record(
            "extension_granted",
            milestone.key,
            to=[grant.granted_by],
            detail=(
                f"from {previous.isoformat() if previous else '-'} to {due.isoformat()}: "
                f"{grant.reason}"
            ),
        )
        await self._plan_steps(milestone, after=workflow.now())
        self._wake = True
        return self._view(milestone)

    @grant_extension.validator
    def _validate_extension_grant(self, grant: ExtensionGrant) -> None:
        if self._ready:
            self._check_extension_grant(grant)

    def _check_extension_grant(self, grant: ExtensionGrant) -> None:
        milestone = self._open_milestone(grant.milestone_key)
        self._check_new_due(milestone, grant.new_due_on, grant.reason)

    def _check_new_due(self, milestone: MilestoneState, new_due_on: date, reason: str) -> None:
        if not reason.strip():
            raise ValueError("an extension needs a reason")
        due = milestone.milestone.due
        if due is None:
            raise ValueError(f"milestone {milestone.key!r} has no due date to extend")
        if new_due_on <= local_day(due):
            raise ValueError(
                f"the new due date {new_due_on.isoformat()} is not after the current one, "
                f"{local_day(due).isoformat()}"
            )
        if new_due_on <= local_day(workflow.now()):
            raise ValueError(f"the new due date {new_due_on.isoformat()} is not in the future")

    # ----------------------------------------------------------------------------- coordinator

    @workflow.update
    async def reassign_lead(self, reassignment: Reassignment) -> list[str]:
        await self._admit(self._check_reassignment, reassignment)
        previous = self._state.lead_units
        self._state.lead_units = list(reassignment.lead_units)
        self._record(
            "reassigned",
            to=list(reassignment.lead_units),
            detail=f"from {', '.join(previous)} by {reassignment.by}: {reassignment.reason}",
        )
        self._wake = True
        return self._state.lead_units

    @reassign_lead.validator
    def _validate_reassignment(self, reassignment: Reassignment) -> None:
        if self._ready:
            self._check_reassignment(reassignment)

    def _check_reassignment(self, reassignment: Reassignment) -> None:
        self._check_active()
        if not reassignment.lead_units:
            raise ValueError("name at least one lead unit")
        if not reassignment.reason.strip():
            raise ValueError("a reassignment needs a reason")

    @workflow.update
    async def cancel(self, closure: Closure) -> TaskSnapshot:
        await self._admit(self._check_closure, closure)
        return self._close(TaskStatus.CANCELLED, closure)

    @cancel.validator
    def _validate_cancel(self, closure: Closure) -> None:
        if self._ready:
            self._check_closure(closure)

    @workflow.update
    async def carry_over(self, closure: Closure) -> TaskSnapshot:
        await self._admit(self._check_closure, closure)
        return self._close(TaskStatus.CARRIED_OVER, closure)

    @carry_over.validator
    def _validate_carry_over(self, closure: Closure) -> None:
        if self._ready:
            self._check_closure(closure)

    async def _admit(self, check: Callable[[M], None], message: M) -> None:
        """A message that came before the first run planned the task (its validator could not
        judge it yet) waits for the plan and is judged then; one judged already passes again,
        unless a message handled meanwhile changed the answer."""
        await workflow.wait_condition(lambda: self._ready)
        try:
            check(message)
        except ValueError as refusal:
            raise ApplicationError(str(refusal), type="Refused", non_retryable=True) from refusal

    def _check_closure(self, closure: Closure) -> None:
        self._check_active()
        if not closure.reason.strip():
            raise ValueError("say why: the reason is kept in the record")

    def _close(self, status: TaskStatus, closure: Closure) -> TaskSnapshot:
        now = workflow.now()
        for milestone in self._state.milestones:
            if not milestone.closed:
                milestone.status = MilestoneStatus.CANCELLED
                milestone.closed_at = now
                milestone.steps = []
        self._state.status = status
        self._state.closing_reason = closure.reason
        self._record(status.value, detail=f"by {closure.by}: {closure.reason}")
        self._wake = True
        return self._snapshot()

    def _check_active(self) -> None:
        if self._state.status is not TaskStatus.ACTIVE:
            raise ValueError(f"the task is {self._state.status.value}")

    # ----------------------------------------------------------------------------- queries

    @workflow.query
    def snapshot(self) -> TaskSnapshot:
        return self._snapshot()

    @workflow.query
    def next_action(self) -> NextAction | None:
        return self._next_action()

    @workflow.query
    def history(self) -> list[HistoryEntry]:
        return list(self._state.history)

    # ----------------------------------------------------------------------------- closing

    async def _send_closings(self) -> None:
        while self._pending_closings:
            key = self._pending_closings.pop(0)
            milestone = self._milestone(key)
            assert milestone.closed_at is not None
            recipients = list(self._state.lead_units)
            await self._notify(
                milestone, "closing", recipients, scheduled_at=milestone.closed_at, tag="lead"
            )
            self._record("closing", key, to=recipients, detail=milestone.status.value)

    def _close_task_if_done(self) -> None:
        if self._state.status is TaskStatus.ACTIVE and all(
            m.closed for m in self._state.milestones
        ):
            self._state.status = TaskStatus.DONE
            self._record("done")

    def _should_continue_as_new(self) -> bool:
        if self._pending_events or self._pending_closings:
            return False  # not carried across: handled first, in the next round
        info = workflow.info()
        if info.is_continue_as_new_suggested() or info.get_current_history_length() > HISTORY_LIMIT:
            return True
        # A period boundary: the closed period's history need not follow the task any further.
        return self._period_closed

    # ----------------------------------------------------------------------------- state

    def _record(
        self, action: str, milestone_key: str = "", *, to: list[str] | None = None, detail: str = ""
    ) -> None:
        self._state.history.append(
            HistoryEntry(
                at=workflow.now(),
                action=action,
                milestone_key=milestone_key,
                to=list(to or []),
                detail=detail,
            )
        )

    def _milestone(self, key: str) -> MilestoneState:
        for milestone in self._state.milestones:
            if milestone.key == key:
                return milestone
        known = ", ".join(m.key for m in self._state.milestones)
        raise ValueError(f"this task has no milestone {key!r} (its milestones: {known})")

    def _open_milestone(self, key: str) -> MilestoneState:
        self._check_active()
        milestone = self._milestone(key)
        if milestone.closed:
            raise ValueError(f"milestone {key!r} is already closed ({milestone.status.value})")
        return milestone

    def _view(self, milestone: MilestoneState) -> MilestoneView:
        return MilestoneView(
            key=milestone.key,
            label=milestone.milestone.label,
            kind=milestone.milestone.kind.value,
            status=milestone.status,
            due=milestone.milestone.due,
            closed_at=milestone.closed_at,
            event_key=milestone.milestone.event_key,
            evidence=list(milestone.evidence),
        )

    def _next_action(self) -> NextAction | None:
        upcoming = [(m.steps[0], m) for m in self._state.milestones if m.steps and not m.closed]
        if not upcoming or self._state.status is not TaskStatus.ACTIVE:
            return None
        step, milestone = min(upcoming, key=lambda pair: pair[0].at)
        return NextAction(
            at=step.at,
            action=step.action,
            milestone_key=milestone.key,
            to=self._recipients(step.audience),
        )

    def _snapshot(self) -> TaskSnapshot:
        return TaskSnapshot(
            plan_key=self._input.plan_key,
            task_code=self._input.task_code,
            title=self._input.title,
            status=self._state.status,
            lead_units=list(self._state.lead_units),
            milestones=[self._view(m) for m in self._state.milestones],
            next_action=self._next_action(),
            display_status=self._display_status(),
            closing_reason=self._state.closing_reason,
        )

    def _display_status(self) -> str:
        if self._state.status is TaskStatus.DONE and not any(
            m.status in (MilestoneStatus.DONE_ON_TIME, MilestoneStatus.DONE_LATE)
            for m in self._state.milestones
        ):
            # Ongoing work or a recurring obligation that the year ended: nothing was delivered.
            return "ended"
        if self._state.status is not TaskStatus.ACTIVE:
            return self._state.status.value
        statuses = {m.status for m in self._state.milestones if not m.closed}
        if MilestoneStatus.OVERDUE in statuses:
            return "overdue"
        if statuses == {MilestoneStatus.WAITING_EVENT}:
            return "waiting_event"
        return "active"

    async def _publish(self) -> None:
        """Tell the search attributes and the database projection, when anything changed."""
        snapshot = self._snapshot()
        open_dues = [
            m.milestone.due
            for m in self._state.milestones
            if not m.closed and m.milestone.due is not None
        ]
        next_due = min(open_dues) if open_dues else None
        searchable = (snapshot.display_status, tuple(snapshot.lead_units), next_due)
        if searchable != self._searchable:
            self._searchable = searchable
            workflow.upsert_search_attributes(
                [
                    sa.PLAN.value_set(self._input.plan_key),
                    sa.TASK_CODE.value_set(self._input.task_code),
                    sa.LEAD_UNITS.value_set(list(self._state.lead_units)),
                    sa.STATUS.value_set(snapshot.display_status),
                    sa.NEXT_DUE.value_set(next_due) if next_due else sa.NEXT_DUE.value_unset(),
                ]
            )
        published = (
            snapshot.display_status,
            tuple(snapshot.lead_units),
            tuple((m.key, m.status, m.due, m.closed_at) for m in snapshot.milestones),
        )
        if published != self._published:
            self._published = published
            await tell("record_task_state", snapshot)


def initial_search_attributes(input: TaskWorkflowInput) -> TypedSearchAttributes:
    """What a task carries from the moment it starts, before its first run sets the rest."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(sa.PLAN, input.plan_key),
            SearchAttributePair(sa.TASK_CODE, input.task_code),
            SearchAttributePair(sa.LEAD_UNITS, list(input.lead_units)),
            SearchAttributePair(sa.STATUS, "active"),
        ]
    )
