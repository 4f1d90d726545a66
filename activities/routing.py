"""The activity that takes an event the plan recorded to every task waiting on it: signals from
the worker's own client, a bounded number in flight.

The plan workflow signalling its tasks itself issued one command per task and waited for the
server to confirm each batch in its own workflow task (30 s for 1,000 tasks on 2 cores); here
the signals go out together, and the plan only waits for the list of tasks that took it.

A worker that dies while routing stops the heartbeats: the engine runs the activity again (on
this worker restarted, or another), and the new attempt signals only the tasks the last
heartbeat did not list. A task signalled after that heartbeat gets the event a second time; it
drops an event it saw already (`TaskTracker.first_sighting`), so each applies it once.

The signal carries the clocks the event starts for the task (workflows.event_clock): its due
dates and steps, worked out here for every task at once from the deadlines the plan's record
holds, instead of by two local activities in each task's reaction. A task takes them only if
its milestone still waits as worked out here (the marker "clock-from-the-router"), else asks the
policy itself: a clock handed wrong is never taken. When the plan tells the lead units itself
(`EventDelivery.units_told`, marker "units-told-once"), every task gets the event so, clocks or
none, so that no task tells its units of it too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from deadlines import DeadlinePolicy, DeadlineRefused, plan_milestones
from models.workflow_messages import EventClock, EventDelivery, RoutedEvent
from settings import Settings
from storage.db import session_scope
from storage.plans import get_plan, list_tasks
from workflows.event_clock import started_clock, starts_clock
from workflows.task import TaskWorkflow, task_workflow_id

# How often the progress is heartbeated: well inside the heartbeat timeout the plan gives
# (workflows.plan.ROUTING_HEARTBEAT).
PROGRESS_EVERY = timedelta(seconds=1)


@dataclass
class RoutingProgress:
    """What an attempt has done so far: carried by its heartbeats to the next attempt."""

    taken: list[str] = field(default_factory=list)
    # Tasks that were not running (closed, or not started yet: a task reads the plan's events
    # from the record as it starts).
    missed: list[str] = field(default_factory=list)

    def done(self) -> set[str]:
        return {*self.taken, *self.missed}

    def heartbeat(self) -> None:
        # Two lists: the details come back to the next attempt decoded without their type.
        activity.heartbeat(list(self.taken), list(self.missed))

    @classmethod
    def resumed(cls, details: Sequence[Any]) -> RoutingProgress:
        """The progress the last heartbeat of an earlier attempt carried; none on the first."""
        if not details:
            return cls()
        taken, missed = details
        return cls(taken=list(taken), missed=list(missed))


class RoutingActivities:
    def __init__(self, client: Client, settings: Settings, *, in_flight: int) -> None:
        self._client = client
        self._settings = settings
        self._in_flight = in_flight

    @activity.defn(name="route_event")
    async def route_event(self, delivery: EventDelivery) -> list[str]:
        """Signals the event to each task of `delivery` not reached by an earlier attempt; the
        codes of the tasks that took it, in the delivery's order."""
        info = activity.info()
        progress = RoutingProgress.resumed(info.heartbeat_details)
        done = progress.done()
        todo = [code for code in delivery.task_codes if code not in done]
        # The server's instant (a time-skipping server's too): never after the task's own now
        # when the signal reaches it.
        planned_at = info.current_attempt_scheduled_time
        clocks: dict[str, list[EventClock]] = {}
        semaphore = asyncio.Semaphore(self._in_flight)

        async def signal(code: str) -> None:
            async with semaphore:
                handle = self._client.get_workflow_handle(task_workflow_id(delivery.plan_key, code))
                handed = clocks.get(code)
                try:
                    if handed or delivery.units_told:
                        routed = RoutedEvent(delivery.event, handed or [], delivery.units_told)
                        await handle.signal(TaskWorkflow.event_routed, routed)
                    else:
                        await handle.signal(TaskWorkflow.event_occurred, delivery.event)
                except RPCError as error:
                    if error.status is not RPCStatusCode.NOT_FOUND:
                        raise
                    progress.missed.append(code)
                else:
                    progress.taken.append(code)

        async def heartbeat() -> None:
            while True:
                await asyncio.sleep(PROGRESS_EVERY.total_seconds())
                progress.heartbeat()

        # Beating while the clocks are worked out too: for thousands of tasks on a loaded
        # machine that may take longer than the heartbeat timeout.
        beating = asyncio.create_task(heartbeat())
        try:
            clocks = await asyncio.to_thread(self.clocks, delivery, todo, planned_at)
            results = await asyncio.gather(*(signal(code) for code in todo), return_exceptions=True)
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
        for result in results:
            if isinstance(result, BaseException):
                # Retried by the engine, from the progress heartbeated here.
                progress.heartbeat()
                raise result
        taken = set(progress.taken)
        return [code for code in delivery.task_codes if code in taken]

    def clocks(
        self, delivery: EventDelivery, codes: Sequence[str], now: datetime
    ) -> dict[str, list[EventClock]]:
        """The clocks the event starts at `now` for each of `codes`, from the deadlines as the
        plan's record holds them (read once for all); none for a task whose deadline does not
        read (its own run would refuse it too), nor for a correction (it restarts clocks: the
        tasks work those out themselves)."""
        event = delivery.event
        if event.corrects is not None or not codes:
            return {}
        wanted = set(codes)
        with session_scope(self._settings.resolved_database_url()) as session:
            plan = get_plan(session, delivery.plan_key)
            if plan is None:
                return {}
            year, last_year = plan.year, plan.last_year
            tasks = [
                (task.code, task.title, task.deadline_text)
                for task in list_tasks(session, plan_key=delivery.plan_key)
                if task.code in wanted
            ]
        calendar = self._settings.working_calendar(year)
        # Most tasks of a plan share a deadline's words and the policy: worked out once each.
        worked_out: dict[tuple[str, str, int], tuple[DeadlinePolicy, list[EventClock]]] = {}
        clocks: dict[str, list[EventClock]] = {}
        for code, title, text in tasks:
            policy = self._settings.policy(code)
            key = (text, title, id(policy))
            if key not in worked_out:
                try:
                    milestones = plan_milestones(
                        text,
                        year=year,
                        task_title=title,
                        calendar=calendar,
                        policy=policy,
                        last_year=last_year,
                    )
                    started = [
                        started_clock(m, event, now, calendar=calendar, policy=policy)
                        for m in milestones
                        if starts_clock(m, event)
                    ]
                except (DeadlineRefused, ValueError):
                    started = []
                worked_out[key] = (policy, started)
            clocks[code] = worked_out[key][1]
        return clocks

    def all(self) -> list[object]:
        return [self.route_event]
