"""What the government decided for one year on top of the law: days off moved, days off added,
weekend days made working days, each with the decision that set it.

The department writes them in one YAML file per year (`data/calendar/2023.yaml`); the caller
reads the file and hands its parsed content to `year_decisions`, which checks it. Swaps the
`holidays` package already knows (its "substituted" days off) bring their make-up working
Saturday with them; a year file only adds what the package lacks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from deadlines.validation import validation_problems


class CalendarDataError(ValueError):
    """A year's decisions are wrong; the message names the file, entry and field."""


@dataclass(frozen=True)
class YearDecisions:
    """What the government decided for one year on top of the law, with the decisions."""

    year: int
    days_off: Mapping[date, str] = field(default_factory=dict)
    working_days: Mapping[date, str] = field(default_factory=dict)
    # Where they were read from (the year file), for messages.
    source: str = ""


def year_decisions(raw: object, source: str) -> YearDecisions:
    """Check one year's decisions as parsed from its file; `source` (the file) starts every
    error message, which then names the entry and field at fault."""
    if not isinstance(raw, dict):
        raise CalendarDataError(f"{source}: expected a mapping with `year:` at the top")
    try:
        data = _YearFile.model_validate(raw)
    except ValidationError as error:
        raise CalendarDataError(f"{source}: {validation_problems(error)}") from None

    def where(section: str, index: int, field_name: str) -> str:
        return f"{source}: {section}[{index}].{field_name}"

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
        raise CalendarDataError(f"{source}: {day} is declared both a day off and a working day")
    return YearDecisions(data.year, days_off, working, source=source)


# ----------------------------------------------------------------------------- the file's form


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


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


# A day written YYYY-MM-DD (YAML reads an unquoted one as a date already), never an instant.
_Day = Annotated[date, BeforeValidator(_as_date)]
# A name or decision: stripped, never blank.
_Words = Annotated[str, AfterValidator(_not_blank)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: _Day
    name: _Words
    decision: _Words


class _Move(BaseModel):
    """A working day given as a day off, worked on another day (usually a Saturday)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day_off: _Day
    worked_instead: _Day
    decision: _Words
    name: str = ""


class _YearFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int
    moved: list[_Move] = []
    days_off: list[_Entry] = []
    working_days: list[_Entry] = []
    # What was checked and found already known, or unsure: for people, not for the calendar.
    notes: list[str] = []
