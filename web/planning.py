"""What the deadline policy plans for each milestone, as the pages show it: the whole year's
steps of a milestone (the task page), and every step of a plan in the next days (the
dashboard). Computed by the deadline core itself (`schedule_steps`) from what the engine
recorded of the milestone, the same way the task's workflow asks for it.

A schedule depends only on the milestone's kind, due instant, event and year, and on the
task's policy, so milestones that share them share one computation: a plan of ten thousand
tasks has a few hundred distinct schedules, each computed once per process.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from deadlines import (
    DeadlinePolicy,
    MilestoneKind,
    PlannedMilestone,
    ScheduledStep,
    StepAudience,
    reached,
    schedule_steps,
)
from models.statuses import CLOSED_MILESTONE_STATUSES
from settings import Settings
from storage.overview import MilestoneRow


@dataclass(frozen=True)
class _Schedule:
    steps: tuple[ScheduledStep, ...]
    instants: tuple[datetime, ...]


@dataclass(frozen=True)
class PlannedStep:
    """One step the policy plans for a milestone of a task, and whom it reaches."""

    step: ScheduledStep
    row: MilestoneRow
    recipients: tuple[str, ...]


class PlannedSteps:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._policies: dict[str, DeadlinePolicy] = {}
        self._schedules: dict[tuple[object, ...], _Schedule] = {}

    def policy(self, task_code: str) -> DeadlinePolicy:
        policy = self._policies.get(task_code)
        if policy is None:
            policy = self._policies[task_code] = self._settings.policy(task_code)
        return policy

    def first_reminder_days(self, task_code: str | None = None) -> int:
        """How many working days before the due day the first reminder goes out."""
        before = self.policy(task_code or "").reminders.working_days_before
        return max(before, default=0)

    def due_soon_until(self, today: date, plan_year: int) -> date:
        calendar = self._settings.working_calendar(plan_year)
        return calendar.add_working_days(
            calendar.working_day_on_or_after(today), self.first_reminder_days()
        )

    def _schedule(self, row: MilestoneRow, plan_year: int) -> _Schedule | None:
        if row.key is None or row.kind is None:
            return None
        if row.status in CLOSED_MILESTONE_STATUSES:  # its text finds the StrEnum member
            return None
        policy = self.policy(row.task_code)
        cache_key = (id(policy), row.kind, row.due_at, row.event_key, plan_year)
        found = self._schedules.get(cache_key)
        if found is None:
            milestone = PlannedMilestone(
                key=row.key,
                order=row.order,
                label=row.label,
                kind=MilestoneKind(row.kind),
                text="",
                due=row.due_at,
                opens=None,
                event_key=row.event_key,
                period_start=None,
                period_end=None,
                evidence_hint="",
                plan_year=plan_year,
            )
            steps = schedule_steps(
                milestone,
                calendar=self._settings.working_calendar(plan_year),
                policy=policy,
            )
            found = _Schedule(tuple(steps), tuple(step.at for step in steps))
            self._schedules[cache_key] = found
        return found

    def steps_of(
        self, row: MilestoneRow, plan_year: int, *, after: datetime, until: datetime | None = None
    ) -> list[ScheduledStep]:
        """The steps of one open milestone after `after` (up to `until`)."""
        schedule = self._schedule(row, plan_year)
        if schedule is None:
            return []
        start = bisect.bisect_right(schedule.instants, after)
        end = (
            len(schedule.instants)
            if until is None
            else bisect.bisect_right(schedule.instants, until)
        )
        return list(schedule.steps[start:end])

    def upcoming(
        self,
        rows: Iterable[MilestoneRow],
        plan_year: int,
        *,
        now: datetime,
        days: int,
        coordinator: str,
        leadership: str,
    ) -> list[PlannedStep]:
        """Every step of the plan's open milestones in the next `days` days (in no order)."""
        until = now + timedelta(days=days)
        found: list[PlannedStep] = []
        # Milestones that share a schedule share its window too.
        windows: dict[int, tuple[ScheduledStep, ...]] = {}
        for row in rows:
            schedule = self._schedule(row, plan_year)
            if schedule is None:
                continue
            window = windows.get(id(schedule))
            if window is None:
                start = bisect.bisect_right(schedule.instants, now)
                end = bisect.bisect_right(schedule.instants, until)
                window = windows[id(schedule)] = schedule.steps[start:end]
            for step in window:
                reached = recipients(row, step.audience, coordinator, leadership)
                if reached:  # the engine sends nothing to nobody (no coordinating units)
                    found.append(PlannedStep(step, row, reached))
        return found


def recipients(
    row: MilestoneRow, audience: StepAudience, coordinator: str, leadership: str
) -> tuple[str, ...]:
    return reached(
        audience,
        lead_units=row.lead_units,
        coordinating_units=row.coordinating_units,
        coordinator=coordinator,
        leadership=leadership,
    )
