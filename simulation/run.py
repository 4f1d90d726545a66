"""`scheduler.py simulate`: the real workflows and activities run a plan over a span of days on
the time-skipping test server; notifications are recorded on a timeline instead of sent.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from control import operations, starting
from control.permissions import Actor, unit_actor
from control.runtime import build_worker
from deadlines import StepAction
from deadlines.local_time import local_day, local_instant, local_iso
from models.payloads import (
    DeliveryOutcome,
    MessageBatch,
    MessageKind,
    MessageResult,
    NotificationOutcome,
    NotificationRequest,
    SendResult,
)
from models.workflow_messages import (
    Closure,
    EventDelivery,
    EventOccurrence,
    EvidenceSubmission,
    ExtensionGrant,
)
from notifications.event_telling import (
    clocks_started_key,
    clocks_started_requests,
    reactions,
)
from notifications.office_hours import CalendarOfYear, next_office_opening
from plan_import import Correction
from plan_import.units import UnitDirectory, load_unit_directory
from settings import Settings
from simulation.clock import start_time_skipping_at
from simulation.scenario import (
    EventStep,
    EvidenceStep,
    ExtendStep,
    ScenarioAction,
    ScenarioError,
    ScenarioStep,
)
from storage.db import session_scope

SLEEP_STRIDE = timedelta(days=14)
# Read the tasks' final state this long after the end of the last day: the test server's sleep
# returns once its clock reaches the instant, while the workflow tasks of timers due at that very
# instant (the plan year's end, which ends the ongoing tasks) may still be running on a loaded
# worker. The clock cannot move past work in flight, so a sleep a little further waits for it.
SETTLE = timedelta(minutes=1)
# The kinds of message on the timeline, each as the step it is for (both escalations are one
# step); the year's summary and extension requests are left out.
TIMELINE_ACTIONS: dict[str, str] = {
    MessageKind.REMINDER: StepAction.REMINDER,
    MessageKind.CHECK_IN: StepAction.CHECK_IN,
    MessageKind.ESCALATION_COORDINATOR: StepAction.ESCALATION,
    MessageKind.ESCALATION_LEADERSHIP: StepAction.ESCALATION,
    MessageKind.NUDGE: StepAction.NUDGE,
    MessageKind.CLOSING: MessageKind.CLOSING,
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    task: str
    milestone: str
    action: str
    to: list[str]


@dataclass
class SimulationResult:
    plan_key: str
    # The simulation's own database: the engine's record of the simulated year.
    database_url: str = ""
    timeline: list[TimelineEntry] = field(default_factory=list)
    final: list[tuple[str, str]] = field(default_factory=list)
    scenario_log: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "timeline": [
                {
                    "at": local_iso(entry.at),
                    "task": entry.task,
                    "milestone": entry.milestone,
                    "action": entry.action,
                    "to": entry.to,
                }
                for entry in self.timeline
            ],
            "final": [{"task": task, "status": status} for task, status in self.final],
        }


class NotificationRecorder:
    """Stands in for `send_notification`, `send_clocks_started` and `send_messages` during a
    simulation: nobody is messaged. Given a calendar, it holds messages outside its office hours
    as the real activity does; without one, every message goes at once.

    Its activities are coroutines: they only note what was asked, in memory, so they run on
    the worker's event loop rather than being handed to a thread and back."""

    def __init__(
        self, office_hours: CalendarOfYear | None = None, dead_units: Sequence[str] = ()
    ) -> None:
        self._office_hours = office_hours
        # Units whose channel answers nothing: a message to one is not delivered until the
        # last attempt gives it up.
        self._dead_units = set(dead_units)
        # Every attempt at a message (its key, and when it was made), retries included.
        self.attempts: list[tuple[str, datetime]] = []
        self.entries: list[TimelineEntry] = []
        # Every request as asked, the year's summary included (the timeline leaves it out).
        self.requests: list[NotificationRequest] = []
        self._seen: set[str] = set()
        # The simulation's database, where the tasks record their reactions to an event.
        self.database_url = ""

    @activity.defn(name="send_notification")
    async def send_notification(self, request: NotificationRequest) -> NotificationOutcome:
        """One message (a plan's year summary); outside the office hours given, refused as the
        real activity refuses it, naming the opening."""
        opens = self._opening(activity.info().current_attempt_scheduled_time)
        if opens is not None:
            raise ApplicationError(
                "outside office hours", opens.isoformat(), type="QuietHours", non_retryable=True
            )
        return self._record(request, activity.info().scheduled_time)

    def _record(self, request: NotificationRequest, sent_at: datetime) -> NotificationOutcome:
        if request.key in self._seen:  # a retried activity: recorded already
            return NotificationOutcome(key=request.key, per_unit={})
        self._seen.add(request.key)
        self.requests.append(request)
        action = TIMELINE_ACTIONS.get(request.kind)
        if action is not None:
            # A step is sent at its own instant; only a late start's catch-up differs.
            at = (
                request.scheduled_at
                if abs(sent_at - request.scheduled_at) < timedelta(minutes=1)
                else sent_at
            )
            self.entries.append(
                TimelineEntry(
                    at=at,
                    task=request.task_code,
                    milestone=request.milestone_key,
                    action=action,
                    to=list(request.recipients),
                )
            )
        return NotificationOutcome(
            key=request.key, per_unit={u: DeliveryOutcome.SENT for u in request.recipients}
        )

    @activity.defn(name="send_messages")
    async def send_messages(self, batch: MessageBatch) -> list[MessageResult]:
        results: list[MessageResult] = []
        # A local activity's info has the worker's wall clock: the batch carries Temporal's.
        now = batch.at or activity.info().scheduled_time
        for message in batch.messages:
            request = message.request
            opens = self._opening(now)
            if opens is not None and not message.last_attempt:
                results.append(MessageResult(request.key, SendResult.HELD, held_until=opens))
                continue
            self.attempts.append((request.key, now))
            dead = [unit for unit in request.recipients if unit in self._dead_units]
            if dead and not message.last_attempt:
                results.append(MessageResult(request.key, SendResult.RETRY, error="no answer"))
                continue
            self._record(request, now)
            results.append(MessageResult(request.key, SendResult.SETTLED, failed_units=dead))
        return results

    @activity.defn(name="send_clocks_started")
    async def send_clocks_started(self, delivery: EventDelivery) -> NotificationOutcome:
        """An event told to the lead units of the tasks it reached, as the real activity tells
        it: once they recorded their reaction (retried until then), in office hours."""
        info = activity.info()
        opens = self._opening(info.current_attempt_scheduled_time)
        if opens is not None:
            raise ApplicationError(
                "outside office hours", opens.isoformat(), type="QuietHours", non_retryable=True
            )
        with session_scope(self.database_url) as session:
            waiting, started = reactions(session, delivery)
        if waiting:
            raise ApplicationError(f"not reacted yet: {', '.join(waiting)}", type="TasksNotReacted")
        at = info.scheduled_time
        workflow_id = info.workflow_id or delivery.plan_key
        per_unit: dict[str, DeliveryOutcome] = {}
        for request in clocks_started_requests(delivery, workflow_id, started, at=at):
            per_unit |= self._record(request, at).per_unit
        return NotificationOutcome(clocks_started_key(delivery, workflow_id), per_unit)

    def _opening(self, now: datetime) -> datetime | None:
        if self._office_hours is None:
            return None
        return next_office_opening(self._office_hours, now)

    def activities(self) -> list[Callable[..., Any]]:
        return [self.send_notification, self.send_clocks_started, self.send_messages]


