"""Vietnam's working days and office hours, in Asia/Ho_Chi_Minh.

A day is a working day unless it is a Saturday or Sunday, a public holiday (the `holidays`
package: Tết by the lunar calendar, the Hùng Kings' day, the days given in compensation when a
holiday falls on a weekend, and the swaps it knows with their make-up working Saturdays), or a
day off the government added; a weekend day the government made a working day ("làm bù") is a
working day. What the government decided on top of the law comes in as `YearDecisions`, read
from the department's year files by the caller: this module reads no file.
"""

from __future__ import annotations

import threading
from calendar import SATURDAY
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import holidays

from deadlines.local_time import local_day, local_instant, local_time
from deadlines.year_decisions import CalendarDataError, YearDecisions

# A search for a working day that finds none in this many days means the data is wrong
# (every day declared off), not that the answer is far away.
LONGEST_RUN_OF_DAYS_OFF = 60


@dataclass(frozen=True)
class OfficeHours:
    """When the offices are open, local time. Default 07:30-17:00."""

    opens: time = time(7, 30)
    closes: time = time(17, 0)

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise ValueError(
                f"office hours must open before they close: {self.opens}-{self.closes}"
            )


class WorkingCalendar:
    """Working days and office hours: the government's decisions laid over the law.

    `decisions` are all the years the department wrote decisions for (every year file it has);
    a year without any is the law alone, as the `holidays` package knows it. That is no error:
    an extension or an event's allowance may reach a year nobody wrote a file for, and the law
    is then the whole answer. `years` are worked out at once; any other year when first asked.
    """

    def __init__(
        self,
        decisions: Iterable[YearDecisions] = (),
        *,
        years: Iterable[int] = (),
        office_hours: OfficeHours | None = None,
    ) -> None:
        self.office_hours = office_hours or OfficeHours()
        self._law = holidays.country_holidays("VN", observed=True, language="vi")
        self._lock = threading.Lock()
        self._ready: set[int] = set()
        # Each day's answer once its year is final (see _prepare): planning a task asks about
        # the same days hundreds of times, and the package's answer was most of its time.
        self._working: dict[date, bool] = {}
        decided = _without_clashes(decisions)
        for year in sorted({d.year + step for d in decided for step in (-1, 0, 1)}):
            self._prepare(year)
        for one in decided:
            self._lay_over(one)
        for year in years:
            self._prepare(year)

    # -------------------------------------------------------------- the law and the decisions

    def _prepare(self, year: int) -> None:
        """Have the package work out `year` and the year either side of it.

        The package works a year out when a day of it is first looked up, and a year's swaps
        reach across the new year (a Saturday in December worked for a day off in January), so
        a year's answers are final only once its neighbours are worked out too. Activities ask
        from several threads: a year is marked ready only once it is complete.
        """
        if year in self._ready:
            return
        with self._lock:
            for neighbour in (year - 1, year, year + 1):
                self._law.get(date(neighbour, 1, 1))  # the lookup works the whole year out
            self._ready.add(year)

    def _lay_over(self, decisions: YearDecisions) -> None:
        # Every year a decision touches (its own and the one either side) is already worked
        # out with its neighbours, so no year the package works out later can undo it.
        for day in decisions.working_days:
            if day in self._law:
                self._law.pop(day)
            if self._law.is_weekend(day):
                self._law.weekend_workdays.add(day)
        for day, reason in decisions.days_off.items():
            if day in self._law:
                self._law.pop(day)  # the decision's name, not joined to the package's
            self._law[day] = reason
            self._law.weekend_workdays.discard(day)

    # -------------------------------------------------------------- days

    def is_working_day(self, day: date) -> bool:
        known = self._working.get(day)
        if known is None:
            self._prepare(day.year)
            known = self._working[day] = self._law.is_working_day(day)
        return known

    def is_day_off(self, day: date) -> bool:
        return not self.is_working_day(day)

    def why_off(self, day: date) -> str | None:
        """Why a day is off ("Tết Nguyên Đán", "Saturday", a decision), None for a working day."""
        if self.is_working_day(day):
            return None
        reason = self._law.get(day)
        if reason:
            return str(reason)
        return "Saturday" if day.weekday() == SATURDAY else "Sunday"

    def days_off_in(self, start: date, end: date) -> list[date]:
        return [day for day in _days(start, end) if not self.is_working_day(day)]

    def next_working_day(self, day: date) -> date:
        """The first working day after `day` (never `day` itself)."""
        return self._step(day, +1)

    def previous_working_day(self, day: date) -> date:
        """The last working day before `day` (never `day` itself)."""
        return self._step(day, -1)

    def working_day_on_or_after(self, day: date) -> date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def working_day_on_or_before(self, day: date) -> date:
        return day if self.is_working_day(day) else self.previous_working_day(day)

    def _step(self, day: date, direction: int) -> date:
        for year in {(day - _SEARCH).year, day.year, (day + _SEARCH).year}:
            self._prepare(year)
        found = self._law.get_nth_working_day(day, direction)
        if abs((found - day).days) > LONGEST_RUN_OF_DAYS_OFF:
            raise CalendarDataError(
                f"no working day within {LONGEST_RUN_OF_DAYS_OFF} days "
                f"{'after' if direction > 0 else 'before'} {day}: check the calendar's year files"
            )
        return found

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (before it when `count` is negative).

        `day` itself is never counted, so from a Saturday one working day on is the Monday.
        With `count == 0`, `day` when it is a working day, else the next one.
        """
        if count == 0:
            return self.working_day_on_or_after(day)
        direction = 1 if count > 0 else -1
        current = day
        for _ in range(abs(count)):
            current = self._step(current, direction)
        return current

    def last_working_day_in(self, start: date, end: date) -> date | None:
        """The last working day of [start, end], None when every day of it is off."""
        current = end
        while current >= start:
            if self.is_working_day(current):
                return current
            current -= timedelta(days=1)
        return None

    def first_working_day_in(self, start: date, end: date) -> date | None:
        current = start
        while current <= end:
            if self.is_working_day(current):
                return current
            current += timedelta(days=1)
        return None

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days one moves going from `start` to `end`: the working days in
        (start, end] going forward, minus those in [end, start) going back.

        `working_days_between(d, add_working_days(d, n)) == n` for every day d and n != 0.
        """
        if end == start:
            return 0
        first, last = (start + _ONE_DAY, end) if end > start else (end, start - _ONE_DAY)
        for year in range(first.year, last.year + 1):
            self._prepare(year)
        counted = self._law.get_working_days_count(first, last)
        return counted if end > start else -counted

    def working_days_in(self, start: date, end: date) -> Iterator[date]:
        return (day for day in _days(start, end) if self.is_working_day(day))

    # -------------------------------------------------------------- office hours

    def opening(self, day: date) -> datetime:
        """When the offices open on `day` (aware, UTC)."""
        return local_instant(day, self.office_hours.opens)

    def closing(self, day: date) -> datetime:
        """When the offices close on `day` (aware, UTC): the instant a day's deadline falls."""
        return local_instant(day, self.office_hours.closes)

    def at(self, day: date, at: time) -> datetime:
        """`at` o'clock on `day` (aware, UTC); refuses a time outside office hours."""
        if not self.office_hours.opens <= at <= self.office_hours.closes:
            raise ValueError(
                f"{at:%H:%M} is outside office hours "
                f"({self.office_hours.opens:%H:%M}-{self.office_hours.closes:%H:%M})"
            )
        return local_instant(day, at)

    def is_office_hours(self, instant: datetime) -> bool:
        """Whether `instant` falls on a working day between opening and closing (inclusive)."""
        day = local_day(instant)
        clock = local_time(instant)
        hours = self.office_hours
        return self.is_working_day(day) and hours.opens <= clock <= hours.closes


