"""A task's first plan: its milestones and the first steps of each, from one instant.

Computed where it costs least: by the starter, for every task of a plan at once, which writes
their projections in one transaction and hands each task its plan in its input; else by the
task's first run (the `plan_task` local activity). Both call these functions, so a task planned
either way is the same task. No Temporal and no I/O here: the calendar and the policy are
given.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import workflows.task_views as views
from deadlines import DeadlinePolicy, PlannedMilestone, WorkingCalendar, schedule_steps
from models.workflow_messages import (
    FirstPlan,
    MilestonePlan,
    TaskSnapshot,
    TaskState,
    TaskWorkflowInput,
)
from workflows.task_state import FIRST_PLAN_WINDOW, TaskTracker, planning_until


def first_steps(
    milestones: Sequence[PlannedMilestone],
    now: datetime,
    *,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
) -> list[MilestonePlan]:
    """Each milestone with its steps up to a month past its due instant (or `now`)."""
    plans: list[MilestonePlan] = []
    for milestone in milestones:
        until = planning_until(milestone, now, FIRST_PLAN_WINDOW)
        steps = schedule_steps(milestone, calendar=calendar, policy=policy, until=until)
        plans.append(MilestonePlan(milestone=milestone, steps=steps, until=until))
    return plans


def settle(task: TaskTracker, plans: Sequence[MilestonePlan], now: datetime) -> list[str]:
    """After `task.start` (and the events it has seen): every milestone not planned yet takes
    its first steps from `plans`, the statuses advance to `now`, and the steps already past
    are dropped, none of them sent. The keys of the milestones that missed steps."""
    first = {plan.milestone.key: plan for plan in plans}
    for milestone in task.state.milestones:
        plan = first.get(milestone.key)
        if plan is not None and not milestone.steps and milestone.planned_until is None:
            task.set_steps(milestone, plan.steps, plan.until)
    task.advance_statuses()
    return [m.key for m in task.state.milestones if task.skip_missed(m, now)]


def planned_snapshot(input: TaskWorkflowInput, first: FirstPlan) -> TaskSnapshot:
    """The task as its first plan leaves it at `first.planned_at`, before any event: the
    projection the starter writes, and what the first run compares its own with."""
    task = TaskTracker(
        input,
        TaskState(milestones=[], lead_units=list(input.lead_units)),
        clock=lambda: first.planned_at,
    )
    task.start([plan.milestone for plan in first.milestones])
    settle(task, first.milestones, first.planned_at)
    return views.snapshot(input, task.state)


def usable(first: FirstPlan, now: datetime) -> bool:
    """Whether a first run at `now` may take the starter's plan: planned no later than `now`
    (a starter whose clock runs ahead of the server's planned a future), and every window
    still reaching past `now` (else the steps between a window's end and `now` would be asked
    for later, and sent as due, instead of skipped as missed)."""
    return first.planned_at <= now and all(plan.until > now for plan in first.milestones)
