"""An event's first date told to each lead unit once (`clocks_started`), by the plan workflow
after routing it (marker "units-told-once", workflows/plan.py): one message per unit listing its
tasks whose clock the event started and the due dates they recorded.

The tasks react to the routing's signals on their own time; the message waits for them, so
that it lists what each recorded (a task that worked its clock out itself, its milestone done
before the event, a task cancelled since: each as it stands), not what the router expected.
A task that has not reacted within REACTION_WAIT fails the attempt (`TasksNotReacted`, retried
with the policy's backoff); the last attempt tells what has been recorded by then, so a stuck
task never keeps the others' units from hearing of their due dates.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session

from deadlines import StepAudience
from models.payloads import (
    DecisionFacts,
    DeliveryOutcome,
    MessageKind,
    NotificationOutcome,
    NotificationRequest,
)
from models.statuses import RUNNING_MILESTONE_STATUSES, MilestoneStatus
from models.workflow_messages import EventDelivery
from notifications.delivery import NotificationService
from storage import notifications as log
from storage.db import session_scope

# How long an attempt waits for the tasks to record their reaction, and how often it looks.
# Well inside the activity's timeout (workflows/notification_calls.py NOTIFICATION_TIMEOUT);
# the heartbeat keeps it alive meanwhile.
REACTION_WAIT = timedelta(seconds=60)
REACTION_POLL = timedelta(seconds=0.5)


class TasksNotReacted(Exception):
    """Tasks the event reached have not recorded their reaction yet: retrying later finds it."""

    def __init__(self, delivery: EventDelivery, waiting: list[str]) -> None:
        self.waiting = waiting
        shown = ", ".join(waiting[:10]) + (f" (+{len(waiting) - 10})" if len(waiting) > 10 else "")
        super().__init__(
            f"event {delivery.event.identity} of plan {delivery.plan_key}: "
            f"{len(waiting)} task(s) have not recorded it yet: {shown}"
        )


def reactions(session: Session, delivery: EventDelivery) -> tuple[list[str], dict[str, list[str]]]:
    """The tasks of `delivery` whose milestone on the event still waits (not reacted yet), and
    for each lead unit, its tasks whose clock the event started (as they recorded it)."""
    pairs = log.milestones_on_event(
        session,
        plan_key=delivery.plan_key,
        event_key=delivery.event.key,
        task_codes=delivery.task_codes,
    )
    waiting = sorted({t.code for t, m in pairs if m.status is MilestoneStatus.WAITING_EVENT})
    started: dict[str, list[str]] = {}
    for task, milestone in pairs:
        if milestone.status in RUNNING_MILESTONE_STATUSES:
            for unit in task.lead_units:
                codes = started.setdefault(unit, [])
                if task.code not in codes:
                    codes.append(task.code)
    return waiting, {unit: started[unit] for unit in sorted(started)}


def clocks_started_key(delivery: EventDelivery, workflow_id: str) -> str:
    """The event's message, whatever unit: its units' requests each add the unit."""
    return f"{workflow_id}/{MessageKind.CLOCKS_STARTED}/{delivery.event.identity}"


def clocks_started_requests(
    delivery: EventDelivery, workflow_id: str, started: dict[str, list[str]], *, at: datetime
) -> list[NotificationRequest]:
    """One message to each unit of `started`, listing its tasks (the key is the event's and the
    unit's: a retry, or the plan asking again after quiet hours, finds what was sent)."""
    event = delivery.event
    return [
        NotificationRequest(
            key=f"{clocks_started_key(delivery, workflow_id)}/{unit}",
            workflow_id=workflow_id,
            kind=MessageKind.CLOCKS_STARTED,
            plan_key=delivery.plan_key,
            task_code="",
            task_title="",
            milestone_key="",
            milestone_label="",
            scheduled_at=at,
            recipients=[unit],
            audience=StepAudience.LEAD,
            event_key=event.key,
            decision=DecisionFacts(
                by=event.recorded_by, event_on=event.occurred_on, event_decision=event.decision
            ),
            task_codes=codes,
        )
        for unit, codes in started.items()
    ]


class EventTelling:
    def __init__(
        self,
        service: NotificationService,
        database_url: str,
        *,
        reaction_wait: timedelta = REACTION_WAIT,
    ) -> None:
        self._service = service
        self._database_url = database_url
        self._reaction_wait = reaction_wait

    def send(
        self,
        delivery: EventDelivery,
        *,
        workflow_id: str,
        now: datetime,
        last_attempt: bool,
        beat: Callable[[], None],
    ) -> NotificationOutcome:
        """Waits for the tasks to react (see the module's docstring), then sends. Raises what
        `NotificationService.send` raises, and `TasksNotReacted`."""
        give_up_at = time.monotonic() + self._reaction_wait.total_seconds()
        while True:
            with session_scope(self._database_url) as session:
                waiting, started = reactions(session, delivery)
            if not waiting or last_attempt:
                break
            if time.monotonic() >= give_up_at:
                raise TasksNotReacted(delivery, waiting)
            beat()
            time.sleep(REACTION_POLL.total_seconds())
        requests = clocks_started_requests(delivery, workflow_id, started, at=now)
        sent = self._service.send_batch([(r, last_attempt) for r in requests], now=now)
        per_unit: dict[str, DeliveryOutcome] = {}
        for came_to in sent:
            if isinstance(came_to, Exception):
                # Quiet hours (the same for every unit), a unit not reached yet, an invalid one.
                raise came_to
            per_unit |= came_to.per_unit
        return NotificationOutcome(clocks_started_key(delivery, workflow_id), per_unit)
