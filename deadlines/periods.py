"""Calendar periods a deadline can name: a day, a month, a quarter, a half year, a year, or a
run of them; and the cadences of a periodic obligation."""

from __future__ import annotations

import calendar as _gregorian
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
ROMAN_VALUES = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


class PeriodUnit(StrEnum):
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"
    # From one period to another ("từ tháng 3 đến tháng 6/2023").
    SPAN = "span"


class Cadence(StrEnum):
    """How often a periodic obligation comes back, shortest first."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"

    @property
    def months(self) -> int:
        return _CADENCE_MONTHS[self]


_CADENCE_MONTHS = {
    Cadence.MONTHLY: 1,
    Cadence.QUARTERLY: 3,
    Cadence.HALF_YEARLY: 6,
    Cadence.YEARLY: 12,
}


@dataclass(frozen=True)
class Period:
    """A closed range of local days [start, end] with a stable key.

    Keys: "2023-03-15" (day), "2023-03" (month), "2023-Q2", "2023-H1", "2023", and
    "2023-03..2023-06" for a span.
    """

    unit: PeriodUnit
    start: date
    end: date
    key: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period {self.key}: ends {self.end} before it starts {self.start}")

    @property
    def year(self) -> int:
        return self.end.year

    @property
    def number(self) -> int:
        """The month (1-12), quarter (1-4) or half (1-2) within the year; 0 for other units."""
        if self.unit is PeriodUnit.MONTH:
            return self.start.month
        if self.unit is PeriodUnit.QUARTER:
            return (self.start.month - 1) // 3 + 1
        if self.unit is PeriodUnit.HALF:
            return 1 if self.start.month <= 6 else 2
        return 0


def _last_day(year: int, month: int) -> date:
    return date(year, month, _gregorian.monthrange(year, month)[1])


def day_period(day: date) -> Period:
    return Period(PeriodUnit.DAY, day, day, day.isoformat())


def month_period(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise ValueError(f"there is no month {month}")
    return Period(
        PeriodUnit.MONTH, date(year, month, 1), _last_day(year, month), f"{year}-{month:02d}"
    )


def quarter_period(year: int, quarter: int) -> Period:
    if not 1 <= quarter <= 4:
        raise ValueError(f"there is no quarter {quarter}")
    first = 3 * quarter - 2
    return Period(
        PeriodUnit.QUARTER, date(year, first, 1), _last_day(year, first + 2), f"{year}-Q{quarter}"
    )


def half_period(year: int, half: int) -> Period:
    if half not in (1, 2):
        raise ValueError(f"there is no half year {half}")
    first = 1 if half == 1 else 7
    return Period(
        PeriodUnit.HALF, date(year, first, 1), _last_day(year, first + 5), f"{year}-H{half}"
    )


def year_period(year: int) -> Period:
    return Period(PeriodUnit.YEAR, date(year, 1, 1), date(year, 12, 31), str(year))


def span_period(first: Period, last: Period) -> Period:
    if last.end <= first.start or last.start < first.start:
        raise ValueError(f"the span from {first.key} to {last.key} runs backwards")
    return Period(PeriodUnit.SPAN, first.start, last.end, f"{first.key}..{last.key}")


def periods_of_year(year: int, cadence: Cadence) -> list[Period]:
    """The periods of one cadence that make up a year, in order."""
    if cadence is Cadence.MONTHLY:
        return [month_period(year, m) for m in range(1, 13)]
    if cadence is Cadence.QUARTERLY:
        return [quarter_period(year, q) for q in range(1, 5)]
    if cadence is Cadence.HALF_YEARLY:
        return [half_period(year, h) for h in (1, 2)]
    return [year_period(year)]


def period_ending(year: int, last_month: int, cadence: Cadence) -> Period:
    """The period of `cadence` whose last month is `last_month` of `year`."""
    if cadence is Cadence.MONTHLY:
        return month_period(year, last_month)
    if cadence is Cadence.QUARTERLY:
        return quarter_period(year, last_month // 3)
    if cadence is Cadence.HALF_YEARLY:
        return half_period(year, last_month // 6)
    return year_period(year)