def local_start(day: date) -> datetime:
    """Midnight at the start of `day` in Vietnam."""
    return local_instant(day, time(0, 0))


@dataclass
class SimulatedPlan:
    """A plan started on a time-skipping server whose clock began at a chosen instant."""

    env: WorkflowEnvironment
    settings: Settings
    recorder: NotificationRecorder
    report: starting.StartReport

    @property
    def client(self) -> Client:
        return self.env.client

    async def messages_sent(self) -> None:
        """Lets the tasks' senders send what their decisions queued: an update answers once its
        decision is recorded, and its messages go out right after (in office hours). The test
        server's clock does not move while an activity runs, so one second of it covers them."""
        await self.env.sleep(timedelta(seconds=1))

    async def sleep_until(self, target: datetime) -> None:
        # In strides: one skip over a whole year of many workflows' timers can outlast the
        # test server's call timeout.
        now = await self.env.get_current_time()
        while target > now:
            await self.env.sleep(min(target - now, SLEEP_STRIDE))
            now = await self.env.get_current_time()


@asynccontextmanager
async def simulated_plan(
    plan_path: Path,
    *,
    start_at: datetime,
    settings: Settings,
    year: int | None = None,
    stand_ins: Sequence[object] = (),
    recorder: NotificationRecorder | None = None,
    corrections: Sequence[Correction] = (),
    until: int | None = None,
    sandboxed: bool = True,
) -> AsyncIterator[SimulatedPlan]:
    """The real workflows and activities, a database of their own, and a recorder in place of
    the notification channels (`stand_ins` replace more of them by name). `corrections` and
    `until` read the plan as `start --set/--until` does; `sandboxed=False` runs the workflows
    as `simulate` does (see there)."""
    folder = Path(tempfile.mkdtemp(prefix="nhachan-simulation-"))
    sim_settings = settings.model_copy(
        update={
            "var_dir": folder,
            "database_url": f"sqlite:///{folder / 'simulation.db'}",
            "task_queue": "nhachan-simulation",
        }
    )
    recorder = recorder or NotificationRecorder()
    recorder.database_url = sim_settings.resolved_database_url()
    env = await start_time_skipping_at(start_at)
    async with env:
        with ThreadPoolExecutor(max_workers=8) as executor:
            worker = build_worker(
                env.client,
                sim_settings,
                executor=executor,
                extra_activities=[*recorder.activities(), *stand_ins],
                replace_notifications=True,
                sandboxed=sandboxed,
            )
            async with worker:
                report = await starting.start_plan(
                    env.client,
                    sim_settings,
                    plan_path,
                    year=year,
                    with_digest=False,
                    corrections=corrections,
                    until=until,
                )
                yield SimulatedPlan(env, sim_settings, recorder, report)


