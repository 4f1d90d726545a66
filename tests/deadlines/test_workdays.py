"""Vietnam's working days, the year files of government decisions, office hours, the due rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from deadlines import CalendarDataError, OfficeHours, WorkingCalendar, due_for_period, due_on_day
from deadlines.local_time import local_day, local_instant
from deadlines.policy import DeadlinePolicy, DueRule
from settings import DATA_DIR, load_calendar, load_policy, read_year_file, year_files

CALENDAR_DIR = DATA_DIR / "calendar"


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return load_calendar(range(2022, 2026), CALENDAR_DIR)


@pytest.fixture(scope="module")
def policy() -> DeadlinePolicy:
    return load_policy()


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_the_weekdays_off_in_2023_are_exactly_the_holidays_decided(
    calendar: WorkingCalendar,
) -> None:
    weekdays_off = [
        day.isoformat()
        for day in calendar.days_off_in(d("2023-01-01"), d("2023-12-31"))
        if day.weekday() < 5
    ]
    assert weekdays_off == [
        "2023-01-02",  # New Year (Sunday) compensated
        "2023-01-20",  # Tết: Friday 20/01 to Thursday 26/01
        "2023-01-23",
        "2023-01-24",
        "2023-01-25",
        "2023-01-26",
        "2023-05-01",  # Labour Day
        "2023-05-02",  # Hùng Kings' day (Saturday 29/04) compensated
        "2023-05-03",  # Reunification Day (Sunday 30/04) compensated
        "2023-09-01",  # National Day
        "2023-09-04",  # National Day (Saturday 02/09) compensated
    ]


def test_weekends_are_off_and_every_2023_saturday_stays_off(calendar: WorkingCalendar) -> None:
    saturdays = [
        day
        for day in calendar.working_days_in(d("2023-01-01"), d("2023-12-31"))
        if day.weekday() >= 5
    ]
    assert saturdays == []
    assert calendar.why_off(d("2023-04-29")) == "Ngày Giỗ Tổ Hùng Vương"
    assert calendar.why_off(d("2023-03-12")) == "Sunday"
    assert calendar.why_off(d("2023-03-13")) is None


def test_a_swap_the_package_knows_brings_its_make_up_saturday(calendar: WorkingCalendar) -> None:
    # 2024: Monday 29/04 off, worked on Saturday 04/05 (Công văn 2450/VPCP-KGVX).
    assert calendar.is_day_off(d("2024-04-29"))
    assert calendar.is_working_day(d("2024-05-04"))
    # 2025: Friday 02/05 off, worked on Saturday 26/04.
    assert calendar.is_day_off(d("2025-05-02"))
    assert calendar.is_working_day(d("2025-04-26"))


def test_years_are_worked_out_on_demand_beyond_those_loaded(calendar: WorkingCalendar) -> None:
    # Tết 2027 falls on 06/02/2027 (Saturday); the days around it are off.
    assert calendar.is_day_off(d("2027-02-08"))
    assert calendar.is_working_day(d("2027-03-02"))


# ----------------------------------------------------------------------------- counting days


def test_next_and_previous_working_day_skip_days_off(calendar: WorkingCalendar) -> None:
    assert calendar.next_working_day(d("2023-04-28")) == d("2023-05-04")
    assert calendar.previous_working_day(d("2023-05-04")) == d("2023-04-28")
    assert calendar.next_working_day(d("2023-01-19")) == d("2023-01-27")
    # Never the day itself.
    assert calendar.next_working_day(d("2023-03-13")) == d("2023-03-14")
    assert calendar.next_working_day(d("2023-12-31")) == d("2024-01-02")


def test_adding_working_days_counts_from_the_day_after(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(d("2023-04-28"), 1) == d("2023-05-04")
    assert calendar.add_working_days(d("2023-04-28"), 5) == d("2023-05-10")
    assert calendar.add_working_days(d("2023-04-28"), -10) == d("2023-04-14")
    # From a Saturday, one working day on is the Monday, one back the Friday.
    assert calendar.add_working_days(d("2023-03-11"), 1) == d("2023-03-13")
    assert calendar.add_working_days(d("2023-03-11"), -1) == d("2023-03-10")
    assert calendar.add_working_days(d("2023-03-11"), 0) == d("2023-03-13")
    assert calendar.add_working_days(d("2023-03-10"), 0) == d("2023-03-10")
    # Twenty working days from the eve of Tết.
    assert calendar.add_working_days(d("2023-01-19"), 20) == d("2023-02-23")


def test_working_days_between_undoes_adding_them(calendar: WorkingCalendar) -> None:
    for start in (d("2023-01-19"), d("2023-03-11"), d("2023-04-28"), d("2023-12-29")):
        for n in (-12, -5, -1, 1, 3, 20):
            assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n
    assert calendar.working_days_between(d("2023-03-13"), d("2023-03-13")) == 0


def test_the_last_working_day_in_a_period(calendar: WorkingCalendar) -> None:
    assert calendar.last_working_day_in(d("2023-04-01"), d("2023-04-30")) == d("2023-04-28")
    assert calendar.first_working_day_in(d("2023-05-01"), d("2023-05-31")) == d("2023-05-04")
    assert calendar.last_working_day_in(d("2023-04-29"), d("2023-05-03")) is None


# ----------------------------------------------------------------------------- office hours


def test_office_hours_are_local_and_returned_in_utc(calendar: WorkingCalendar) -> None:
    closing = calendar.closing(d("2023-04-28"))
    assert closing == datetime(2023, 4, 28, 10, 0, tzinfo=UTC)
    assert closing.tzinfo is UTC and type(closing) is datetime
    assert calendar.opening(d("2023-04-28")) == datetime(2023, 4, 28, 0, 30, tzinfo=UTC)
    assert calendar.is_office_hours(closing)
    assert not calendar.is_office_hours(closing + timedelta(seconds=1))
    assert not calendar.is_office_hours(datetime(2023, 4, 29, 3, 0, tzinfo=UTC))  # a holiday
    with pytest.raises(ValueError, match="outside office hours"):
        calendar.at(d("2023-04-28"), time(18, 0))


def test_office_hours_can_be_set() -> None:
    summer = load_calendar([2023], office_hours=OfficeHours(time(7, 0), time(16, 30)))
    assert summer.closing(d("2023-06-30")) == datetime(2023, 6, 30, 9, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="open before they close"):
        OfficeHours(time(17, 0), time(7, 30))


def test_local_days_of_instants() -> None:
    assert local_day(datetime(2023, 4, 27, 17, 30, tzinfo=UTC)) == d("2023-04-28")
    assert local_instant(d("2023-01-01"), time(0, 0)) == datetime(2022, 12, 31, 17, tzinfo=UTC)
    with pytest.raises(ValueError, match="no time zone"):
        local_day(datetime(2023, 4, 27, 17, 30))


# ----------------------------------------------------------------------------- the due rule


@pytest.mark.parametrize(
    ("start", "end", "due"),
    [
        ("2023-04-01", "2023-04-30", "2023-04-28T10:00:00+00:00"),  # the brief's example
        ("2023-09-01", "2023-09-30", "2023-09-29T10:00:00+00:00"),
        ("2023-12-01", "2023-12-31", "2023-12-29T10:00:00+00:00"),
        ("2023-01-01", "2023-01-31", "2023-01-31T10:00:00+00:00"),
        # A single day off: the working day before.
        ("2023-03-12", "2023-03-12", "2023-03-10T10:00:00+00:00"),
    ],
)
def test_the_default_rule_is_the_last_working_day_inside_the_period(
    calendar: WorkingCalendar, policy: DeadlinePolicy, start: str, end: str, due: str
) -> None:
    assert due_for_period(d(start), d(end), calendar=calendar, policy=policy).isoformat() == due


@pytest.mark.parametrize(
    ("start", "end", "due"),
    [
        ("2023-04-01", "2023-04-30", "2023-05-04T10:00:00+00:00"),
        ("2023-09-01", "2023-09-30", "2023-10-02T10:00:00+00:00"),
        ("2023-02-01", "2023-02-28", "2023-02-28T10:00:00+00:00"),
        ("2023-03-12", "2023-03-12", "2023-03-13T10:00:00+00:00"),
    ],
)
def test_the_civil_code_rule_moves_a_day_off_to_the_next_working_day(
    calendar: WorkingCalendar, policy: DeadlinePolicy, start: str, end: str, due: str
) -> None:
    civil = policy.model_copy(update={"due_rule": DueRule.CIVIL_CODE})
    assert due_for_period(d(start), d(end), calendar=calendar, policy=civil).isoformat() == due


def test_a_single_day_due(calendar: WorkingCalendar, policy: DeadlinePolicy) -> None:
    assert due_on_day(d("2023-06-15"), calendar=calendar, policy=policy) == datetime(
        2023, 6, 15, 10, tzinfo=UTC
    )


# ----------------------------------------------------------------------------- year files


def write(directory: Path, year: int, body: str) -> Path:
    path = directory / f"{year}.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_a_year_file_moves_days_adds_days_off_and_make_up_days(tmp_path: Path) -> None:
    write(
        tmp_path,
        2023,
        """
