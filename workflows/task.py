"""One durable workflow per task of the plan: it decides what to send when, and waits.

Every date comes from the deadline policy through local activities (the calendar is not
workflow code); this class only follows the schedule it is given, reacts to messages, and
records. What the task's state may become is `TaskTracker`'s (workflows.task_state, no Temporal
there).

Record first, tell later. Messages follow Temporal's safe-message-handler pattern: only the main
loop changes the task, so no two coroutines ever plan steps for one milestone at once.

1. An update's validator judges it against the task as it stands (`TaskTracker.check_*`); a
   refusal never enters the history.
2. Its handler queues it (`_queue`) and waits; a signal (an event) is queued the same way.
3. The main loop applies what is queued at the start of its next round, in order: it judges
   each again (a message applied before it may have changed the answer), changes the state and
   records it (the record activity, the projection), and stages the messages the decision
   causes (`_tell`). At the end of the round the projection is written, the staged messages go
   into the task's outbox (`_release`), and the handlers hear back: an answer never waits for a
   message, whatever the hour.
4. The sender (workflows.sending), a coroutine the run owns, sends the outbox: what is due at one
   instant in one activity call; outside office hours it waits on a durable timer until the
   opening the calendar gives; a failed send waits its own timer while everything else goes on.

A new update is a `check_*` and a move in TaskTracker, a validator calling `_judge`, a handler
calling `_queue`, and an `_apply_*` coroutine; nothing else. A change to what a running task
asks of Temporal needs a marker: see workflows/markers.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import TypeVar, cast

from temporalio import workflow
from temporalio.exceptions import ApplicationError

# Passed through: modules without state of their own (data, functions and constants), which the
# sandbox (the replay test's; the worker runs this workflow outside it, see TaskWorkflow) then
# neither loads and compiles again for every task it runs nor copies into each task it keeps
# cached; the workflow helpers (activity_calls, notification_calls, sending, ...) are
# such modules, and only this module is the workflow's own. A module of this package is
# imported by its full name (`import workflows.x as x`, not `from workflows import x`): the
# sandbox loads the package afresh with this module, and a name taken from that fresh package
# would be loaded afresh too.
with workflow.unsafe.imports_passed_through():
    # pydantic resolves a payload's annotations in the module that defines it, looking it up in
    # the sandbox's sys.modules: every such module must be imported here by name.
    import deadlines.language
    import deadlines.planning
    import deadlines.schedule  # noqa: F401
    import models.payloads
    import models.statuses
    import models.workflow_messages  # noqa: F401
    import workflows.event_clock as event_clock
    import workflows.first_plan as first_plan
    import workflows.markers as markers
    import workflows.search_attributes as sa
    import workflows.task_views as views
    from deadlines import MilestoneKind, PlannedMilestone, ScheduledStep, StepAudience
    from models.payloads import MessageKind, MessageResult, NotificationRequest, SendResult
    from models.statuses import MilestoneStatus, TaskStatus
    from models.workflow_messages import (
        Closure,
        DueAfterEventRequest,
        DueOnDayRequest,
        EventClock,
        EventOccurrence,
        EvidenceRecord,
        EvidenceRejection,
        EvidenceSubmission,
        ExtensionGrant,
        ExtensionRefusal,
        ExtensionRequest,
        FirstPlanRequest,
        HistoryEntry,
        MilestonePlan,
        MilestoneState,
        MilestoneView,
        PlanTaskRequest,
        QueuedMessage,
        Reassignment,
        RoutedEvent,
        ScheduleRequest,
        TaskSnapshot,
        TaskState,
        TaskWorkflowInput,
    )
    from workflows.activity_calls import ask, compute, tell, tell_locally
    from workflows.inbox import Queued
    from workflows.notification_calls import (
        NOTIFICATION_KINDS,
        clock_started_message,
        closed_message,
        evidence_received_message,
        evidence_rejected_message,
        extension_granted_message,
        extension_refused_message,
        extension_request_message,
        milestone_request,
        reassigned_message,
        task_request,
    )
    from workflows.outbox import Outbox
    from workflows.run_limits import LONGEST_TASK_WAIT, history_is_long
    from workflows.sending import Sender
    from workflows.task_state import PLANNING_WINDOW, TASK_PLANNING_WINDOW, TaskTracker

M = TypeVar("M")
R = TypeVar("R")

# How long a task done by its evidence stays open to the coordinator's rejection of that
# evidence before its workflow ends (a rejection reopens the milestone and the task).
EVIDENCE_REVIEW_WINDOW = timedelta(days=30)


def task_workflow_id(plan_key: str, task_code: str) -> str:
    return f"{plan_key}/{task_code}"


# Outside the SDK's sandbox: the sandbox executes this module afresh for every task it starts,
# and its class (the handlers' decorators, `workflow.defn` inspecting every method) was 4-5 ms
# of the worker's CPU a task, most of what a task cost until planned beyond a bare workflow's
# (docs/BENCHMARKS.md, "Issue 20, planning (5 Dec 2026, fourth session)"). The module keeps
# the sandbox's rules all the same (no clock, I/O or randomness but Temporal's; the imports
# passed through, as the sandbox needs them): tests/engine/test_replay.py replays every
# recorded history of it inside the sandbox, which fails on any call the sandbox forbids.
@workflow.defn(name="TaskWorkflow", sandboxed=False)
class TaskWorkflow:
    @workflow.init
    def __init__(self, input: TaskWorkflowInput) -> None:
        # The input is known before any message handler runs.
        self._input = input
        # Before the first run plans the task, a query shows its lead units and no milestone.
        self._task = TaskTracker(
            input, TaskState(milestones=[], lead_units=list(input.lead_units)), clock=workflow.now
        )
        self._wake = False
        self._pending_events: list[EventOccurrence] = []
        # The clocks the router worked out with each pending event, by its identity.
        self._handed_clocks: dict[str, list[EventClock]] = {}
        # Events whose router said the plan tells the lead units (RoutedEvent.units_told).
        self._units_told: set[str] = set()
        self._published: tuple[object, ...] | None = None
        self._searchable: tuple[object, ...] | None = None
        self._generation = markers.BASELINE
        # False until the first run has planned the task (or a later run restored its state).
        self._ready = False
        # Messages the decisions of this round caused: queued once the projection shows them.
        self._untold: list[QueuedMessage] = []
        self._sender = Sender(self._outbox, self._settled, lambda: self._generation)
        self._inbox: list[Queued] = []
        # Applied in this round; their handlers hear back once the projection is written.
        self._answered: list[Queued] = []
        # Set once a task done by its evidence is past its review window (or has none).
        self._review_over = False

    # ----------------------------------------------------------------------------- the run

    @workflow.run
    async def run(self, input: TaskWorkflowInput) -> TaskSnapshot:
        self._generation = markers.generation()
        if input.state is None:
            await self._begin()
        else:
            self._task.state = input.state
        self._ready = True
        await self._end_round()
        # Owned by the run: it ends with it (after `_finish`, or on continue-as-new when idle).
        sending = asyncio.create_task(self._sender.run())

        await self._follow_schedule(input)
        while await self._reopened_in_review():
            await self._follow_schedule(input)

        self._send_closings()
        await self._end_round()
        await self._finish()
        sending.cancel()
        return self._snapshot()

    def _outbox(self) -> Outbox:
        return Outbox(self._task.state.outbox)

    async def _follow_schedule(self, input: TaskWorkflowInput) -> None:
        while self._task.state.status is TaskStatus.ACTIVE:
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._wake, timeout=self._time_to_wake())
            # Cleared before the work, not after: a message that arrives while an activity of
            # this round runs must wake the next round.
            self._wake = False
            await self._apply_messages()
            await self._apply_events()
            self._task.advance_statuses()
            self._fire_due_steps()
            self._send_closings()
            await self._plan_further_steps()
            self._task.finish_if_done()
            await self._end_round()
            if self._task.state.status is TaskStatus.ACTIVE and self._should_continue_as_new():
                if not await self._handlers_finished():
                    continue
                # A batch in flight settles first: its messages leave the queue, or stay in it,
                # before the queue is carried across.
                await workflow.wait_condition(self._sender.idle)
                if self._inbox or self._pending_events or not workflow.all_handlers_finished():
                    continue
                workflow.continue_as_new(
                    dataclasses.replace(input, state=self._task.state, first_plan=None)
                )

    def _time_to_wake(self) -> timedelta:
        if markers.taken(markers.WAKE_WHEN_DUE, self._generation):
            return self._task.time_to_wake(LONGEST_TASK_WAIT)
        return self._task.time_to_wake()

    async def _end_round(self) -> None:
        """The projection is written, then the round's messages are queued for the sender, then
        the handlers of the round hear back. From 1.2.0 a round that answers no update and
        has both to do writes and sends what is due in one local activity
        (`Sender.send_recorded`), the write first."""
        snapshot = self._changed_snapshot()
        if snapshot is not None and self._untold and self._sender.carries_record():
            self._release()
            await self._sender.send_recorded(snapshot)
        else:
            if snapshot is not None:
                await tell_locally("record_task_state", snapshot)
            self._release()
        self._answer()

    async def _finish(self) -> None:
        """Before the workflow ends: messages queued meanwhile are refused (the task is closed),
        until every handler has finished and every message has been sent or given up on."""
        while True:
            await workflow.wait_condition(
                lambda: (
                    bool(self._inbox) or (workflow.all_handlers_finished() and self._sender.done())
                )
            )
            if not self._inbox:
                return
            await self._apply_messages()
            await self._end_round()

    async def _reopened_in_review(self) -> bool:
        """A task done by delivered evidence waits `EVIDENCE_REVIEW_WINDOW` for the coordinator
        to reject that evidence; True when a rejection reopened it. The main loop goes on
        applying what is queued meanwhile: a rejection reopens the task, anything else is
        refused (it is done)."""
        delivered = any(
            m.status in (MilestoneStatus.DONE_ON_TIME, MilestoneStatus.DONE_LATE)
            for m in self._task.state.milestones
        )
        if self._task.state.status is not TaskStatus.DONE or not delivered:
            self._review_over = True
            return False
        ends = workflow.now() + EVIDENCE_REVIEW_WINDOW
        while not self._reopened() and workflow.now() < ends:
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._reopened() or bool(self._inbox),
                    timeout=ends - workflow.now(),
                )
            await self._apply_messages()
            await self._end_round()
        if self._reopened():
            return True
        self._review_over = True
        return False

    def _reopened(self) -> bool:
        return self._task.state.status is TaskStatus.ACTIVE

    async def _begin(self) -> None:
        plans = await self._first_plan()
        self._task.start([plan.milestone for plan in plans])
        # A task started after its event already happened still sees it.
        if self._task.waits_for_event():
            read = compute if markers.taken(markers.KNOWN_EVENTS_LOCALLY, self._generation) else ask
            known = await read("events_for_plan", self._input.plan_key, list[EventOccurrence])
            self._pending_events.extend(known)
            await self._apply_events()
        # Milestones the first plan has not planned (none so far): their steps asked for now.
        planned = {plan.milestone.key for plan in plans}
        for milestone in list(self._task.state.milestones):
            unplanned = not milestone.steps and milestone.planned_until is None
            if unplanned and milestone.key not in planned:
                await self._plan_steps(milestone, after=None)
        # A task started late sends none of the steps it missed: its lead units and the
        # coordinator are told where it stands, once, after the projection is written (the
        # message lists the milestones as recorded, and the leadership's reports count them).
        now = workflow.now()
        missed = first_plan.settle(self._task, plans, now)
        if not missed:
            return
        most_urgent = next(m for m in self._task.unfinished() if m.key in missed)
        self._tell(
            task_request(
                self._input,
                MessageKind.CATCH_UP,
                self._lead_and_coordinator(),
                scheduled_at=now,
                tag="started-late",
                milestone=most_urgent,
            )
        )

    async def _first_plan(self) -> list[MilestonePlan]:
        """Each milestone's first steps: the starter's plan when the input carries one still
        good now (the projection shows it already: the first round writes its own only if it
        differs), else asked for with the milestones in one call."""
        first = self._input.first_plan
        now = workflow.now()
        if (
            first is not None
            and markers.taken(markers.FIRST_PLAN_FROM_THE_STARTER, self._generation)
            and first_plan.usable(first, now)
        ):
            self._published = views.published(first_plan.planned_snapshot(self._input, first))
            return list(first.milestones)
        request = PlanTaskRequest(
            task_code=self._input.task_code,
            title=self._input.title,
            deadline_text=self._input.deadline_text,
            year=self._input.year,
            written_year=self._input.written_year,
            last_year=self._input.last_year,
        )
        return await compute(
            "plan_task", FirstPlanRequest(task=request, now=now), list[MilestonePlan]
        )

    def _should_continue_as_new(self) -> bool:
        if self._pending_events or self._task.pending_closings or self._inbox or self._untold:
            return False  # not carried across: handled first, in the next round
        # A period boundary: the closed period's history need not follow the task any further.
        return history_is_long() or self._task.period_closed

    async def _handlers_finished(self) -> bool:
        """Waits until every handler has finished, or one has queued a message; which."""
        await workflow.wait_condition(lambda: workflow.all_handlers_finished() or bool(self._inbox))
        return not self._inbox

    # ----------------------------------------------------------------------------- steps

    async def _plan_steps(self, milestone: MilestoneState, *, after: datetime | None) -> None:
        window = PLANNING_WINDOW
        if markers.taken(markers.PLAN_A_YEAR_AHEAD, self._generation):
            window = TASK_PLANNING_WINDOW
        until = self._task.planning_until(milestone, after, window)
        steps: list[ScheduledStep] = await compute(
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

    def _fire_due_steps(self) -> None:
        now = workflow.now()
        for milestone in self._task.state.milestones:
            self._send_steps(milestone, self._task.take_due_steps(milestone, now))

    def _send_steps(self, milestone: MilestoneState, steps: list[ScheduledStep]) -> None:
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
            self._tell(
                milestone_request(
                    self._input,
                    milestone,
                    kind,
                    recipients,
                    scheduled_at=step.at,
                    tag=audience,
                    audience=audience,
                ),
                action=step.action,
                detail=step.note,
            )

    def _send_closings(self) -> None:
        while self._task.pending_closings:
            key = self._task.pending_closings.pop(0)
            milestone = self._task.milestone(key)
            assert milestone.closed_at is not None
            self._tell(
                milestone_request(
                    self._input,
                    milestone,
                    MessageKind.CLOSING,
                    list(self._task.state.lead_units),
                    scheduled_at=milestone.closed_at,
                    tag=StepAudience.LEAD,
                ),
                action="closing",
                detail=milestone.status.value,
            )

    # ----------------------------------------------------------------------------- telling

    def _tell(self, request: NotificationRequest, *, action: str = "", detail: str = "") -> None:
        """Stages a message of this round's decisions: queued by `_release` once recorded."""
        self._untold.append(
            QueuedMessage(request=request, not_before=workflow.now(), action=action, detail=detail)
        )

    def _release(self) -> None:
        if not self._untold:
            return
        outbox = self._outbox()
        for message in self._untold:
            outbox.add(
                message.request, at=message.not_before, action=message.action, detail=message.detail
            )
        self._untold.clear()
        # An update answered in this round: its answer must not wait for the send.
        self._sender.wake(answering=bool(self._answered))

    def _settled(self, message: QueuedMessage, result: MessageResult | None) -> None:
        """A message left the outbox: the history says what it came to."""
        request = message.request
        if result is None or result.result is SendResult.GIVEN_UP:
            # The notification log holds the failure; the task goes on with its schedule.
            detail = result.error if result is not None else "every attempt failed"
            self._task.record(
                "delivery_failed", request.milestone_key, to=request.recipients, detail=detail
            )
        elif result.failed_units:
            self._task.record(
                "delivery_failed",
                request.milestone_key,
                to=result.failed_units,
                detail="given up after the last attempt; the coordinator was told",
            )
        if message.action:
            self._task.record(
                message.action, request.milestone_key, to=request.recipients, detail=message.detail
            )

    def _lead_and_coordinator(self) -> list[str]:
        return list(dict.fromkeys([*self._task.state.lead_units, self._input.coordinator]))

    # ----------------------------------------------------------------------------- events

    @workflow.signal
    def event_occurred(self, event: EventOccurrence) -> None:
        self._take_event(event, [])

    @workflow.signal
    def event_routed(self, routed: RoutedEvent) -> None:
        """The event with the clocks the router worked out for this task's milestones (a
        signal of its own: a second argument would not decode the older signals' one)."""
        self._take_event(routed.event, routed.clocks, units_told=routed.units_told)

    def _take_event(
        self, event: EventOccurrence, clocks: list[EventClock], *, units_told: bool = False
    ) -> None:
        # Signals arrive at least once: _apply_events drops an event already seen.
        self._pending_events.append(event)
        if clocks:
            self._handed_clocks.setdefault(event.identity, list(clocks))
        if units_told:
            self._units_told.add(event.identity)
        self._wake = True

    async def _apply_events(self) -> None:
        while self._pending_events:
            event = self._pending_events.pop(0)
            clocks = self._handed_clocks.pop(event.identity, [])
            units_told = event.identity in self._units_told
            self._units_told.discard(event.identity)
            if not self._task.first_sighting(event):
                continue
            reached = False
            for milestone in list(self._task.state.milestones):
                if self._task.corrected_by(milestone, event):
                    await self._restart_clock(milestone, event)
                    reached = True
                    continue
                if not self._task.waits_on(milestone, event):
                    continue
                if milestone.occurrence_of is not None:
                    # An occurrence opens none of its own: only the milestone it repeats does.
                    continue
                if milestone.milestone.kind is MilestoneKind.RECURRING_EVENT:
                    await self._open_occurrence(milestone, event)
                    reached = True
                elif milestone.status is MilestoneStatus.WAITING_EVENT:
                    await self._start_clock(milestone, event, clocks, units_told=units_told)
                    reached = True
            if not reached:
                self._task.record("event_ignored", detail=f"{event.identity}: nothing waits on it")

    async def _due_after(self, planned: PlannedMilestone, event: EventOccurrence) -> datetime:
        return await compute(
            "due_after_event",
            DueAfterEventRequest(
                task_code=self._input.task_code,
                year=self._input.year,
                milestone=planned,
                event=event,
            ),
            datetime,
        )

    async def _start_clock(
        self,
        milestone: MilestoneState,
        event: EventOccurrence,
        clocks: list[EventClock],
        *,
        units_told: bool = False,
    ) -> None:
        """`units_told`: the plan tells the lead units of this clock, with every other task's
        the event started, in one message each (the due date as recorded here)."""
        now = workflow.now()
        handed = None
        if clocks and markers.taken(markers.CLOCK_FROM_THE_ROUTER, self._generation):
            handed = event_clock.handed_clock(clocks, milestone.milestone, now)
        if handed is None:
            due = await self._due_after(milestone.milestone, event)
            self._task.start_clock(milestone, event, due)
            await self._plan_steps(milestone, after=workflow.now())
        else:
            self._task.start_clock(milestone, event, handed.due)
            self._task.set_steps(milestone, event_clock.steps_after(handed, now), handed.until)
        if not units_told:
            self._tell_clock_started(milestone, event)

    async def _restart_clock(self, milestone: MilestoneState, event: EventOccurrence) -> None:
        due = await self._due_after(milestone.milestone, event)
        self._task.restart_clock(milestone, event, due)
        await self._plan_steps(milestone, after=workflow.now())
        self._tell_clock_started(milestone, event)

    async def _open_occurrence(self, template: MilestoneState, event: EventOccurrence) -> None:
        if self._task.has_milestone(self._task.occurrence_key(template, event)):
            return
        due = await self._due_after(template.milestone, event)
        occurrence = self._task.add_occurrence(template, event, due)
        await self._plan_steps(occurrence, after=workflow.now())
        self._tell_clock_started(occurrence, event)

    def _tell_clock_started(self, milestone: MilestoneState, event: EventOccurrence) -> None:
        lead_units = list(self._task.state.lead_units)
        self._tell(
            clock_started_message(self._input, milestone, lead_units, event, at=workflow.now())
        )

    # ----------------------------------------------------------------------------- messages

    async def _planned(self) -> None:
        """A message that came before the first run planned the task (its validator could not
        judge it yet) waits for the plan, and is judged then."""
        await workflow.wait_condition(lambda: self._ready)

    def _judge(self, check: Callable[[M], None], message: M) -> None:
        """A validator's judgement: none before the first run planned the task (see _planned)."""
        if self._ready:
            check(message)

    async def _queue(
        self, check: Callable[[M], None], message: M, apply: Callable[[M], Awaitable[R]]
    ) -> R:
        """Hands `message` to the main loop, which judges it again and applies it; its outcome,
        or its refusal as the update's failure."""
        queued = Queued(check=lambda: check(message), apply=lambda: apply(message))
        self._inbox.append(queued)
        self._wake = True
        await workflow.wait_condition(lambda: queued.done)
        if queued.refusal is not None:
            raise ApplicationError(queued.refusal, type="Refused", non_retryable=True)
        return cast(R, queued.outcome)

    async def _apply_messages(self) -> None:
        while self._inbox:
            queued = self._inbox.pop(0)
            try:
                queued.check()
            except ValueError as refusal:
                queued.refusal = str(refusal)
            else:
                queued.outcome = await queued.apply()
            self._answered.append(queued)

    def _answer(self) -> None:
        for queued in self._answered:
            queued.done = True
        self._answered.clear()

    @workflow.update
    async def submit_evidence(self, submission: EvidenceSubmission) -> MilestoneView:
        await self._planned()
        return await self._queue(self._task.check_evidence, submission, self._apply_evidence)

    @submit_evidence.validator
    def _validate_evidence(self, submission: EvidenceSubmission) -> None:
        self._judge(self._task.check_evidence, submission)

    async def _apply_evidence(self, submission: EvidenceSubmission) -> MilestoneView:
        milestone = self._task.milestone(submission.milestone_key)
        now = workflow.now()
        on_time = self._task.mark_done(milestone, submission)
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
        await self._publish()
        # The lead units hear of it by the closing; the coordinator, unless it leads the task.
        if self._input.coordinator not in self._task.state.lead_units:
            self._tell(evidence_received_message(self._input, milestone, submission, at=now))
        return views.view(milestone)

    @workflow.update
    async def reject_evidence(self, rejection: EvidenceRejection) -> MilestoneView:
        await self._planned()
        return await self._queue(self._check_rejection, rejection, self._apply_rejection)

    @reject_evidence.validator
    def _validate_evidence_rejection(self, rejection: EvidenceRejection) -> None:
        self._judge(self._check_rejection, rejection)

    def _check_rejection(self, rejection: EvidenceRejection) -> None:
        in_review = self._task.state.status is TaskStatus.DONE and not self._review_over
        self._task.check_evidence_rejection(rejection, in_review=in_review)

    async def _apply_rejection(self, rejection: EvidenceRejection) -> MilestoneView:
        milestone = self._task.milestone(rejection.milestone_key)
        self._task.reopen(milestone, rejection)
        await self._plan_steps(milestone, after=workflow.now())
        await self._publish()
        lead_units = list(self._task.state.lead_units)
        self._tell(
            evidence_rejected_message(
                self._input, milestone, lead_units, rejection, at=workflow.now()
            )
        )
        return views.view(milestone)

    @workflow.update
    async def request_extension(self, request: ExtensionRequest) -> str:
        await self._planned()
        return await self._queue(
            self._task.check_extension_request, request, self._apply_extension_request
        )

    @request_extension.validator
    def _validate_extension_request(self, request: ExtensionRequest) -> None:
        self._judge(self._task.check_extension_request, request)

    async def _apply_extension_request(self, request: ExtensionRequest) -> str:
        self._task.note_extension_request(request)
        milestone = self._task.milestone(request.milestone_key)
        asked_due = await self._due_on(request.new_due_on)
        self._tell(
            extension_request_message(self._input, milestone, request, asked_due, at=workflow.now())
        )
        return "recorded: the coordinator decides"

    @workflow.update
    async def grant_extension(self, grant: ExtensionGrant) -> MilestoneView:
        await self._planned()
        return await self._queue(self._task.check_extension_grant, grant, self._apply_grant)

    @grant_extension.validator
    def _validate_extension_grant(self, grant: ExtensionGrant) -> None:
        self._judge(self._task.check_extension_grant, grant)

    async def _apply_grant(self, grant: ExtensionGrant) -> MilestoneView:
        milestone = self._task.open_milestone(grant.milestone_key)
        previous = milestone.milestone.due
        due = await self._due_on(grant.new_due_on)
        self._task.extend(milestone, due, grant)
        await self._plan_steps(milestone, after=workflow.now())
        await self._publish()
        lead_units = list(self._task.state.lead_units)
        self._tell(
            extension_granted_message(
                self._input, milestone, lead_units, grant, previous, at=workflow.now()
            )
        )
        return views.view(milestone)

    @workflow.update
    async def refuse_extension(self, refusal: ExtensionRefusal) -> MilestoneView:
        await self._planned()
        return await self._queue(self._task.check_extension_refusal, refusal, self._apply_refusal)

    @refuse_extension.validator
    def _validate_extension_refusal(self, refusal: ExtensionRefusal) -> None:
        self._judge(self._task.check_extension_refusal, refusal)

    async def _apply_refusal(self, refusal: ExtensionRefusal) -> MilestoneView:
        request = self._task.refuse_extension(refusal)
        milestone = self._task.milestone(refusal.milestone_key)
        lead_units = list(self._task.state.lead_units)
        self._tell(
            extension_refused_message(
                self._input, milestone, lead_units, refusal, request, at=workflow.now()
            )
        )
        return views.view(milestone)

    @workflow.update
    async def reassign_lead(self, reassignment: Reassignment) -> list[str]:
        await self._planned()
        return await self._queue(
            self._task.check_reassignment, reassignment, self._apply_reassignment
        )

    @reassign_lead.validator
    def _validate_reassignment(self, reassignment: Reassignment) -> None:
        self._judge(self._task.check_reassignment, reassignment)

    async def _apply_reassignment(self, reassignment: Reassignment) -> list[str]:
        previous = list(self._task.state.lead_units)
        lead_units = self._task.reassign(reassignment)
        await self._publish()
        self._tell(
            reassigned_message(
                self._input, previous, list(lead_units), reassignment, at=workflow.now()
            )
        )
        return list(lead_units)

    @workflow.update
    async def cancel(self, closure: Closure) -> TaskSnapshot:
        await self._planned()
        return await self._queue(self._task.check_closure, closure, self._apply_cancel)

    @cancel.validator
    def _validate_cancel(self, closure: Closure) -> None:
        self._judge(self._task.check_closure, closure)

    async def _apply_cancel(self, closure: Closure) -> TaskSnapshot:
        return await self._apply_closure(TaskStatus.CANCELLED, closure)

    @workflow.update
    async def carry_over(self, closure: Closure) -> TaskSnapshot:
        await self._planned()
        return await self._queue(self._task.check_closure, closure, self._apply_carry_over)

    @carry_over.validator
    def _validate_carry_over(self, closure: Closure) -> None:
        self._judge(self._task.check_closure, closure)

    async def _apply_carry_over(self, closure: Closure) -> TaskSnapshot:
        return await self._apply_closure(TaskStatus.CARRIED_OVER, closure)

    async def _apply_closure(self, status: TaskStatus, closure: Closure) -> TaskSnapshot:
        self._task.close(status, closure)
        await self._publish()
        kind = MessageKind.CANCELLED if status is TaskStatus.CANCELLED else MessageKind.CARRIED_OVER
        recipients = self._lead_and_coordinator()
        self._tell(closed_message(self._input, kind, recipients, closure, at=workflow.now()))
        return self._snapshot()

    async def _due_on(self, day: date) -> datetime:
        """The due instant of a day a person named (the close of its office hours)."""
        return await compute(
            "due_on_day",
            DueOnDayRequest(task_code=self._input.task_code, year=self._input.year, day=day),
            datetime,
        )

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
        snapshot = self._changed_snapshot()
        if snapshot is not None:
            await tell_locally("record_task_state", snapshot)

    def _changed_snapshot(self) -> TaskSnapshot | None:
        """Tells the search attributes when they changed; the snapshot to write when the
        projection changed (None: it shows the task as it stands)."""
        snapshot = self._snapshot()
        next_due = views.next_due(self._task.state)
        searchable = (snapshot.display_status, tuple(snapshot.lead_units), next_due)
        if searchable != self._searchable:
            self._searchable = searchable
            workflow.upsert_search_attributes(sa.task_updates(snapshot, next_due, self._generation))
        published = views.published(snapshot)
        if published == self._published:
            return None
        self._published = published
        return snapshot
