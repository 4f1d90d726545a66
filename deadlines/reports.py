"""The periodic CCHC reports: which reports a year holds, the data each covers, when each is due.

For each month that ends a period of one of the cadences asked for, one report is due, of the
longest such cadence: quarterly + six-monthly + annual gives Q1, the six-month report (which
stands in for Q2), Q3 and the annual report (which stands in for Q4), as the reporting regime
asks. The data window, the Ministry's due day and the units' internal deadline come from
`ReportPolicy` (defaults and their sources in data/policy/default.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from deadlines.periods import Cadence, Period, period_ending
from deadlines.policy import PolicyError, ReportPolicy
from deadlines.workdays import WorkingCalendar


@dataclass(frozen=True)
class ReportDue:
    period: Period  # the calendar period reported on (Q1 = January-March)
    data_from: date  # the data window, Decree 09/2019/NĐ-CP art. 12
    data_to: date
    ministry_due: date  # the day the province's report is due at the Ministry
    due_day: date  # the units' internal deadline (a working day)


def report_months(cadences: tuple[Cadence, ...]) -> dict[int, Cadence]:
    """{last month of a report's period: the cadence of that report}."""
    months: dict[int, Cadence] = {}
    for cadence in sorted(cadences, key=lambda c: c.months):
        for month in range(cadence.months, 13, cadence.months):
            months[month] = cadence  # a longer cadence ending the same month replaces a shorter
    return dict(sorted(months.items()))


def report_series(
    year: int,
    cadences: tuple[Cadence, ...],
    *,
    calendar: WorkingCalendar,
    policy: ReportPolicy,
) -> list[ReportDue]:
    if not cadences:
        raise ValueError("a report series needs at least one cadence")
    series: list[ReportDue] = []
    for month, cadence in report_months(cadences).items():
        period = period_ending(year, month, cadence)
        before = period.start - timedelta(days=1)  # a day of the month before the period
        data_from = date(before.year, before.month, policy.cutoff_day) + timedelta(days=1)
        data_to = date(year, month, policy.cutoff_day)
        ministry_due = date(year, month, policy.ministry_due_day)
        if policy.internal_working_days_before:
            due_day = calendar.add_working_days(ministry_due, -policy.internal_working_days_before)
        else:
            due_day = calendar.working_day_on_or_before(ministry_due)
        if due_day <= data_to:
            raise PolicyError(
                f"report {period.key}: the units' deadline {due_day} is not after the data "
                f"cut-off {data_to}; lower reports.internal_working_days_before"
            )
        series.append(ReportDue(period, data_from, data_to, ministry_due, due_day))
    return series
