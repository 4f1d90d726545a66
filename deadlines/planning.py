"""From a deadline text to dated milestones: the due rule, periodic series, and event clocks.

`plan_milestones` is what the engine calls when a task starts; `due_after_event` when the event
a milestone waits for happens; `due_on_day` when the coordinator grants an extension to a day.
Every instant returned is a plain aware `datetime` in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from deadlines.language import (
    EVENT_KINDS,
    MilestoneKind,
    MilestoneSpec,
    parse_deadline,
)
from deadlines.local_time import local_instant
from deadlines.periods import ROMAN, Cadence, Period, PeriodUnit, periods_of_year, year_period
from deadlines.policy import DeadlinePolicy, DueRule, Wording
from deadlines.reports import report_months, report_series
from deadlines.workdays import WorkingCalendar

MIDNIGHT = time(0, 0)


@dataclass(frozen=True)
class PlannedMilestone:
    """A milestone with its dates, as the engine holds it in workflow state.

    `key` is stable for the same text: "1", "2" for the parts of a deadline; the period
    ("2023-Q1", "2023-H1", "2023", "2023-02") for a periodic series, prefixed by the part
    ("2/2023-Q1") when the series is one part of several. `due` is None while an event must
    come first, and for ongoing work. `opens` is None when the obligation is open at once.
    """

    key: str
    order: int
    label: str
    kind: MilestoneKind
    text: str
    due: datetime | None
    opens: datetime | None
    event_key: str | None
    period_start: date | None
    period_end: date | None
    evidence_hint: str
    # The plan's year: ongoing work and nudges end with it.
    plan_year: int
    # Time the text gives after the event ("trong 15 ngày làm việc kể từ ..."); None: the policy.
    allowance_days: int | None = None
    allowance_in_working_days: bool = True


# ----------------------------------------------------------------------------- the due rule


def due_for_period(
    start: date, end: date, *, calendar: WorkingCalendar, policy: DeadlinePolicy
) -> datetime:
    """When work for the days [start, end] is due, by the policy's due rule."""
    if end < start:
        raise ValueError(f"the period {start}..{end} ends before it starts")
    if policy.due_rule is DueRule.CIVIL_CODE:
        day = calendar.working_day_on_or_after(end)
    else:
        # A period with no working day in it (a single day off) is due on the working day
        # before: earlier is the side a deadline can safely err on.
        day = calendar.last_working_day_in(start, end) or calendar.previous_working_day(start)
    return calendar.closing(day)


def due_on_day(day: date, *, calendar: WorkingCalendar, policy: DeadlinePolicy) -> datetime:
    """A deadline named as a single day (an extension "until 15/06/2023", an event's own due
    date): the end of office hours that day, or where the due rule moves it when it is off."""
    return due_for_period(day, day, calendar=calendar, policy=policy)


# ----------------------------------------------------------------------------- names


