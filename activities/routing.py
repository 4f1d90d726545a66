"""The activity that takes an event the plan recorded to every task waiting on it: signals from
the worker's own client, a bounded number in flight.

The plan workflow signalling its tasks itself issued one command per task and waited for the
server to confirm each batch in its own workflow task (30 s for 1,000 tasks on 2 cores); here
the signals go out together, and the plan only waits for the list of tasks that took it.

A worker that dies while routing stops the heartbeats: the engine runs the activity again (on
this worker restarted, or another), and the new attempt signals only the tasks the last
heartbeat did not list. A task signalled after that heartbeat gets the event a second time; it
drops an event it saw already (`TaskTracker.first_sighting`), so each applies it once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from models.workflow_messages import EventDelivery
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
    def __init__(self, client: Client, *, in_flight: int) -> None:
        self._client = client
        self._in_flight = in_flight

    @activity.defn(name="route_event")
    async def route_event(self, delivery: EventDelivery) -> list[str]:
        """Signals the event to each task of `delivery` not reached by an earlier attempt; the
        codes of the tasks that took it, in the delivery's order."""
        progress = RoutingProgress.resumed(activity.info().heartbeat_details)
        done = progress.done()
        semaphore = asyncio.Semaphore(self._in_flight)

        async def signal(code: str) -> None:
            async with semaphore:
                handle = self._client.get_workflow_handle(task_workflow_id(delivery.plan_key, code))
                try:
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

        beating = asyncio.create_task(heartbeat())
        try:
            results = await asyncio.gather(
                *(signal(code) for code in delivery.task_codes if code not in done),
                return_exceptions=True,
            )
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

    def all(self) -> list[object]:
        return [self.route_event]
