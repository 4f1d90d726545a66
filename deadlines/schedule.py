"""The schedule of one milestone: reminders before its due instant, escalations after it,
progress check-ins for all-year and ongoing work, and nudges while it waits for an event.

Every step falls on a working day at the policy's hour. Escalations repeat without end while
the milestone stays open, so a schedule is asked for up to an instant (`until`) and asked again
later from where it stopped (`after`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from deadlines.language import MilestoneKind
from deadlines.local_time import end_of_plan_year, local_day, local_instant
from deadlines.planning import PlannedMilestone
from deadlines.policy import CoordinatingReminders, DeadlinePolicy
from deadlines.steps import StepAction, StepAudience
from deadlines.workdays import WorkingCalendar

# Order of steps falling at the same instant: the lead units hear before anyone hears about them.
_ACTION_RANK = {action: i for i, action in enumerate(StepAction)}
_AUDIENCE_RANK = {audience: i for i, audience in enumerate(StepAudience)}


@dataclass(frozen=True)
class ScheduledStep:
    at: datetime  # aware, UTC
    action: StepAction
    audience: StepAudience
    note: str = ""


def _aware(instant: datetime | None, name: str) -> None:
    if instant is not None and instant.tzinfo is None:
        raise ValueError(f"{name} {instant!r} has no time zone: instants must be aware")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def schedule_steps(
    milestone: PlannedMilestone,
    *,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
    after: datetime | None = None,
    until: datetime | None = None,
) -> list[ScheduledStep]:
    """Every step of `milestone` after `after` (exclusive) up to `until` (inclusive), by time.

    Without `until`: up to the end of the plan year, and for a dated milestone at least up to
    its last escalation stage (the weekly repeats after it are cut at the year's end).
    """
    _aware(after, "after")
    _aware(until, "until")
    year_end = end_of_plan_year(milestone.plan_year)
    steps: list[ScheduledStep] = []
    if milestone.due is not None:
        reminders = _reminders(milestone, milestone.due, calendar=calendar, policy=policy)
        staged = _staged_escalations(milestone.due, calendar=calendar, policy=policy)
        horizon = until if until is not None else max([year_end, *(s.at for s in staged)])
        steps += reminders + staged
        steps += _repeated_escalations(staged, horizon, calendar=calendar, policy=policy)
        if milestone.kind is MilestoneKind.ALL_YEAR:
            first_reminder = min((s.at for s in reminders), default=milestone.due)
            steps += [
                s
                for s in _check_ins(milestone, calendar=calendar, policy=policy)
                if s.at < first_reminder
            ]
    else:
        horizon = until if until is not None else year_end
        if milestone.kind is MilestoneKind.ONGOING:
            steps += [
                s
                for s in _check_ins(milestone, calendar=calendar, policy=policy)
                if s.at < year_end
            ]
        elif milestone.event_key is not None:
            first_year = milestone.first_year or milestone.plan_year
            start = after or local_instant(date(first_year, 1, 1), time(0, 0))
            steps += _nudges(milestone.event_key, start, horizon, calendar=calendar, policy=policy)
    unique = {(s.at, s.action, s.audience): s for s in steps}
    chosen = [
        s
        for s in unique.values()
        if (after is None or s.at > after) and s.at <= horizon and _open_by(milestone, s)
    ]
    return sorted(chosen, key=lambda s: (s.at, _ACTION_RANK[s.action], _AUDIENCE_RANK[s.audience]))


def _open_by(milestone: PlannedMilestone, step: ScheduledStep) -> bool:
    """Nobody is reminded of, or asked about, an obligation that has not opened yet."""
    if milestone.opens is None or step.action is StepAction.ESCALATION:
        return True
    return step.at >= milestone.opens


def _reminders(
    milestone: PlannedMilestone,
    due: datetime,
    *,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
) -> list[ScheduledStep]:
    rules = policy.reminders
    due_day = calendar.working_day_on_or_before(local_day(due))
    lead: list[ScheduledStep] = []
    for n in rules.working_days_before:
        day = calendar.add_working_days(due_day, -n)
        lead.append(
            ScheduledStep(
                calendar.at(day, rules.at),
                StepAction.REMINDER,
                StepAudience.LEAD,
                f"{n} working days before the due day",
            )
        )
    if rules.on_due_day:
        lead.append(
            ScheduledStep(
                calendar.at(due_day, rules.at),
                StepAction.REMINDER,
                StepAudience.LEAD,
                "on the due day",
            )
        )
    lead = sorted((s for s in lead if s.at < due and _open_by(milestone, s)), key=lambda s: s.at)
    if rules.coordinating is CoordinatingReminders.NONE or not lead:
        return lead
    told = lead if rules.coordinating is CoordinatingReminders.ALL else lead[:1]
    coordinating = [ScheduledStep(s.at, s.action, StepAudience.COORDINATING, s.note) for s in told]
    return lead + coordinating


def _staged_escalations(
    due: datetime, *, calendar: WorkingCalendar, policy: DeadlinePolicy
) -> list[ScheduledStep]:
    rules = policy.escalations
    due_day = local_day(due)
    steps: list[ScheduledStep] = []
    for stage in rules.stages:
        day = calendar.add_working_days(due_day, stage.after_working_days)
        at = calendar.at(day, rules.at)
        if at <= due:
            continue
        note = f"{_ordinal(stage.after_working_days)} working day after the due day"
        steps += [ScheduledStep(at, StepAction.ESCALATION, audience, note) for audience in stage.to]
    return steps


def _repeated_escalations(
    staged: list[ScheduledStep],
    horizon: datetime,
    *,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
) -> list[ScheduledStep]:
    rules = policy.escalations
    if not staged or rules.repeat_every_days == 0 or not rules.repeat_to:
        return []
    base = local_day(max(s.at for s in staged))
    steps: list[ScheduledStep] = []
    week = 1
    while True:
        day = calendar.working_day_on_or_after(
            base + timedelta(days=week * rules.repeat_every_days)
        )
        at = calendar.at(day, rules.at)
        if at > horizon:
            return steps
        steps += [
            ScheduledStep(at, StepAction.ESCALATION, audience, f"still overdue, repeat {week}")
            for audience in rules.repeat_to
        ]
        week += 1


def _check_ins(
    milestone: PlannedMilestone, *, calendar: WorkingCalendar, policy: DeadlinePolicy
) -> list[ScheduledStep]:
    """Progress check-ins in each year the work runs: the plan's year, or every year of a plan
    of several (from its first year, or from the year ongoing work starts)."""
    rules = policy.check_ins
    first, last = milestone.first_year or milestone.plan_year, milestone.plan_year
    if milestone.period_start is not None and milestone.period_end is not None:
        # The years the work itself runs ("Cả năm 2024", "Từ tháng 3/2025"), inside the plan's.
        first = max(first, milestone.period_start.year)
        if milestone.kind is MilestoneKind.ALL_YEAR:
            first, last = milestone.period_start.year, milestone.period_end.year
    steps: list[ScheduledStep] = []
    for year in range(first, last + 1):
        for month in rules.months:
            day = calendar.working_day_on_or_after(date(year, month, rules.day))
            at = calendar.at(day, rules.at)
            note = f"progress check-in, {year}-{month:02d}"
            steps += [
                ScheduledStep(at, StepAction.CHECK_IN, audience, note) for audience in rules.to
            ]
    return steps


def _nudges(
    event_key: str,
    start: datetime,
    horizon: datetime,
    *,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
) -> list[ScheduledStep]:
    rules = policy.nudges
    first = local_day(start)
    year, month = first.year, first.month
    steps: list[ScheduledStep] = []
    while True:
        day = calendar.working_day_on_or_after(date(year, month, rules.day))
        at = calendar.at(day, rules.at)
        if at > horizon:
            return steps
        if at > start:
            steps += [
                ScheduledStep(at, StepAction.NUDGE, audience, f"still waiting for {event_key}")
                for audience in rules.to
            ]
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
