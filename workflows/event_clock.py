"""A milestone's clock started by an event: its due date and the steps that follow.

Computed where it costs least: by the routing activity, for every task the event reaches at
once (activities/routing.py), which hands each task its clocks with the signal; else by the task
itself (the `due_after_event` and `schedule_milestone` local activities). Both come to the same
dates through the same functions of the policy, so a task's clock started either way is the same
clock. No Temporal and no I/O here: the calendar and the policy are given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from deadlines import (
    DeadlinePolicy,
    MilestoneKind,
    PlannedMilestone,
    ScheduledStep,
    WorkingCalendar,
    due_after_event,
    schedule_steps,
)
from models.workflow_messages import EventClock, EventOccurrence
from workflows.task_state import planning_until


def starts_clock(milestone: PlannedMilestone, event: EventOccurrence) -> bool:
    """Whether `event`, a first occurrence (not a correction), starts the clock of `milestone`
    waiting on it: a recurring obligation opens an occurrence instead, which the task plans."""
    return (
        event.corrects is None
        and milestone.event_key == event.key
        and milestone.due is None
        and milestone.kind is not MilestoneKind.RECURRING_EVENT
    )


def started_clock(
    waiting: PlannedMilestone,
    event: EventOccurrence,
    now: datetime,
    *,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
) -> EventClock:
    """The clock `event` starts for `waiting` at `now`: its due date, and its steps after `now`
    up to the planning window (what the task's first round after the event plans)."""
    due = due_after_event(
        waiting,
        event_date=event.occurred_on,
        event_due=event.due_on,
        calendar=calendar,
        policy=policy,
    )
    started = dataclasses.replace(waiting, due=due)
    until = planning_until(started, now)
    steps = schedule_steps(started, calendar=calendar, policy=policy, after=now, until=until)
    return EventClock(waiting=waiting, due=due, planned_at=now, steps=steps, until=until)


def handed_clock(
    clocks: Sequence[EventClock], waiting: PlannedMilestone, now: datetime
) -> EventClock | None:
    """The clock of `clocks` a task whose milestone waits as `waiting` may take at `now`: worked
    out from that very milestone (not one corrected since), no later than `now`, and with the
    planning window the task would ask for now (it differs once the due date is past). None:
    the task asks the policy itself."""
    for clock in clocks:
        if clock.waiting != waiting or clock.planned_at > now:
            continue
        if clock.until == planning_until(dataclasses.replace(waiting, due=clock.due), now):
            return clock
    return None


def steps_after(clock: EventClock, now: datetime) -> list[ScheduledStep]:
    """The steps of `clock` after `now`: those `schedule_steps` gives from `now` to the same
    window (the router planned from an earlier instant; the steps between were not the
    task's to send, exactly as if it had planned them itself)."""
    return [step for step in clock.steps if step.at > now]