def _days(start: date, end: date) -> Iterator[date]:
    current = start
    while current <= end:
        yield current
        current += timedelta(days=1)


_ONE_DAY = timedelta(days=1)
_SEARCH = timedelta(days=LONGEST_RUN_OF_DAYS_OFF)


def _without_clashes(decisions: Iterable[YearDecisions]) -> list[YearDecisions]:
    """The decisions, each year once, no day both off in one file and worked in another."""
    by_year: dict[int, YearDecisions] = {}
    off: dict[date, str] = {}
    worked: dict[date, str] = {}
    for one in decisions:
        if one.year in by_year:
            raise CalendarDataError(
                f"{one.source}: a second set of decisions for {one.year} "
                f"(the first from {by_year[one.year].source})"
            )
        by_year[one.year] = one
        off.update(dict.fromkeys(one.days_off, one.source))
        worked.update(dict.fromkeys(one.working_days, one.source))
    clash = sorted(set(off) & set(worked))
    if clash:
        day = clash[0]
        raise CalendarDataError(
            f"{off[day]}: {day} is declared a day off, but {worked[day]} makes it a working day"
        )
    return [by_year[year] for year in sorted(by_year)]


# A plan's deadlines reach back into the year before (December's escalations, events decided
# late in the previous year) and forward into the next ones (extensions, late escalations).
CALENDAR_YEARS_BEFORE_PLAN = 1
CALENDAR_YEARS_AFTER_PLAN = 2


def calendar_years(plan_year: int) -> range:
    """The years a plan of `plan_year` needs the calendar of."""
    return range(plan_year - CALENDAR_YEARS_BEFORE_PLAN, plan_year + CALENDAR_YEARS_AFTER_PLAN + 1)