year: 2023
moved:
  - day_off: 2023-05-05
    worked_instead: 2023-05-13
    decision: "Thông báo 1/TB-TEST"
days_off:
  - date: 2023-06-01
    name: "Extra day off"
    decision: "Quyết định 2/QĐ-TEST"
working_days:
  - date: 2023-06-03
    name: "Working Saturday"
    decision: "Quyết định 3/QĐ-TEST"
""",
    )
    calendar = load_calendar([2023], tmp_path)
    assert calendar.is_day_off(d("2023-05-05"))
    assert calendar.is_working_day(d("2023-05-13"))
    assert calendar.is_day_off(d("2023-06-01"))
    assert calendar.why_off(d("2023-06-01")) == "Extra day off (Quyết định 2/QĐ-TEST)"
    assert calendar.is_working_day(d("2023-06-03"))
    # The rest of the year stays as the law has it.
    assert calendar.is_day_off(d("2023-04-29")) and calendar.is_working_day(d("2023-05-04"))


def test_a_swap_across_the_new_year_reaches_the_year_before(tmp_path: Path) -> None:
    write(
        tmp_path,
        2024,
        """
year: 2024
moved:
  - {day_off: 2024-01-02, worked_instead: 2023-12-30, decision: "Thông báo 4/TB-TEST"}