def _day_name(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def period_name(period: Period, wording: Wording) -> str:
    """How people call a period, from the policy's wording ("quý I/2023")."""
    names = wording.periods
    values: dict[str, object] = {
        "year": period.year,
        "month": period.start.month,
        "quarter": period.number,
        "roman": ROMAN.get(period.number, ""),
        "start": _day_name(period.start),
        "end": _day_name(period.end),
    }
    if period.unit is PeriodUnit.MONTH:
        return names.month.format(**values)
    if period.unit is PeriodUnit.QUARTER:
        return names.quarter.format(**values)
    if period.unit is PeriodUnit.HALF:
        return names.half[period.number - 1].format(**values)
    if period.unit is PeriodUnit.YEAR:
        return names.year.format(**values)
    if period.unit is PeriodUnit.DAY:
        return _day_name(period.start)
    return names.span.format(**values)


# ----------------------------------------------------------------------------- planning


def move_years(text: str, *, written_year: int, year: int) -> str:
    """The deadline of a plan written for `written_year` and reused for `year`: every year it
    names moves by the same number of years ("Tháng 2/2023" of a 2023 plan run in 2026 is
    "Tháng 2/2026"; "năm 2022" becomes "năm 2025")."""
    shift = year - written_year
    if shift == 0:
        return text
    return _YEAR.sub(lambda match: str(int(match.group(0)) + shift), text)


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def plan_milestones(
    deadline_text: str,
    *,
    year: int,
    task_title: str,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
    written_year: int | None = None,
) -> list[PlannedMilestone]:
    """Every milestone of a task with its due instant, periodic series expanded one milestone
    per period of the plan year. Raises DeadlineRefused for a text it cannot read.

    `written_year`: the year the plan's document was written for, when it is run for another
    (`year`); the years its deadlines name move with it (see `move_years`)."""
    if written_year is not None:
        deadline_text = move_years(deadline_text, written_year=written_year, year=year)
    specs = parse_deadline(deadline_text, year=year, task_title=task_title)
    several = len(specs) > 1
    planned: list[PlannedMilestone] = []
    for spec in specs:
        if spec.kind is MilestoneKind.PERIODIC:
            planned.extend(_series(spec, year, several, calendar=calendar, policy=policy))
        else:
            planned.append(_single(spec, year, calendar=calendar, policy=policy))
    return planned


def _single(
    spec: MilestoneSpec, year: int, *, calendar: WorkingCalendar, policy: DeadlinePolicy
) -> PlannedMilestone:
    due: datetime | None = None
    start: date | None = None
    end: date | None = None
    if spec.kind in (MilestoneKind.FIXED, MilestoneKind.ALL_YEAR):
        assert spec.period is not None
        start, end = spec.period.start, spec.period.end
        due = due_for_period(start, end, calendar=calendar, policy=policy)
    elif spec.kind is MilestoneKind.ONGOING:
        whole_year = year_period(year)
        start, end = whole_year.start, whole_year.end
    event_key = None
    if spec.event_key is not None:
        event_key = policy.events.rename.get(spec.event_key, spec.event_key)
    return PlannedMilestone(
        key=str(spec.order),
        order=spec.order,
        label=spec.label,
        kind=spec.kind,
        text=spec.text,
        due=due,
        opens=None,
        event_key=event_key,
        period_start=start,
        period_end=end,
        evidence_hint="",
        plan_year=year,
        allowance_days=spec.allowance.days if spec.allowance else None,
        allowance_in_working_days=spec.allowance.working_days if spec.allowance else True,
    )


def _series(
    spec: MilestoneSpec,
    year: int,
    several: bool,
    *,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
) -> list[PlannedMilestone]:
    wording = policy.wording

    def key(period: Period) -> str:
        return f"{spec.order}/{period.key}" if several else period.key

    def label(period: Period) -> str:
        name = period_name(period, wording)
        return f"{spec.label} ({name})" if spec.label else name

    if spec.report:
        return [
            PlannedMilestone(
                key=key(report.period),
                order=spec.order,
                label=label(report.period),
                kind=MilestoneKind.PERIODIC,
                text=spec.text,
                due=calendar.closing(report.due_day),
                opens=local_instant(report.period.start, MIDNIGHT),
                event_key=None,
                period_start=report.data_from,
                period_end=report.data_to,
                evidence_hint=wording.report_evidence.format(
                    period=period_name(report.period, wording)
                ),
                plan_year=year,
            )
            for report in report_series(
                year, spec.cadences, calendar=calendar, policy=policy.reports
            )
        ]
    return [
        PlannedMilestone(
            key=key(period),
            order=spec.order,
            label=label(period),
            kind=MilestoneKind.PERIODIC,
            text=spec.text,
            due=due_for_period(period.start, period.end, calendar=calendar, policy=policy),
            opens=local_instant(period.start, MIDNIGHT),
            event_key=None,
            period_start=period.start,
            period_end=period.end,
            evidence_hint="",
            plan_year=year,
        )
        for period in _periods(year, spec.cadences)
    ]


def _periods(year: int, cadences: tuple[Cadence, ...]) -> list[Period]:
    """One period per month that ends a period of a cadence, the longest cadence winning (as
    for reports: with "hằng quý, 6 tháng, năm" the six months stand in for the second quarter)."""
    chosen = report_months(cadences)
    periods = [
        period
        for cadence in set(chosen.values())
        for period in periods_of_year(year, cadence)
        if chosen[period.end.month] is cadence
    ]
    return sorted(periods, key=lambda period: (period.end, period.start))


# ----------------------------------------------------------------------------- events


def event_allowance(milestone: PlannedMilestone, policy: DeadlinePolicy) -> tuple[int, bool]:
    """(days, counted in working days) allowed after the event a milestone waits for."""
    if milestone.allowance_days is not None:
        return milestone.allowance_days, milestone.allowance_in_working_days
    events = policy.events
    if milestone.event_key is not None and milestone.event_key in events.allowances:
        return events.allowances[milestone.event_key], True
    by_kind = {
        MilestoneKind.AFTER_EVENT: events.after_event_working_days,
        MilestoneKind.OUTSIDE_PLAN: events.outside_plan_working_days,
        MilestoneKind.RECURRING_EVENT: events.recurring_event_working_days,
    }
    return by_kind[milestone.kind], True


def due_after_event(
    milestone: PlannedMilestone,
    *,
    event_date: date,
    event_due: date | None,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
) -> datetime:
    """When a milestone waiting for an event is due, once the event happened on `event_date`.

    An event that carries its own due date (the province's plan names the day) sets the
    deadline for every kind: the end of office hours that day, moved by the due rule when it is
    off. Otherwise the allowance: the text's own ("trong 15 ngày ..."), the policy's for the
    event key, or the policy's for the kind, counted from the event's day.
    """
    if milestone.kind not in EVENT_KINDS:
        raise ValueError(
            f"milestone {milestone.key!r} is {milestone.kind.value}: it waits for no event"
        )
    if event_due is not None:
        if event_due < event_date:
            raise ValueError(
                f"the event's due date {event_due} is before the event itself ({event_date})"
            )
        return due_on_day(event_due, calendar=calendar, policy=policy)
    days, working = event_allowance(milestone, policy)
    if working:
        return calendar.closing(calendar.add_working_days(event_date, days))
    return due_on_day(
        date.fromordinal(event_date.toordinal() + days), calendar=calendar, policy=policy
    )
