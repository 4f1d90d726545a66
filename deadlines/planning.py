"""From a deadline text to dated milestones: the due rule, periodic series, and event clocks.

`plan_milestones` is what the engine calls when a task starts; `due_after_event` when the event
a milestone waits for happens; `due_on_day` when the coordinator grants an extension to a day.
Every instant returned is a plain aware `datetime` in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from deadlines.folding import fold, tidy
from deadlines.language import (
    EVENT_KINDS,
    MilestoneKind,
    MilestoneSpec,
    parse_deadline,
)
from deadlines.local_time import local_instant
from deadlines.periods import (
    ROMAN,
    Cadence,
    Period,
    PeriodUnit,
    day_period,
    half_period,
    month_period,
    periods_of_year,
    quarter_period,
    year_period,
)
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
    # The plan's (last) year: ongoing work and nudges end with it.
    plan_year: int
    # Time the text gives after the event ("trong 15 ngày làm việc kể từ ..."); None: the policy.
    allowance_days: int | None = None
    allowance_in_working_days: bool = True
    # The first year of a plan that runs over several ("giai đoạn 2025–2030"): check-ins and
    # nudges start with it. None for a plan of one year (`plan_year`).
    first_year: int | None = None
    # A note written in parentheses after the deadline, for people.
    note: str = ""


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


@dataclass(frozen=True)
class _PlanYears:
    """The years a plan runs over: one (`first == last`) or several ("giai đoạn 2025–2030")."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"a plan cannot end ({self.last}) before it starts ({self.first})")

    @property
    def several(self) -> bool:
        return self.last > self.first

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.first, self.last + 1))


def plan_milestones(
    deadline_text: str,
    *,
    year: int,
    task_title: str,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
    written_year: int | None = None,
    last_year: int | None = None,
) -> list[PlannedMilestone]:
    """Every milestone of a task with its due instant, periodic series expanded one milestone
    per period of the plan's years. Raises DeadlineRefused for a text it cannot read.

    `year` is the plan's year, the first of a plan that runs over several until `last_year`
    (a yearly series, ongoing work then run over all of them). `written_year`: the year the
    plan's document was written for, when it is run for another (`year`); the years its
    deadlines name move with it (see `move_years`)."""
    years = _PlanYears(year, last_year if last_year is not None else year)
    if written_year is not None:
        if years.several:
            raise ValueError("a plan of several years runs in its own years: it is never moved")
        deadline_text = move_years(deadline_text, written_year=written_year, year=year)
    specs = parse_deadline(deadline_text, year=year, task_title=task_title, last_year=years.last)
    several = len(specs) > 1
    cchc = is_cchc_report_task(task_title, policy)
    planned: list[PlannedMilestone] = []
    for spec in specs:
        if spec.kind is MilestoneKind.PERIODIC:
            planned.extend(
                _series(spec, years, several, cchc=cchc, calendar=calendar, policy=policy)
            )
        else:
            planned.append(_single(spec, years, calendar=calendar, policy=policy))
    return planned


def is_cchc_report_task(task_title: str, policy: DeadlinePolicy) -> bool:
    """Whether the CCHC reporting regime (Decree 09/2019 cut-offs, the Ministry's 20th) dates
    this task's periodic milestones: only the plan's own CCHC reporting task, chosen by the
    policy, by its code (`tasks: {"I.7": {reports: {cchc_task: true}}}`) or by its whole title
    (`reports.cchc_task_titles`); never because a title contains the words "báo cáo"."""
    reports = policy.reports
    if reports.cchc_task:
        return True
    wanted = _title_key(task_title)
    return bool(wanted) and any(_title_key(t) == wanted for t in reports.cchc_task_titles)


def _title_key(title: str) -> str:
    return re.sub(r"\s+", " ", fold(tidy(title))).strip(" .;:")


def _single(
    spec: MilestoneSpec, years: _PlanYears, *, calendar: WorkingCalendar, policy: DeadlinePolicy
) -> PlannedMilestone:
    due: datetime | None = None
    opens: datetime | None = None
    start: date | None = None
    end: date | None = None
    if spec.kind in (MilestoneKind.FIXED, MilestoneKind.ALL_YEAR):
        assert spec.period is not None
        start, end = spec.period.start, spec.period.end
        due = due_for_period(start, end, calendar=calendar, policy=policy)
    elif spec.kind is MilestoneKind.ONGOING:
        start, end = year_period(years.first).start, year_period(years.last).end
        if spec.period is not None:
            # "Từ tháng 3/2025": the work starts with that period and runs on to the plan's end.
            start = spec.period.start
            end = max(end, spec.period.end)
            opens = local_instant(start, MIDNIGHT)
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
        opens=opens,
        event_key=event_key,
        period_start=start,
        period_end=end,
        evidence_hint="",
        plan_year=years.last,
        allowance_days=spec.allowance.days if spec.allowance else None,
        allowance_in_working_days=spec.allowance.working_days if spec.allowance else True,
        first_year=years.first if years.several else None,
        note=spec.note,
    )


