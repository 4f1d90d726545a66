"""One workflow per plan: it records the events the coordinator triggers and routes each to
every task waiting on its key, and sends the leadership the year's summary.

The events also go to the database (an activity), so a task started after its event still
finds it there. An event happens once: a second date for its key is refused, naming the first,
unless the coordinator says it corrects the first (or the key is one that recurs, where each
date is an occurrence of its own).

The update handler holds a lock across everything it awaits (Temporal's safe-message-handler
pattern): two events are recorded and routed one after the other, never interleaved.

An event's first date that starts the clocks of its tasks (runs that took the marker
"units-told-once") is told to each lead unit once, by the plan: the routing tells the tasks so,
and the main loop, after the update has answered, sends `clocks_started` listing each unit's
tasks and the due dates they recorded (activities/notify.py waits for the tasks to react).
Before, each task told its units in its reaction: a unit leading thirty tasks had thirty
messages, and a thousand reactions each carried a send.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

from workflows.activity_calls import RETRY, tell
from workflows.notification_calls import (
    send_clocks_started,
    send_in_office_hours,
    year_summary_request,
)
from workflows.run_limits import LONGEST_WAIT, history_is_long

with workflow.unsafe.imports_passed_through():
    # pydantic resolves a payload's annotations in the module that defines it, looking it up in
    # the sandbox's sys.modules: every such module must be imported here by name.
    import deadlines.language
    import deadlines.planning
    import deadlines.schedule  # noqa: F401
    import models.payloads
    import models.statuses
    import models.workflow_messages  # noqa: F401
    import workflows.markers as markers
    import workflows.search_attributes as sa
    from deadlines.local_time import local_day
    from models.workflow_messages import (
        EventDelivery,
        EventOccurrence,
        EventRecord,
        EventRouting,
        EventSubscription,
        PlanState,
        PlanWorkflowInput,
    )


# A plan started after its year's summary was due sends it this long after the start, once its
# tasks have written where they stand (the summary counts from that record), not at once.
LATE_SUMMARY_DELAY = timedelta(hours=1)
# An event's signals are left to an activity (activities.routing),
# which sends them together from the worker's client: the plan workflow only waits for the list
# of the tasks that took it. Its heartbeats carry the progress, so that a worker dying midway
# is noticed within ROUTING_HEARTBEAT and the next attempt goes on from there.
ROUTING_HEARTBEAT = timedelta(seconds=10)
# Room for 10,000 tasks on a loaded machine; a dead worker is noticed by the heartbeat first.
ROUTING_TIMEOUT = timedelta(minutes=10)


def plan_workflow_id(plan_key: str) -> str:
    return plan_key


@workflow.defn(name="PlanWorkflow")
class PlanWorkflow:
    @workflow.init
    def __init__(self, input: PlanWorkflowInput) -> None:
        # The input is known before any message handler runs.
        self._input = input
        self._state = input.state or PlanState()
        self._lock = asyncio.Lock()
        self._run_generation: str | None = None

    def _generation(self) -> str:
        """The run's generation (markers.generation), asked once: by the run's start, or by an
        update handled before it."""
        if self._run_generation is None:
            self._run_generation = markers.generation()
        return self._run_generation

    @workflow.run
    async def run(self, input: PlanWorkflowInput) -> None:
        workflow.upsert_search_attributes([sa.GENERATION.value_set(self._generation())])
        summary_at = input.year_summary_at
        started = workflow.now()
        if input.state is None and started >= summary_at:
            summary_at = started + LATE_SUMMARY_DELAY
        later = self._later_summaries(input, started)
        while True:
            await self._tell_untold()
            now = workflow.now()
            if not self._state.summary_sent and now >= summary_at:
                await self._send_year_summary()
            for year, at in later:
                if year not in self._state.years_summarised and now >= at:
                    await self._send_year_summary((year, at))
            waiting = [at for year, at in later if year not in self._state.years_summarised]
            if later and self._state.summary_sent and not waiting:
                # A plan of several years ends with the summary of its last year (and the
                # telling of an event recorded meanwhile).
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self._state.untold:
                    return
                continue
            wait = LONGEST_WAIT
            if not self._state.summary_sent:
                wait = min(wait, max(summary_at - now, timedelta(seconds=1)))
            if waiting:
                wait = min(wait, max(min(waiting) - now, timedelta(seconds=1)))
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: (
                        workflow.info().is_continue_as_new_suggested() or bool(self._state.untold)
                    ),
                    timeout=wait,
                )
            if history_is_long():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(dataclasses.replace(input, state=self._state))

    @staticmethod
    def _later_summaries(input: PlanWorkflowInput, started: datetime) -> list[tuple[int, datetime]]:
        """The later years of a plan of several and when each one's summary is due (one
        started after that is late sends it as the first year's: an hour after the start)."""
        if input.last_year is None:
            return []
        years = range(input.year + 1, input.last_year + 1)
        due = list(zip(years, input.later_summaries_at, strict=True))
        if input.state is not None:
            return due
        return [(year, max(at, started + LATE_SUMMARY_DELAY)) for year, at in due]

    async def _tell_untold(self) -> None:
        """Each routed event's `clocks_started`, in the order they were routed (outside office
        hours after waiting for the opening). One that cannot be delivered is given up: the log
        holds why, and the coordinator was told."""
        while self._state.untold:
            delivery = self._state.untold[0]
            try:
                await send_clocks_started(delivery)
            except ActivityError:
                workflow.logger.warning(
                    "the units of %s could not be told of their due dates", delivery.event.identity
                )
            self._state.untold.pop(0)

    async def _send_year_summary(self, later: tuple[int, datetime] | None = None) -> None:
        try:
            # Outside office hours the summary waits on a timer for the opening.
            await send_in_office_hours(year_summary_request(self._input, later))
        except ActivityError:
            workflow.logger.warning("the year's summary could not be delivered")
        if later is None:
            self._state.summary_sent = True
        else:
            self._state.years_summarised.append(later[0])

    @workflow.update
    async def trigger_event(self, event: EventOccurrence) -> EventRouting:
        async with self._lock:
            tasks = self._subscribers(event.key)
            if any(seen.identity == event.identity for seen in self._state.events):
                return EventRouting(event.key, event.occurred_on, tasks, already_recorded=True)
            if event.corrects is not None:
                corrected = f"{event.key}@{event.corrects.isoformat()}"
                self._state.events = [e for e in self._state.events if e.identity != corrected]
            await tell("record_event", EventRecord(plan_key=self._input.plan_key, event=event))
            self._state.events.append(event)
            units_told = self._tells_units(event)
            reached = await self._route_all(event, tasks, units_told=units_told)
            if units_told and reached:
                # Told by the main loop: the update answers without waiting for a message.
                untold = EventDelivery(self._input.plan_key, event, reached, units_told=True)
                self._state.untold.append(untold)
            return EventRouting(event.key, event.occurred_on, reached, already_recorded=False)

    def _tells_units(self, event: EventOccurrence) -> bool:
        """Whether the plan tells the lead units of the clocks `event` starts, rather than each
        task: its first date (a correction restarts clocks, which each task tells), on a key no
        task repeats its obligation on (each occurrence is told by its task)."""
        if not markers.taken(markers.UNITS_TOLD_ONCE, self._generation()):
            return False
        recurring = any(s.recurring for s in self._subscriptions() if s.event_key == event.key)
        return event.corrects is None and not recurring

    async def _route_all(
        self, event: EventOccurrence, tasks: list[str], *, units_told: bool
    ) -> list[str]:
        """The tasks that took the event, signalled by the routing activity."""
        if not tasks:
            return []
        reached: list[str] = await workflow.execute_activity(
            "route_event",
            EventDelivery(
                plan_key=self._input.plan_key, event=event, task_codes=tasks, units_told=units_told
            ),
            result_type=list[str],
            start_to_close_timeout=ROUTING_TIMEOUT,
            heartbeat_timeout=ROUTING_HEARTBEAT,
            retry_policy=RETRY,
        )
        return reached

    @trigger_event.validator
    def _validate_event(self, event: EventOccurrence) -> None:
        check_event(
            event,
            plan_key=self._input.plan_key,
            year=self._input.year,
            today=local_day(workflow.now()),
            subscriptions=self._subscriptions(),
            recorded=self._state.events,
        )

    @workflow.signal
    def subscriptions_changed(self, subscriptions: list[EventSubscription]) -> None:
        """The plan was started again from a changed file: tasks added or removed."""
        self._state.subscriptions = list(subscriptions)

    def _subscriptions(self) -> list[EventSubscription]:
        if self._state.subscriptions is not None:
            return self._state.subscriptions
        return self._input.subscriptions

    @workflow.query
    def events(self) -> list[EventOccurrence]:
        return list(self._state.events)

    def _subscribers(self, key: str) -> list[str]:
        return sorted({s.task_code for s in self._subscriptions() if s.event_key == key})


