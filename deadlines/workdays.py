"""Vietnam's working days and office hours, in Asia/Ho_Chi_Minh.

A day is a working day unless it is a Saturday or Sunday, a public holiday (the `holidays`
package: Tết by the lunar calendar, the Hùng Kings' day, the days given in compensation when a
holiday falls on a weekend), or a day off the government added; a weekend day the government
made a working day ("làm bù") is a working day.

What the government decides each year on top of the law lives in one YAML file per year in the
calendar directory (`data/calendar/2023.yaml`), each entry with the decision that set it.
Swaps the `holidays` package already knows (its "substituted" days off) bring their make-up
working Saturday with them; a year file only adds what the package lacks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import holidays
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from deadlines.local_time import local_day, local_instant, local_time

WEEKEND = frozenset({5, 6})  # Saturday, Sunday
# A search for a working day that finds none in this many days means the data is wrong
# (every day declared off), not that the answer is far away.
LONGEST_RUN_OF_DAYS_OFF = 60
_YEAR_FILE = re.compile(r"^([0-9]{4})\.ya?ml$")


class CalendarDataError(ValueError):
    """A year file of the calendar is wrong; the message names the file, entry and field."""


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


# ----------------------------------------------------------------------------- year files


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: date
    name: str
    decision: str

    @field_validator("date", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        return _as_date(value)

    @field_validator("name", "decision")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class _Move(BaseModel):
    """A working day given as a day off, worked on another day (usually a Saturday)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day_off: date
    worked_instead: date
    decision: str
    name: str = ""

    @field_validator("day_off", "worked_instead", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        return _as_date(value)

    @field_validator("decision")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class _YearFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int
    moved: list[_Move] = []
    days_off: list[_Entry] = []
    working_days: list[_Entry] = []
    # What was checked and found already known, or unsure: for people, not for the calendar.
    notes: list[str] = []


def validation_problems(error: ValidationError, most: int = 5) -> str:
    """The first few problems of a validation error, each with where it is."""
    problems = [
        f"{'.'.join(str(part) for part in problem['loc']) or '(top)'}: {problem['msg']}"
        for problem in error.errors()
    ]
    shown = "; ".join(problems[:most])
    if len(problems) > most:
        shown += f"; and {len(problems) - most} more"
    return shown


def _as_date(value: Any) -> Any:
    if isinstance(value, datetime):
        raise ValueError("must be a day (YYYY-MM-DD), not an instant")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a day written YYYY-MM-DD") from None
    raise ValueError(f"{value!r} is not a day written YYYY-MM-DD")


@dataclass(frozen=True)
class YearDecisions:
    """What the government decided for one year on top of the law, with the decisions."""

    year: int
    days_off: Mapping[date, str] = field(default_factory=dict)
    working_days: Mapping[date, str] = field(default_factory=dict)
    source: str = ""


def read_year_file(path: Path) -> YearDecisions:
    """Read and check one year file; CalendarDataError names the file, entry and field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CalendarDataError(f"{path}: cannot be read ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise CalendarDataError(f"{path}: not valid YAML ({error})") from error
    if not isinstance(raw, dict):
        raise CalendarDataError(f"{path}: expected a mapping with `year:` at the top")
    try:
        data = _YearFile.model_validate(raw)
    except ValidationError as error:
        raise CalendarDataError(f"{path}: {validation_problems(error)}") from None
    match = _YEAR_FILE.match(path.name)
    if match and int(match.group(1)) != data.year:
        raise CalendarDataError(f"{path}: says year {data.year} but is named for {match.group(1)}")

    def where(section: str, index: int, field_name: str) -> str:
        return f"{path}: {section}[{index}].{field_name}"

    days_off: dict[date, str] = {}
    working: dict[date, str] = {}
    for i, move in enumerate(data.moved):
        if move.day_off.year != data.year:
            raise CalendarDataError(
                f"{where('moved', i, 'day_off')}: {move.day_off} is not in {data.year}"
            )
        if abs(move.worked_instead.year - data.year) > 1:
            raise CalendarDataError(
                f"{where('moved', i, 'worked_instead')}: {move.worked_instead} is too far from "
                f"{data.year}"
            )
        if move.worked_instead == move.day_off:
            raise CalendarDataError(f"{where('moved', i, 'worked_instead')}: same day as day_off")
        reason = f"{move.name or 'day off moved'} ({move.decision})"
        days_off[move.day_off] = reason
        working[move.worked_instead] = f"make-up working day for {move.day_off} ({move.decision})"
    for i, entry in enumerate(data.days_off):
        if entry.date.year != data.year:
            raise CalendarDataError(
                f"{where('days_off', i, 'date')}: {entry.date} is not in {data.year}"
            )
        days_off[entry.date] = f"{entry.name} ({entry.decision})"
    for i, entry in enumerate(data.working_days):
        if entry.date.year != data.year:
            raise CalendarDataError(
                f"{where('working_days', i, 'date')}: {entry.date} is not in {data.year}"
            )
        if entry.date in days_off:
            raise CalendarDataError(
                f"{where('working_days', i, 'date')}: {entry.date} is also declared a day off"
            )
        working[entry.date] = f"{entry.name} ({entry.decision})"
    clash = set(days_off) & set(working)
    if clash:
        day = min(clash)
        raise CalendarDataError(f"{path}: {day} is declared both a day off and a working day")
    return YearDecisions(data.year, days_off, working, source=str(path))


# ----------------------------------------------------------------------------- the package


@lru_cache(maxsize=1)
def _package_swaps() -> dict[date, date]:
    """Days off the `holidays` package knows were swapped: {day off: make-up working day}.

    The package lists the day off ("Ngày nghỉ (thay cho ngày 04/05/2024)") but not the Saturday
    worked in exchange, which is no holiday; its table of special days carries both. Entries of
    an unexpected shape are skipped: the year files can always state a swap themselves.
    """
    from holidays.countries import vietnam

    table = getattr(getattr(vietnam, "VietnamStaticHolidays", None), "special_public_holidays", {})
    swaps: dict[date, date] = {}
    if not isinstance(table, dict):
        return swaps
    for year, entries in table.items():
        rows = entries if entries and isinstance(entries[0], tuple) else (entries,)
        for row in rows:
            if not (isinstance(row, tuple) and len(row) in (4, 5)):
                continue
            if not all(isinstance(part, int) for part in row):
                continue
            from_year = row[4] if len(row) == 5 else year
            try:
                swaps[date(year, row[0], row[1])] = date(from_year, row[2], row[3])
            except (TypeError, ValueError):
                continue
    return swaps


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> dict[date, str]:
    known = holidays.country_holidays("VN", years=year, observed=True, language="vi")
    return {day: str(name) for day, name in sorted(known.items())}


# ----------------------------------------------------------------------------- the calendar


@dataclass(frozen=True)
class _Year:
    days_off: dict[date, str]
    working: dict[date, str]


class WorkingCalendar:
    """Working days and office hours. Build it with `load_calendar`.

    Years are worked out when first asked for; a year with a file in `override_dir` gets the
    file's decisions, any other year the law and the `holidays` package alone.
    """

    def __init__(
        self,
        *,
        decisions: Iterable[YearDecisions] = (),
        override_dir: Path | None = None,
        office_hours: OfficeHours | None = None,
    ) -> None:
        self.office_hours = office_hours or OfficeHours()
        self._override_dir = override_dir
        self._decisions: dict[int, YearDecisions] = {d.year: d for d in decisions}
        self._years: dict[int, _Year] = {}

    # -------------------------------------------------------------- days

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        days_off = dict(_public_holidays(year))
        working: dict[date, str] = {}
        for day_off, worked in _package_swaps().items():
            if worked.year == year:
                working[worked] = f"make-up working day for {day_off.isoformat()}"
        for neighbour in (year - 1, year, year + 1):
            # A swap may reach across the new year (a Saturday in December worked for a day
            # off in January), so the neighbours' files are read for this year's working days.
            decisions = self._decisions_for(neighbour)
            if decisions is None:
                continue
            for day, reason in decisions.working_days.items():
                if day.year == year:
                    working[day] = reason
                    days_off.pop(day, None)
            if decisions.year == year:
                for day, reason in decisions.days_off.items():
                    days_off[day] = reason
                    working.pop(day, None)
        built = _Year(days_off=days_off, working=working)
        self._years[year] = built
        return built

    def _decisions_for(self, year: int) -> YearDecisions | None:
        if year not in self._decisions and self._override_dir is not None:
            for suffix in ("yaml", "yml"):
                path = self._override_dir / f"{year}.{suffix}"
                if path.is_file():
                    self._decisions[year] = read_year_file(path)
                    break
        return self._decisions.get(year)

    def is_working_day(self, day: date) -> bool:
        year = self._year(day.year)
        if day in year.working:
            return True
        return day.weekday() not in WEEKEND and day not in year.days_off

    def is_day_off(self, day: date) -> bool:
        return not self.is_working_day(day)

    def why_off(self, day: date) -> str | None:
        """Why a day is off ("Tết Nguyên Đán", "Saturday", a decision), None for a working day."""
        if self.is_working_day(day):
            return None
        reason = self._year(day.year).days_off.get(day)
        if reason:
            return reason
        return "Saturday" if day.weekday() == 5 else "Sunday"

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
        current = day
        for _ in range(LONGEST_RUN_OF_DAYS_OFF):
            current += timedelta(days=direction)
            if self.is_working_day(current):
                return current
        raise CalendarDataError(
            f"no working day within {LONGEST_RUN_OF_DAYS_OFF} days "
            f"{'after' if direction > 0 else 'before'} {day}: check the calendar's year files"
        )

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
        if end >= start:
            return sum(
                1 for day in _days(start + timedelta(days=1), end) if self.is_working_day(day)
            )
        return -sum(1 for day in _days(end, start - timedelta(days=1)) if self.is_working_day(day))

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


# A plan's deadlines reach back into the year before (December's escalations, events decided
# late in the previous year) and forward into the next ones (extensions, late escalations).
YEARS_BEFORE_PLAN = 1
YEARS_AFTER_PLAN = 2


def calendar_years(plan_year: int) -> range:
    """The years a plan of `plan_year` needs the calendar of."""
    return range(plan_year - YEARS_BEFORE_PLAN, plan_year + YEARS_AFTER_PLAN + 1)


def load_calendar(
    years: Iterable[int],
    override_dir: Path | None = None,
    *,
    office_hours: OfficeHours | None = None,
) -> WorkingCalendar:
    """The calendar with the year files of `override_dir` read now for `years` (so a broken
    file fails at once) and later for any other year asked about."""
    calendar = WorkingCalendar(override_dir=override_dir, office_hours=office_hours)
    if override_dir is not None and not override_dir.is_dir():
        raise CalendarDataError(f"{override_dir}: the calendar directory does not exist")
    for year in years:
        calendar.is_working_day(date(year, 1, 1))
    return calendar


def year_files(override_dir: Path) -> list[Path]:
    """The year files in a calendar directory, oldest first."""
    return sorted(p for p in override_dir.iterdir() if _YEAR_FILE.match(p.name))
