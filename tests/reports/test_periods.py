"""Which instant a period's report is of, and how its title names the period."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from deadlines.local_time import local_instant
from models.tables import Plan
from reports.periods import PeriodReport, UnknownPeriod, period_report
from reports.records import PlanRecords
from settings import Settings
from web.context import words
from web.tracking import TrackingClock

PLAN = Plan(
    key="k", agency_id=1, number="1/KH", year=2026, title="Kế hoạch CCHC năm 2026",
    source_name="k.txt", source_hash="x", imported_at=datetime(2026, 1, 5, tzinfo=UTC),
)  # fmt: skip
# Friday 04/12/2026, 10:00 in Vietnam.
NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)


def report(period: str, now: datetime = NOW) -> PeriodReport:
    return period_report(
        PLAN,
        [],
        PlanRecords(),
        period=period,
        periods=words()["report_periods"],
        cutoff_day=Settings().policy().reports.cutoff_day,
        now=now,
        clock_at=lambda at: TrackingClock(at, at),
    )


def test_each_report_is_of_its_periods_data_cutoff_and_named_once() -> None:
    titles = {}
    for period, month in (("q1", 3), ("h1", 6), ("q3", 9)):
        made = report(period)
        assert made.as_of == local_instant(date(2026, month, 15), time(0, 0))
        assert made.as_of_day == date(2026, month, 14)
        titles[period] = made.title
    assert titles == {
        "q1": "QUÝ I NĂM 2026",
        "h1": "6 THÁNG ĐẦU NĂM 2026",
        "q3": "9 THÁNG ĐẦU NĂM 2026",
    }
    # The year's cut-off, 14/12, is still to come: a draft made now is of now.
    year = report("year")
    assert year.title == "NĂM 2026"
    assert (year.as_of, year.as_of_day) == (NOW, date(2026, 12, 4))
    later = report("year", datetime(2027, 1, 8, 3, 0, tzinfo=UTC))
    assert later.as_of == local_instant(date(2026, 12, 15), time(0, 0))


def test_a_period_of_no_report_is_refused() -> None:
    with pytest.raises(UnknownPeriod):
        report("q2")