def check_event(
    event: EventOccurrence,
    *,
    plan_key: str,
    year: int,
    today: date,
    subscriptions: list[EventSubscription],
    recorded: list[EventOccurrence],
) -> None:
    """Raises ValueError, saying why, unless the plan takes `event` as it stands. Pure: the
    validator gives it the plan's state and the workflow's day."""
    known = sorted({s.event_key for s in subscriptions})
    if event.key not in known:
        raise ValueError(
            f"no task of plan {plan_key} waits on event {event.key!r}; "
            f"known events: {', '.join(known) or 'none'}"
        )
    if event.occurred_on > today:
        raise ValueError(
            f"the event date {event.occurred_on.isoformat()} is in the future "
            f"(today is {today.isoformat()})"
        )
    earliest = date(year - 1, 1, 1)
    if event.occurred_on < earliest:
        raise ValueError(
            f"the event date {event.occurred_on.isoformat()} is before "
            f"{earliest.isoformat()}: a plan of {year} counts from events of the "
            "year before at the earliest"
        )
    _check_once(event, subscriptions, [e for e in recorded if e.key == event.key])
    needing_due = [
        s.task_code for s in subscriptions if s.event_key == event.key and s.needs_due_date
    ]
    if needing_due and event.due_on is None:
        raise ValueError(
            f"event {event.key!r} sets the deadline of {', '.join(needing_due)}: "
            "give its due date (--due)"
        )
    if event.due_on is not None and event.due_on < event.occurred_on:
        raise ValueError("the due date comes before the event itself")


def _check_once(
    event: EventOccurrence, subscriptions: list[EventSubscription], recorded: list[EventOccurrence]
) -> None:
    """An event happens once per key: a second date is a correction, said as one."""
    if event.identity in {e.identity for e in recorded}:
        return  # recorded already: nothing changes
    recurring = any(s.recurring for s in subscriptions if s.event_key == event.key)
    if event.corrects is None:
        if recurring or not recorded:
            return
        first = recorded[0]
        raise ValueError(
            f"event {event.key!r} was already recorded on {first.occurred_on.isoformat()}"
            f"{f' ({first.decision})' if first.decision else ''}: an event happens once; "
            f"if {event.occurred_on.isoformat()} is the right date, record it as a "
            "correction (--correct)"
        )
    if recurring:
        raise ValueError(
            f"event {event.key!r} recurs: each date is an occurrence of its own, there is "
            "nothing to correct"
        )
    if event.corrects not in {e.occurred_on for e in recorded}:
        dates = ", ".join(e.occurred_on.isoformat() for e in recorded) or "never"
        raise ValueError(
            f"event {event.key!r} was not recorded on {event.corrects.isoformat()} "
            f"(recorded: {dates}): there is nothing to correct"
        )
