"""A plan's dashboard as its page shows it: the milestones classified, counted by unit, section
and month, the steps coming in the next days, filtered and paged; what does not depend on the
filters is kept per plan for the minute it is of and the rows it was made from."""

from __future__ import annotations

import bisect
import heapq
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from deadlines.local_time import local_day, local_instant
from models.tables import Plan
from plan_import.text import fold
from storage.db import session_scope
from storage.overview import MilestoneRow
from storage.plans import get_agency
from web.planning import PlannedStep
from web.reading import Reader, section_rank
from web.tracking import DONE_TRACKING, Tracking
from web.views import Dashboard, Filters, Month, Shown, UnitFigures, UpcomingDay

PAGE_SIZE = 100
UPCOMING_DAYS = 14
UPCOMING_LISTED = 60


@dataclass(frozen=True)
class _Board:
    """What a plan's dashboard shows whatever the filters, at one minute."""

    shown: list[Shown]
    counts: Counter[Tracking]
    units: list[UnitFigures]
    sections: list[tuple[str, str]]
    months: list[Month]
    upcoming: list[PlannedStep]
    upcoming_total: int
    upcoming_days: list[UpcomingDay]
    names: dict[str, str]
    tasks: int


@lru_cache(maxsize=65536)
def _folded(text: str) -> str:
    return fold(text)


def _step_order(planned: PlannedStep) -> tuple[datetime, str]:
    return (planned.step.at, planned.row.task_code)


class DashboardReading:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.settings = reader.settings
        # Each plan's dashboard's filter-free part, with the rows' stamp and the minute it is of.
        self._boards: dict[int, tuple[object, _Board]] = {}

    def dashboard(self, plan_key: str, filters: Filters, now: datetime) -> Dashboard:
        """The plan's dashboard. What does not depend on the filters is computed once per
        minute and per change of the plan (a plan of ten thousand tasks takes a fifth of a
        second to classify, count and schedule); the filters and the page are applied to it."""
        with session_scope(self.settings.resolved_database_url()) as session:
            plan = self.reader.plan_of(session, plan_key)
            assert plan.id is not None
            rows = self.reader.rows_in(session, plan)
            stamp = self.reader.rows_stamp(plan.id)
            minute = now.replace(second=0, microsecond=0)
            kept = self._boards.get(plan.id)
            if kept is not None and kept[0] == (stamp, minute):
                board = kept[1]
            else:
                names = self.reader.unit_names(session)
                coordinators = self.reader.role_units(session, plan.agency_id)
                board = self._board(plan, rows, names, coordinators, minute)
                self._boards[plan.id] = ((stamp, minute), board)
            agency = get_agency(session, plan)
        wanted = filters.section or filters.unit or filters.state or filters.text
        matching = [s for s in board.shown if _matches(s, filters)] if wanted else board.shown
        pages = max(1, math.ceil(len(matching) / PAGE_SIZE))
        page = min(max(filters.page, 1), pages)
        filters.page = page
        return Dashboard(
            plan=plan,
            agency=agency,
            filters=filters,
            now=now,
            counts=board.counts,
            units=board.units,
            sections=board.sections,
            shown=matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            matching=len(matching),
            pages=pages,
            months=board.months,
            upcoming=board.upcoming,
            upcoming_total=board.upcoming_total,
            upcoming_days=board.upcoming_days,
            unit_names=board.names,
            tasks=board.tasks,
        )

    def _board(
        self,
        plan: Plan,
        rows: list[MilestoneRow],
        names: dict[str, str],
        coordinators: tuple[str, str],
        now: datetime,
    ) -> _Board:
        shown = self.reader.shown(rows, self.reader.tracking_clock(now, plan.year))
        units: dict[str, UnitFigures] = {}
        sections: dict[str, str] = {}
        for item in shown:
            sections.setdefault(item.row.section, item.row.section_title)
            for code in item.row.lead_units:
                figures = units.get(code)
                if figures is None:
                    figures = units[code] = UnitFigures(code, names.get(code, code), Counter())
                figures.counts[item.tracking] += 1
        upcoming = self.reader.planned.upcoming(
            (s.row for s in shown if s.tracking not in DONE_TRACKING),
            plan.year,
            now=now,
            days=UPCOMING_DAYS,
            coordinator=coordinators[0],
            leadership=coordinators[1],
        )
        return _Board(
            shown=shown,  # in the plan's order, as the rows are kept
            counts=Counter(s.tracking for s in shown),
            units=sorted(units.values(), key=lambda u: (-u.counts[Tracking.OVERDUE], u.name)),
            sections=sorted(sections.items(), key=lambda item: (section_rank(item[0]), item[0])),
            months=self._months(shown, plan.year),
            upcoming=heapq.nsmallest(UPCOMING_LISTED, upcoming, key=_step_order),
            upcoming_total=len(upcoming),
            upcoming_days=_by_day(upcoming, now),
            names=names,
            tasks=len({s.row.task_id for s in shown}),
        )

    def _months(self, shown: list[Shown], year: int) -> list[Month]:
        """Milestones by the month of the plan year they are due in (Vietnam time)."""
        starts = [local_instant(date(year, m, 1), time(0, 0)) for m in range(1, 13)]
        end = local_instant(date(year + 1, 1, 1), time(0, 0))
        months = [Month(m, Counter()) for m in range(1, 13)]
        for item in shown:
            due = item.row.due_at
            if due is None or due < starts[0] or due >= end:
                continue
            months[bisect.bisect_right(starts, due) - 1].counts[item.tracking] += 1
        return months


def _matches(shown: Shown, filters: Filters) -> bool:
    row = shown.row
    if filters.section and row.section != filters.section:
        return False
    if (
        filters.unit
        and filters.unit not in row.lead_units
        and filters.unit not in row.coordinating_units
    ):
        return False
    if filters.state and shown.tracking != filters.state:
        return False
    if filters.text:
        wanted = _folded(filters.text)
        if wanted not in _folded(f"{row.task_code} {row.title}"):
            return False
    return True


def _by_day(upcoming: list[PlannedStep], now: datetime) -> list[UpcomingDay]:
    """How many steps of each kind go out on each of the coming days."""
    today = local_day(now)
    days = [today + timedelta(days=n) for n in range(UPCOMING_DAYS + 2)]
    starts = [local_instant(day, time(0, 0)) for day in days]
    counts: dict[date, Counter[str]] = {}
    for planned in upcoming:
        index = bisect.bisect_right(starts, planned.step.at) - 1
        counts.setdefault(days[max(index, 0)], Counter())[planned.step.action] += 1
    return [UpcomingDay(day, found) for day, found in sorted(counts.items())]
