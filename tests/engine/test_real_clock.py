"""The tests and benchmarks on the real clock work at any hour: the office hours and calendar they
lay around the present instant (simulation/real_clock.py, and scale.py's phase (d) built on it)
are checked here at instants chosen to be awkward, given to them rather than read from the clock:
early morning in Vietnam, a minute before midnight on 31 December, a Sunday, Tết, and a window
that would run across midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from benchmarks.scale import real_time_settings
from deadlines.local_time import local_day, local_instant, local_time
from deadlines.workdays import OfficeHours
from settings import get_settings, load_calendar, load_policy
from simulation.real_clock import office_window, working_days_from, write_calendar

INSTANTS = {
    # Saturday 05/12/2026, 05:30 in Vietnam (the hour the suite failed at).
    "05:30 on a Saturday": local_instant(date(2026, 12, 5), time(5, 30)),
    # 31/12/2026, 23:59 in Vietnam: the window runs into the next day and the next year.
    "23:59 on 31 December": local_instant(date(2026, 12, 31), time(23, 59)),
    # Sunday 06/12/2026 at noon.
    "a Sunday": local_instant(date(2026, 12, 6), time(12, 0)),
    # Tết 2027 (Tuesday 09/02/2027, a public holiday) at 10:00.
    "Tết": local_instant(date(2027, 2, 9), time(10, 0)),
    # 23:45: now + 20 s would fit the day, a quarter of an hour after it would not.
    "across midnight": local_instant(date(2026, 12, 4), time(23, 45)),
    # Ordinary working hours, to keep the common case in sight.
    "a Friday afternoon": local_instant(date(2026, 12, 4), time(15, 0)),
}
LEADS = [timedelta(seconds=20), timedelta(seconds=45), timedelta(minutes=3)]
OPEN_FOR = [timedelta(0), timedelta(minutes=15)]


@pytest.mark.parametrize("name", INSTANTS)
@pytest.mark.parametrize("lead", LEADS, ids=str)
@pytest.mark.parametrize("open_for", OPEN_FOR, ids=str)
def test_the_office_window_holds_its_instant_on_a_working_day_at_any_hour(
    tmp_path: Path, name: str, lead: timedelta, open_for: timedelta
) -> None:
    now = INSTANTS[name]
    office = office_window(now, lead, open_for)
    # Never sooner than asked, and late only by the move past midnight.
    assert office.at >= now + lead
    assert office.at - (now + lead) < timedelta(minutes=16)
    assert office.at.microsecond == 0
    # The office hours hold the instant and close `open_for` after it, on the instant's day.
    assert office.opens <= local_time(office.at) <= office.closes
    assert office.closing - office.at == open_for
    assert local_day(office.closing) == office.day
    # The calendar written for it makes its days working days whatever the law says of them.
    folder = write_calendar(tmp_path / "calendar", office.days(), name="test")
    years = sorted({day.year for day in office.days()})
    calendar = load_calendar(
        years, folder, office_hours=OfficeHours(opens=office.opens, closes=office.closes)
    )
    for day in office.days():
        assert calendar.is_working_day(day), (name, day)
    assert calendar.is_office_hours(office.at)
    assert office.deadline_text() == f"ngày {office.day.day}/{office.day.month}/{office.day.year}"


def test_the_window_of_31_december_moves_into_the_new_year() -> None:
    office = office_window(
        INSTANTS["23:59 on 31 December"], timedelta(seconds=20), timedelta(minutes=15)
    )
    assert office.day == date(2027, 1, 1)
    assert local_time(office.at) == time(0, 1)
    assert office.closes == time(0, 16)


def test_a_window_that_fits_the_day_is_not_moved() -> None:
    now = INSTANTS["a Friday afternoon"]
    office = office_window(now, timedelta(seconds=45), timedelta(0))
    assert office.at == now + timedelta(seconds=45)
    assert office.closes == time(15, 0, 45)


@pytest.mark.parametrize("name", INSTANTS)
def test_the_drills_days_start_today_in_vietnam(name: str) -> None:
    now = INSTANTS[name]
    days = working_days_from(now)
    assert days[0] == local_day(now)
    assert days == [local_day(now) + timedelta(days=n) for n in range(3)]


@pytest.mark.parametrize("name", INSTANTS)
def test_the_benchmarks_real_time_phase_accepts_its_own_policy_at_any_hour(
    tmp_path: Path, name: str
) -> None:
    """Phase (d) of scale.py: the worker would refuse a policy with a step outside the office
    hours (it did at 05:33: "escalations.at 08:00 is not an office hour (00:00-05:48)")."""
    now = INSTANTS[name]
    settings, instant, deadline = real_time_settings(get_settings(), tmp_path, 20, now=now)
    assert instant.tzinfo is UTC or instant.utcoffset() == timedelta(0)
    assert instant >= now + timedelta(seconds=20)
    hours = settings.office_hours()
    # What the worker checks at start: every step of the policy inside the office hours.
    policy = load_policy(settings.policy_file, office_hours=hours)
    assert policy.reminders.on_due_day
    day = local_day(instant)
    calendar = settings.working_calendar(day.year)
    assert calendar.is_working_day(day)
    assert calendar.is_office_hours(instant)
    assert deadline.startswith(f"ngày {day.day}/{day.month}/")
    assert datetime.combine(day, settings.office_closes) > datetime.combine(
        day, local_time(instant)
    )
