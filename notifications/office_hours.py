"""When messages may go out: inside office hours on working days, as the calendar says."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

from deadlines.local_time import local_day
from notifications.outcomes import QuietHours


class WorkingDays(Protocol):
    """What delivery needs of the calendar (`deadlines.workdays.WorkingCalendar`)."""

    def is_working_day(self, day: date) -> bool: ...

    def next_working_day(self, day: date) -> date: ...

    def working_days_between(self, start: date, end: date) -> int: ...

    def is_office_hours(self, instant: datetime) -> bool: ...

    def opening(self, day: date) -> datetime: ...


# The calendar of a plan year (and its neighbours), with the office hours.
CalendarOfYear = Callable[[int], WorkingDays]


def next_office_opening(calendar: CalendarOfYear, now: datetime) -> datetime | None:
    """None inside office hours on a working day; otherwise when they next begin (UTC)."""
    today = local_day(now)
    year = calendar(today.year)
    if year.is_office_hours(now):
        return None
    if year.is_working_day(today) and now < year.opening(today):
        return year.opening(today)
    return year.opening(year.next_working_day(today))


def wait_for_office_hours(calendar: CalendarOfYear, now: datetime) -> None:
    """Raises `QuietHours` outside office hours."""
    opens = next_office_opening(calendar, now)
    if opens is not None:
        raise QuietHours(opens)
