"""One durable workflow per task of the plan: it decides what to send when, and waits.

Every date comes from the deadline policy through activities (the calendar is not workflow
code); this class only follows the schedule it is given, reacts to messages, and records. What
the task's state may become is `TaskTracker`'s (workflows.task_state, no Temporal there).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.activity_calls import ask, tell
from workflows.notification_calls import NOTIFICATION_KINDS, milestone_request, send_notification
from workflows.run_limits import history_is_long

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
    from models.payloads import MessageKind, NotificationRequest
    from models.statuses import MilestoneStatus, TaskStatus
    from models.workflow_messages import (
        Closure,
        DueAfterEventRequest,
        DueOnDayRequest,
        EventOccurrence,
        EvidenceRecord,
        EvidenceRejection,
        EvidenceSubmission,
        ExtensionGrant,
        ExtensionRequest,
        HistoryEntry,
        MilestoneState,
        MilestoneView,
        PlanTaskRequest,
        Reassignment,
        ScheduleRequest,
        TaskSnapshot,
        TaskState,
        TaskWorkflowInput,
    )
    from workflows import search_attributes as sa
    from workflows import task_views as views
    from workflows.task_state import TaskTracker


M = TypeVar("M")

# How long a task done by its evidence stays open to the coordinator's rejection of that
# evidence before its workflow ends (a rejection reopens the milestone and the task).
EVIDENCE_REVIEW_WINDOW = timedelta(days=30)


def task_workflow_id(plan_key: str, task_code: str) -> str:
    return f"{plan_key}/{task_code}"


@workflow.defn(name="TaskWorkflow")
class TaskWorkflow:
    @workflow.init
    def __init__(self, input: TaskWorkflowInput) -> None:
        # The input is known before any message handler runs.
        self._input = input
        self._task = TaskTracker(input, TaskState(milestones=[], lead_units=[]), clock=workflow.now)
        self._wake = False
        self._pending_events: list[EventOccurrence] = []
        self._published: tuple[object, ...] | None = None
        self._searchable: tuple[object, ...] | None = None
        # False until the first run has planned the task (or a later run restored its state).
        self._ready = False
        # Set once a task done by its evidence is past its review window (or has none).
        self._review_over = False

    # ----------------------------------------------------------------------------- the run

    @workflow.run
    async def run(self, input: TaskWorkflowInput) -> TaskSnapshot:
        if input.state is None:
            await self._begin()
        else:
            self._task.state = input.state
        self._ready = True
        await self._publish()

        await self._follow_schedule(input)
        while await self._reopened_in_review():
            await self._follow_schedule(input)

        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._send_closings()
        await self._publish()
        return self._snapshot()

    async def _follow_schedule(self, input: TaskWorkflowInput) -> None:
        while self._task.state.status is TaskStatus.ACTIVE:
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._wake, timeout=self._task.time_to_wake())
            # Cleared before the work, not after: a message that arrives while an activity of
            # this round runs must wake the next round.
            self._wake = False
            await self._apply_events()
            self._task.advance_statuses()
            await self._fire_due_steps()
            await self._send_closings()
            await self._plan_further_steps()
            self._task.finish_if_done()
            await self._publish()
            if self._task.state.status is TaskStatus.ACTIVE and self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(dataclasses.replace(input, state=self._task.state))

    async def _reopened_in_review(self) -> bool:
        """A task done by delivered evidence waits `EVIDENCE_REVIEW_WINDOW` for the coordinator
        to reject that evidence; True when a rejection reopened it. Workflows recorded before
        rejections existed end at once, as they did."""
        delivered = any(
            m.status in (MilestoneStatus.DONE_ON_TIME, MilestoneStatus.DONE_LATE)
            for m in self._task.state.milestones
        )
        if (
            self._task.state.status is not TaskStatus.DONE
            or not delivered
            or not workflow.patched("reject-evidence")
        ):
            self._review_over = True
            return False
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(self._reopened, timeout=EVIDENCE_REVIEW_WINDOW)
        if self._reopened():
            return True
        self._review_over = True
        return False

    def _reopened(self) -> bool:
        return self._task.state.status is TaskStatus.ACTIVE

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
        self._task.start(planned)
        # A task started after its event already happened still sees it.
        if self._task.waits_for_event():
            known: list[EventOccurrence] = await ask(
                "events_for_plan", self._input.plan_key, list[EventOccurrence]
            )
            self._pending_events.extend(known)
            await self._apply_events()
        for milestone in list(self._task.state.milestones):
            if not milestone.steps and milestone.planned_until is None:
                await self._plan_steps(milestone, after=None)
        self._task.advance_statuses()
        # A task started late sends, per milestone, only the latest step it missed, once.
        now = workflow.now()
        for milestone in self._task.state.milestones:
            await self._send_steps(milestone, self._task.catch_up(milestone, now))

    def _should_continue_as_new(self) -> bool:
        if self._pending_events or self._task.pending_closings:
            return False  # not carried across: handled first, in the next round
        # A period boundary: the closed period's history need not follow the task any further.
        return history_is_long() or self._task.period_closed

    # ----------------------------------------------------------------------------- steps

    async def _plan_steps(self, milestone: MilestoneState, *, after: datetime | None) -> None:
        until = self._task.planning_until(milestone, after)
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
        self._task.set_steps(milestone, steps, until)

    async def _plan_further_steps(self) -> None:
        now = workflow.now()
        for milestone in self._task.state.milestones:
            if self._task.needs_more_steps(milestone, now):
                await self._plan_steps(milestone, after=milestone.planned_until)

    async def _fire_due_steps(self) -> None:
        now = workflow.now()
        for milestone in self._task.state.milestones:
            await self._send_steps(milestone, self._task.take_due_steps(milestone, now))

    async def _send_steps(self, milestone: MilestoneState, steps: list[ScheduledStep]) -> None:
        """Each unit gets each kind of message once per instant, even when it is reached twice
        (a coordinator that leads the task is told as lead and as coordinator)."""
        told: dict[tuple[datetime, MessageKind], set[str]] = {}
        for step in steps:
            audience = step.audience
            kind = NOTIFICATION_KINDS[step.action, audience]
            already = told.setdefault((step.at, kind), set())
            reached = views.recipients(self._input, self._task.state, audience)
            recipients = [u for u in reached if u not in already]
            already.update(recipients)
            if not recipients:
                continue
            await self._notify(
                milestone_request(
                    self._input,
                    milestone,
                    kind,
                    recipients,
                    scheduled_at=step.at,
                    tag=audience,
                    audience=audience,
                )
            )
            self._task.record(step.action, milestone.key, to=recipients, detail=step.note)

    async def _notify(self, request: NotificationRequest) -> None:
        try:
            await send_notification(request)
        except ActivityError as error:
            # The notification log holds the failure; the task goes on with its schedule.
            self._task.record(
                "delivery_failed",
                request.milestone_key,
                to=request.recipients,
                detail=str(error.cause),
            )

    async def _send_closings(self) -> None:
        while self._task.pending_closings:
            key = self._task.pending_closings.pop(0)
            milestone = self._task.milestone(key)
            assert milestone.closed_at is not None
            recipients = list(self._task.state.lead_units)
            await self._notify(
                milestone_request(
                    self._input,
                    milestone,
                    MessageKind.CLOSING,
                    recipients,
                    scheduled_at=milestone.closed_at,
                    tag=StepAudience.LEAD,
                )
            )
            self._task.record("closing", key, to=recipients, detail=milestone.status.value)

    # ----------------------------------------------------------------------------- events

    @workflow.signal
    def event_occurred(self, event: EventOccurrence) -> None:
        # Signals arrive at least once: _apply_events drops an event already seen.
        self._pending_events.append(event)
        self._wake = True

    async def _apply_events(self) -> None:
        while self._pending_events:
            event = self._pending_events.pop(0)
            if not self._task.first_sighting(event):
                continue
            reached = False
            for milestone in list(self._task.state.milestones):
                if not self._task.waits_on(milestone, event):
                    continue
                if milestone.milestone.kind is MilestoneKind.RECURRING_EVENT:
                    await self._open_occurrence(milestone, event)
                    reached = True
                elif milestone.status is MilestoneStatus.WAITING_EVENT:
                    await self._start_clock(milestone, event)
                    reached = True
            if not reached:
                self._task.record("event_ignored", detail=f"{event.identity}: nothing waits on it")

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
        self._task.start_clock(milestone, event, due)
        await self._plan_steps(milestone, after=workflow.now())

    async def _open_occurrence(self, template: MilestoneState, event: EventOccurrence) -> None:
        if self._task.has_milestone(self._task.occurrence_key(template, event)):
            return
        due = await self._due_after(template.milestone, event)
        occurrence = self._task.add_occurrence(template, event, due)
        await self._plan_steps(occurrence, after=workflow.now())

    # ----------------------------------------------------------------------------- messages

    async def _admit(self, check: Callable[[M], None], message: M) -> None:
        """A message that came before the first run planned the task (its validator could not
        judge it yet) waits for the plan and is judged then; one judged already passes again,
        unless a message handled meanwhile changed the answer."""
        await workflow.wait_condition(lambda: self._ready)
        try:
            check(message)
        except ValueError as refusal:
            raise ApplicationError(str(refusal), type="Refused", non_retryable=True) from refusal

    def _judge(self, check: Callable[[M], None], message: M) -> None:
        """A validator's judgement: none before the first run planned the task (see _admit)."""
        if self._ready:
            check(message)

    @workflow.update
    async def submit_evidence(self, submission: EvidenceSubmission) -> MilestoneView:
        await self._admit(self._task.check_evidence, submission)
        milestone = self._task.milestone(submission.milestone_key)
        if milestone.closed:  # the same evidence sent twice while the first was recorded
            return views.view(milestone)
        now = workflow.now()
        on_time = self._task.mark_done(milestone, submission)
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
        return views.view(milestone)

    @submit_evidence.validator
    def _validate_evidence(self, submission: EvidenceSubmission) -> None:
        self._judge(self._task.check_evidence, submission)

    @workflow.update
    async def reject_evidence(self, rejection: EvidenceRejection) -> MilestoneView:
        await self._admit(self._check_rejection, rejection)
        milestone = self._task.milestone(rejection.milestone_key)
        now = workflow.now()
        # The new schedule is asked for before anything changes: the main loop, woken by the
        # change, must not plan the reopened milestone at the same time.
        until = self._task.planning_until(milestone, now)
        steps: list[ScheduledStep] = await ask(
            "schedule_milestone",
            ScheduleRequest(
                task_code=self._input.task_code,
                year=self._input.year,
                milestone=milestone.milestone,
                after=now,
                until=until,
            ),
            list[ScheduledStep],
        )
        # Judged again: a message handled meanwhile (or the review window closing) may have
        # changed the answer.
        await self._admit(self._check_rejection, rejection)
        self._task.reopen(milestone, rejection)
        self._task.set_steps(milestone, steps, until)
        self._wake = True
        await self._notify(
            milestone_request(
                self._input,
                milestone,
                MessageKind.EVIDENCE_REJECTED,
                list(self._task.state.lead_units),
                scheduled_at=now,
                tag=StepAudience.LEAD,
                audience=StepAudience.LEAD,
                note=rejection.reason,
            )
        )
        return views.view(milestone)

    @reject_evidence.validator
    def _validate_evidence_rejection(self, rejection: EvidenceRejection) -> None:
        self._judge(self._check_rejection, rejection)

    def _check_rejection(self, rejection: EvidenceRejection) -> None:
        in_review = self._task.state.status is TaskStatus.DONE and not self._review_over
        self._task.check_evidence_rejection(rejection, in_review=in_review)

    @workflow.update
    async def request_extension(self, request: ExtensionRequest) -> str:
        await self._admit(self._task.check_extension_request, request)
        self._task.note_extension_request(request)
        milestone = self._task.milestone(request.milestone_key)
        asked_due = await ask(
            "due_on_day",
            DueOnDayRequest(
                task_code=self._input.task_code, year=self._input.year, day=request.new_due_on
            ),
            datetime,
        )
        await self._notify(
            milestone_request(
                self._input,
                milestone,
                MessageKind.EXTENSION_REQUEST,
                [self._input.coordinator],
                scheduled_at=workflow.now(),
                tag=request.requested_by,
                audience=StepAudience.COORDINATOR,
                note=request.reason,
                requested_by=request.requested_by,
                requested_due_at=asked_due,
            )
        )
        return "recorded: the coordinator decides"

    @request_extension.validator
    def _validate_extension_request(self, request: ExtensionRequest) -> None:
        self._judge(self._task.check_extension_request, request)

    @workflow.update
    async def grant_extension(self, grant: ExtensionGrant) -> MilestoneView:
        await self._admit(self._task.check_extension_grant, grant)
        milestone = self._task.open_milestone(grant.milestone_key)
        due = await ask(
            "due_on_day",
            DueOnDayRequest(
                task_code=self._input.task_code, year=self._input.year, day=grant.new_due_on
            ),
            datetime,
        )
        self._task.extend(milestone, due, grant)
        await self._plan_steps(milestone, after=workflow.now())
        self._wake = True
        return views.view(milestone)

    @grant_extension.validator
    def _validate_extension_grant(self, grant: ExtensionGrant) -> None:
        self._judge(self._task.check_extension_grant, grant)

    @workflow.update
    async def reassign_lead(self, reassignment: Reassignment) -> list[str]:
        await self._admit(self._task.check_reassignment, reassignment)
        lead_units = self._task.reassign(reassignment)
        self._wake = True
        return lead_units

    @reassign_lead.validator
    def _validate_reassignment(self, reassignment: Reassignment) -> None:
        self._judge(self._task.check_reassignment, reassignment)

    @workflow.update
    async def cancel(self, closure: Closure) -> TaskSnapshot:
        await self._admit(self._task.check_closure, closure)
        self._task.close(TaskStatus.CANCELLED, closure)
        self._wake = True
        return self._snapshot()

    @cancel.validator
    def _validate_cancel(self, closure: Closure) -> None:
        self._judge(self._task.check_closure, closure)

    @workflow.update
    async def carry_over(self, closure: Closure) -> TaskSnapshot:
        await self._admit(self._task.check_closure, closure)
        self._task.close(TaskStatus.CARRIED_OVER, closure)
        self._wake = True
        return self._snapshot()

    @carry_over.validator
    def _validate_carry_over(self, closure: Closure) -> None:
        self._judge(self._task.check_closure, closure)

    # ----------------------------------------------------------------------------- queries

    @workflow.query
    def snapshot(self) -> TaskSnapshot:
        return self._snapshot()

    def _snapshot(self) -> TaskSnapshot:
        return views.snapshot(self._input, self._task.state)

    @workflow.query
    def history(self) -> list[HistoryEntry]:
        return list(self._task.state.history)

    # ----------------------------------------------------------------------------- publishing

    async def _publish(self) -> None:
        """Tell the search attributes and the database projection, when anything changed."""
        snapshot = self._snapshot()
        next_due = views.next_due(self._task.state)
        searchable = (snapshot.display_status, tuple(snapshot.lead_units), next_due)
        if searchable != self._searchable:
            self._searchable = searchable
            workflow.upsert_search_attributes(sa.task_updates(snapshot, next_due))
        published = (
            snapshot.display_status,
            tuple(snapshot.lead_units),
            tuple((m.key, m.status, m.due, m.closed_at) for m in snapshot.milestones),
        )
        if published != self._published:
            self._published = published
            await tell("record_task_state", snapshot)