def _series(
    spec: MilestoneSpec,
    years: _PlanYears,
    several: bool,
    *,
    cchc: bool,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
) -> list[PlannedMilestone]:
    """One milestone per period of the series, over every year of the plan."""
    wording = policy.wording

    def milestone(
        period: Period,
        due: datetime,
        *,
        data: tuple[date, date] | None = None,
    ) -> PlannedMilestone:
        name = period_name(period, wording)
        return PlannedMilestone(
            key=f"{spec.order}/{period.key}" if several else period.key,
            order=spec.order,
            label=f"{spec.label} ({name})" if spec.label else name,
            kind=MilestoneKind.PERIODIC,
            text=spec.text,
            due=due,
            opens=local_instant(period.start, MIDNIGHT),
            event_key=None,
            period_start=data[0] if data else period.start,
            period_end=data[1] if data else period.end,
            evidence_hint=(
                wording.report_evidence.format(period=name) if spec.report or cchc else ""
            ),
            plan_year=years.last,
            first_year=years.first if years.several else None,
            note=spec.note,
        )

    if spec.monthly_day is not None:
        return [
            milestone(month, due_on_day(_day_of(month, spec), calendar=calendar, policy=policy))
            for year in years
            for month in periods_of_year(year, Cadence.MONTHLY)
        ]
    if spec.period is not None:
        return [
            milestone(
                period,
                due_for_period(period.start, period.end, calendar=calendar, policy=policy),
            )
            for period in _each_year(spec.period, years)
        ]
    if cchc:
        return [
            milestone(
                report.period,
                calendar.closing(report.due_day),
                data=(report.data_from, report.data_to),
            )
            for year in years
            for report in report_series(
                year, spec.cadences, calendar=calendar, policy=policy.reports
            )
        ]
    return [
        milestone(
            period, due_for_period(period.start, period.end, calendar=calendar, policy=policy)
        )
        for year in years
        for period in _periods(year, spec.cadences)
    ]


def _day_of(month: Period, spec: MilestoneSpec) -> date:
    """The due day of a monthly series in `month`: the day named ("Ngày 25 hằng tháng"; the
    month's last day when it is shorter), or the day before it ("Trước ngày 10 hằng tháng")."""
    assert spec.monthly_day is not None
    day = date(month.start.year, month.start.month, min(spec.monthly_day, month.end.day))
    return date.fromordinal(day.toordinal() - 1) if spec.before_day else day


def _each_year(first: Period, years: _PlanYears) -> list[Period]:
    """The period a yearly series repeats ("Quý IV hằng năm": the fourth quarter), once in each
    year of the plan from the year it first falls in."""
    start = max(first.year, years.first)
    return [_in_year(first, year) for year in range(start, max(start, years.last) + 1)]


def _in_year(period: Period, year: int) -> Period:
    shift = year - period.year
    if period.unit is PeriodUnit.MONTH:
        return month_period(year, period.number)
    if period.unit is PeriodUnit.QUARTER:
        return quarter_period(year, period.number)
    if period.unit is PeriodUnit.HALF:
        return half_period(year, period.number)
    if period.unit is PeriodUnit.DAY:
        return day_period(_shifted(period.start, shift))
    if period.unit is PeriodUnit.YEAR:
        return year_period(year)
    # A span ("Tháng 3-6 hằng năm"): the same days, `shift` years on.
    return Period(
        PeriodUnit.SPAN,
        _shifted(period.start, shift),
        _shifted(period.end, shift),
        _YEAR.sub(lambda match: str(int(match.group(0)) + shift), period.key),
    )


def _shifted(day: date, years: int) -> date:
    last = month_period(day.year + years, day.month).end.day
    return date(day.year + years, day.month, min(day.day, last))


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
    # Calendar days, counted as the Civil Code 2015 counts a time limit: from the day after the
    # event (art. 147(1)), ending at the end of the last day, or of the next working day when the
    # last day is a day off (art. 148(5)).
    last_day = date.fromordinal(event_date.toordinal() + days)
    return calendar.closing(calendar.working_day_on_or_after(last_day))
