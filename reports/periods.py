"""The periods a CCHC progress report is of (the first quarter, six months, nine months, the
year) and what the report holds: every milestone's state on the period's data cut-off, rebuilt
from the records (`reports.as_of`), never the present state."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from deadlines.local_time import local_day, local_instant
from models.tables import Evidence, Plan
from reports.as_of import due_as_of, state_on
from reports.records import PlanRecords
from storage.overview import MilestoneRow
from web.tracking import Tracking, TrackingClock


class UnknownPeriod(ValueError):
    pass


@dataclass(frozen=True)
class ReportLine:
    row: MilestoneRow
    tracking: Tracking
    # The due instant on the cut-off (extensions granted later left out).
    due: datetime | None
    # The delivery that counted by then (never a rejected one).
    evidence: Evidence | None


@dataclass(frozen=True)
class PeriodReport:
    key: str
    # "QUÝ I NĂM 2026", as the title of the report names its period.
    title: str
    # The instant the figures are of, and its day: the end of the data cut-off day, or now
    # when that is still to come (a draft made early).
    as_of: datetime
    as_of_day: date
    lines: list[ReportLine]


def cutoff_instant(year: int, month: int, cutoff_day: int) -> datetime:
    """The end of the data cut-off day of the period ending in `month` (Vietnam time)."""
    return local_instant(date(year, month, cutoff_day) + timedelta(days=1), time(0, 0))


def period_report(
    plan: Plan,
    rows: Iterable[MilestoneRow],
    records: PlanRecords,
    *,
    period: str,
    periods: dict[str, dict[str, object]],
    cutoff_day: int,
    now: datetime,
    clock_at: Callable[[datetime], TrackingClock],
) -> PeriodReport:
    """The report of `period` (a key of `periods`: its title and last month) of the plan."""
    found = periods.get(period)
    if found is None:
        raise UnknownPeriod(period)
    month = int(str(found["month"]))
    cutoff = cutoff_instant(plan.year, month, cutoff_day)
    as_of = min(cutoff, now)
    as_of_day = date(plan.year, month, cutoff_day) if as_of == cutoff else local_day(now)
    clock = clock_at(as_of)
    lines: list[ReportLine] = []
    for row in rows:
        facts = records.of(row)
        state = state_on(row, facts, clock, plan_started_at=plan.started_at)
        if state is None:
            continue
        lines.append(
            ReportLine(
                row,
                state,
                due_as_of(row, facts, as_of),
                records.counted(row, as_of)
                if state in (Tracking.DONE_ON_TIME, Tracking.DONE_LATE)
                else None,
            )
        )
    return PeriodReport(period, str(found["title"]).format(year=plan.year), as_of, as_of_day, lines)
