"""A working day and office hours laid around an instant of the real clock, for the tests and
benchmarks that run on it. Whatever the date and hour they run at (a Sunday, Tết, 23:59 on 31
December in Vietnam), the days they need are working days of a calendar folder written for them,
and office hours hold the instants they wait for.

The present instant is always given, never read here: a caller passes `datetime.now(UTC)`, a
test of these functions passes the hour it wants to prove.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from deadlines.local_time import in_vietnam, local_day, local_instant

# Office hours laid around an instant open at midnight: every instant of its day before it is
# inside them, so nothing the run asks for at once is held for the opening.
OPENS = time(0, 0)
# Close to midnight, a window that would run past it starts just after it instead.
AFTER_MIDNIGHT = timedelta(minutes=1)
# Days a run on the real clock may reach after its first: one that starts at 23:59 goes on the
# next day, and a step one working day after a deadline falls on the day after that.
DAYS_AHEAD = 2


@dataclass(frozen=True)
class OfficeWindow:
    """An instant (Vietnam time, to the second) and the office hours around it: open from
    midnight, closing `closes` on the instant's own day, never before the instant."""

    at: datetime
    closes: time
    opens: time = OPENS

    @property
    def day(self) -> date:
        return local_day(self.at)

    @property
    def closing(self) -> datetime:
        """The close of office hours on the instant's day: a deadline "ngày <day>" falls then."""
        return local_instant(self.day, self.closes)

    def days(self) -> list[date]:
        """The instant's day and the `DAYS_AHEAD` after it: the working days a run needs."""
        return [self.day + timedelta(days=n) for n in range(DAYS_AHEAD + 1)]

    def deadline_text(self, year: int | None = None) -> str:
        """The instant's day as a plan writes a deadline ("ngày 5/12/2026"), in `year` if given
        (a plan written in another year and moved to this one)."""
        day = self.day
        return f"ngày {day.day}/{day.month}/{day.year if year is None else year}"


def office_window(now: datetime, lead: timedelta, open_for: timedelta) -> OfficeWindow:
    """The first whole second at least `lead` after `now` whose office hours can stay open
    `open_for` after it on the same day in Vietnam (one that would cross midnight moves to just
    after it), with office hours closing then."""
    if now.tzinfo is None:
        raise ValueError("the present instant must carry its time zone")
    wanted = in_vietnam(now + lead)
    at = wanted.replace(microsecond=0)
    if at < wanted:
        at += timedelta(seconds=1)
    last = local_instant(local_day(at), time(23, 59, 59))
    if at + open_for > last:
        at = in_vietnam(local_instant(local_day(at) + timedelta(days=1), OPENS) + AFTER_MIDNIGHT)
    closes = at + open_for
    return OfficeWindow(at=at, closes=time(closes.hour, closes.minute, closes.second))


def working_days_from(now: datetime) -> list[date]:
    """Today in Vietnam and the `DAYS_AHEAD` days after it."""
    today = local_day(now)
    return [today + timedelta(days=n) for n in range(DAYS_AHEAD + 1)]


def write_calendar(folder: Path, days: Iterable[date], *, name: str) -> Path:
    """A calendar folder (one year file per year, data/calendar's format) in which each of
    `days` is a working day, whether the law makes it a weekend day or a holiday. Returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    by_year: dict[int, list[date]] = {}
    for day in sorted(set(days)):
        by_year.setdefault(day.year, []).append(day)
    for year, worked in by_year.items():
        lines = "".join(
            f"  - {{date: {day.isoformat()}, name: {name}, decision: {name}}}\n" for day in worked
        )
        (folder / f"{year}.yaml").write_text(
            f"year: {year}\nworking_days:\n{lines}", encoding="utf-8"
        )
    return folder