""",
    )
    calendar = load_calendar([2023, 2024], tmp_path)
    assert calendar.is_working_day(d("2023-12-30"))
    assert calendar.is_day_off(d("2024-01-02"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "year: 2023\ndays_off: [{date: 2023-06-01, name: x}]",
            r"days_off\.0\.decision: Field required",
        ),
        (
            "year: 2023\ndays_off: [{date: 01/06/2023, name: x, decision: y}]",
            "is not a day written YYYY-MM-DD",
        ),
        (
            "year: 2023\ndays_off: [{date: 2023-06-01, name: x, decision: '  '}]",
            "must not be blank",
        ),
        (
            "year: 2023\ndays_off: [{date: 2024-06-01, name: x, decision: y}]",
            r"days_off\[0\]\.date: 2024-06-01 is not in 2023",
        ),
        ("year: 2024\n", "says year 2024 but is named for 2023"),
        ("year: 2023\nholidays: []", "holidays: Extra inputs are not permitted"),
        ("- 2023", "expected a mapping"),
        ("year: [", "not valid YAML"),
        (
            "year: 2023\ndays_off: [{date: 2023-06-03, name: x, decision: y}]\n"
            "working_days: [{date: 2023-06-03, name: x, decision: y}]",
            r"working_days\[0\]\.date: 2023-06-03 is also declared a day off",
        ),
        (
            "year: 2023\nmoved: [{day_off: 2023-06-01, worked_instead: 2023-06-01, decision: y}]",
            "same day as day_off",
        ),
    ],
)
def test_a_wrong_year_file_is_refused_naming_the_file_entry_and_field(
    tmp_path: Path, body: str, message: str
) -> None:
    path = write(tmp_path, 2023, body)
    with pytest.raises(CalendarDataError, match=message) as refused:
        load_calendar([2023], tmp_path)
    assert str(path) in str(refused.value)


def test_a_missing_calendar_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CalendarDataError, match="does not exist"):
        load_calendar([2023], tmp_path / "nowhere")


def test_a_calendar_of_nothing_but_days_off_fails_loudly(tmp_path: Path) -> None:
    first = d("2023-03-01")
    days = "\n".join(
        f"  - {{date: {first + timedelta(days=i)}, name: nghỉ, decision: y}}" for i in range(80)
    )
    write(tmp_path, 2023, f"year: 2023\ndays_off:\n{days}\n")
    calendar = load_calendar([2023], tmp_path)
    with pytest.raises(CalendarDataError, match="no working day within"):
        calendar.next_working_day(d("2023-03-01"))


def test_the_bundled_year_files_are_valid_and_name_their_decisions() -> None:
    files = year_files(CALENDAR_DIR)
    assert [p.name for p in files][:1] == ["2023.yaml"]
    for path in files:
        decisions = read_year_file(path)
        assert all("(" in reason for reason in decisions.days_off.values())