async def simulate(
    plan_path: Path,
    *,
    start: date,
    end: date,
    scenario: list[ScenarioStep],
    settings: Settings,
    year: int | None = None,
    corrections: Sequence[Correction] = (),
    until: int | None = None,
) -> SimulationResult:
    if end < start:
        raise ScenarioError(f"--to {end.isoformat()} comes before --from {start.isoformat()}")
    first, last = local_start(start), local_start(end) + timedelta(days=1)
    outside = [step for step in scenario if not first <= step.at < last]
    if outside:
        raise ScenarioError(f"{outside[0].place}: its day is outside --from/--to")
    # Without the workflows' sandbox, each activation on the event loop's thread: the sandbox
    # was about an eighth of a simulated year's CPU, and the hand-over of each activation to a
    # thread and back waits, on a loaded machine, for the thread to be scheduled (docs/
    # BENCHMARKS.md). The sandbox keeps a workflow from reaching the clock, I/O or state shared
    # with other workflows; nothing here relies on it: the same workflow code runs sandboxed in
    # the product's worker, in the replay tests and in the engine tests' simulations
    # (`simulated_plan`, sandboxed unless told otherwise), which fail on a call it forbids. The
    # engine still checks each workflow's commands against its history on every replay.
    async with simulated_plan(
        plan_path,
        start_at=first,
        settings=settings,
        year=year,
        corrections=corrections,
        until=until,
        sandboxed=False,
    ) as sim:
        plan_key = sim.report.plan_key
        result = SimulationResult(
            plan_key=plan_key, database_url=sim.settings.resolved_database_url()
        )
        directory = load_unit_directory(settings.units_file)
        for step in scenario:
            await sim.sleep_until(step.at)
            result.scenario_log.append(
                await perform_step(sim.client, plan_key, step, directory=directory)
            )
        await sim.sleep_until(last + SETTLE)
        result.final = await _final_statuses(sim.client, plan_key, sim.report)
    result.timeline = sorted(
        sim.recorder.entries, key=lambda e: (e.at, e.task, e.milestone, e.action)
    )
    return result


def _actor(directory: UnitDirectory, by: str) -> Actor:
    """Who does a step: the unit it names (in its directory role), the coordinator if none."""
    return unit_actor(directory, by or directory.coordinator)


async def perform_step(
    client: Client, plan_key: str, step: ScenarioStep, *, directory: UnitDirectory
) -> str:
    what = step.what
    if isinstance(what, EventStep):
        routing = await operations.trigger_event(
            client,
            plan_key,
            EventOccurrence(
                key=what.key,
                occurred_on=local_day(step.at),
                decision=what.decision,
                due_on=what.due,
            ),
            actor=_actor(directory, ""),
        )
        return f"{step.place}: event {routing.key} reached {', '.join(routing.tasks)}"
    if isinstance(what, EvidenceStep):
        view = await operations.submit_evidence(
            client,
            plan_key,
            what.task,
            EvidenceSubmission(
                milestone_key=what.milestone,
                submitted_by=what.by,
                document_number=what.document,
                link=what.link,
            ),
            actor=_actor(directory, what.by),
        )
        return f"{step.place}: {what.task} milestone {view.key} {view.status.value}"
    if isinstance(what, ExtendStep):
        view = await operations.grant_extension(
            client,
            plan_key,
            what.task,
            ExtensionGrant(
                milestone_key=what.milestone,
                new_due_on=what.until,
                reason=what.reason,
                granted_by=what.by,
            ),
            actor=_actor(directory, what.by),
        )
        return f"{step.place}: {what.task} milestone {view.key} due {view.due}"
    snapshot = await operations.cancel_task(
        client,
        plan_key,
        what.task,
        Closure(reason=what.reason, by=what.by),
        actor=_actor(directory, what.by),
        carry_over=step.action is ScenarioAction.CARRY_OVER,
    )
    return f"{step.place}: {what.task} {snapshot.status.value}"


async def _final_statuses(
    client: Client, plan_key: str, report: starting.StartReport
) -> list[tuple[str, str]]:
    statuses: list[tuple[str, str]] = []
    for code in [*report.started, *report.already_running, *report.already_closed]:
        # A query answers for a closed workflow too (the worker replays it); describe() is not
        # used because the test server returns datetime search attributes it cannot decode.
        snapshot = await operations.task_snapshot(client, plan_key, code)
        statuses.append((code, snapshot.display_status))
    return statuses
