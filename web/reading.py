"""What each page shows (its shapes are `web.views`'), read from the database projection
(never a Temporal query per row): the plans side by side, a plan's dashboard, one task, one
unit's own work, the leadership's overview."""

from __future__ import annotations

import bisect
import heapq
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from sqlmodel import Session

from deadlines import (
    DeadlineRefused,
    PlannedMilestone,
    plan_milestones,
)
from deadlines.local_time import local_day, local_instant
from models.tables import (
    Agency,
    AuditEntry,
    Plan,
    UnitRole,
)
from plan_import.text import fold, roman_value
from settings import Settings
from storage import access as access_store
from storage.agencies import UnknownAgency, agency_of_code, list_agencies
from storage.db import session_scope
from storage.overview import (
    MilestoneRow,
    escalations_received,
    list_plans,
    list_units,
    milestone_rows,
    notifications_of_task,
    units_of_role,
)
from storage.plan_rows import KeptPlanRows
from storage.plans import get_agency, get_plan, get_task
from web.planning import PlannedStep, PlannedSteps, recipients
from web.readings import written_year
from web.tracking import (
    DONE_TRACKING,
    Tracking,
    TrackingClock,
    tracking_of,
)
from web.views import (
    Dashboard,
    Filters,
    MilestoneDetail,
    Month,
    NotFound,
    OverdueLine,
    Overview,
    PlanSummary,
    Shown,
    TaskDetail,
    UnitFigures,
    UpcomingDay,
)

PAGE_SIZE = 100
UPCOMING_DAYS = 14
UPCOMING_LISTED = 60
EXTENSION_ACTIONS = ("request_extension", "grant_extension", "refuse_extension")


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


@lru_cache(maxsize=256)
def section_rank(section: str) -> int:
    return roman_value(section) or 0


def order_of(shown: Shown) -> tuple[int, str, int, int]:
    row = shown.row
    return (section_rank(row.section), row.section, row.row, row.order)


def _step_order(planned: PlannedStep) -> tuple[datetime, str]:
    return (planned.step.at, planned.row.task_code)


class Reader:
    """Every page's data, from the database of these settings, at the app's clock."""

    def __init__(self, settings: Settings, planned: PlannedSteps) -> None:
        self.settings = settings
        self.planned = planned
        # Each plan's rows as last read; and its dashboard's filter-free part, with the rows'
        # stamp and the minute it is of.
        self._rows = KeptPlanRows()
        self._boards: dict[int, tuple[object, _Board]] = {}

    def _plan_rows(self, session: Session, plan: Plan) -> list[MilestoneRow]:
        """The plan's rows in the plan's order, read again only as far as the engine or an
        import changed them."""
        return self._rows.rows(session, plan)

    def tracking_clock(self, now: datetime, plan_year: int) -> TrackingClock:
        return TrackingClock.on(now, self.planned.due_soon_until(local_day(now), plan_year))

    def shown(self, rows: Iterable[MilestoneRow], clock: TrackingClock) -> list[Shown]:
        return [Shown(row, tracking_of(row.status, row.due_at, clock)) for row in rows]

    def unit_names(self, session: Session) -> dict[str, str]:
        return {unit.code: unit.name for unit in list_units(session)}

    def role_units(self, session: Session, agency_id: int) -> tuple[str, str]:
        """The coordinator and the leadership of the agency (each agency has its own)."""
        coordinator = leadership = ""
        for unit in list_units(session):
            if unit.agency_id != agency_id:
                continue
            if unit.role is UnitRole.COORDINATOR:
                coordinator = unit.code
            elif unit.role is UnitRole.LEADERSHIP:
                leadership = unit.code
        return coordinator, leadership

    # ----------------------------------------------------------------------------- plans

    def agencies(self) -> list[Agency]:
        """The agencies whose plans are stored, by name."""
        with session_scope(self.settings.resolved_database_url()) as session:
            return list_agencies(session)

    def plans(self, now: datetime, *, agency: str = "") -> list[PlanSummary]:
        """Every plan (of one agency, when its code is given), by agency, newest year first."""
        with session_scope(self.settings.resolved_database_url()) as session:
            agencies = {a.id: a for a in list_agencies(session)}
            agency_id = agency_id_of(session, agency)
            summaries: list[PlanSummary] = []
            for plan in list_plans(session, agency_id=agency_id):
                assert plan.id is not None
                shown = self.shown(
                    self._plan_rows(session, plan), self.tracking_clock(now, plan.year)
                )
                summaries.append(
                    PlanSummary(
                        plan,
                        Counter(s.tracking for s in shown),
                        len({s.row.task_id for s in shown}),
                        agencies.get(plan.agency_id),
                    )
                )
        # Grouped by agency (stable: each agency's newest year first still).
        return sorted(
            summaries, key=lambda s: (s.agency.name, s.agency.code) if s.agency else ("", "")
        )

    def plan_agency(self, plan_key: str) -> str:
        """The code of the plan's agency."""
        with session_scope(self.settings.resolved_database_url()) as session:
            return get_agency(session, self._plan(session, plan_key)).code

    def _plan(self, session: Session, plan_key: str) -> Plan:
        plan = get_plan(session, plan_key)
        if plan is None or plan.id is None:
            raise NotFound("no_such_plan")
        return plan

    def dashboard(self, plan_key: str, filters: Filters, now: datetime) -> Dashboard:
        """The plan's dashboard. What does not depend on the filters is computed once per
        minute and per change of the plan (a plan of ten thousand tasks takes a fifth of a
        second to classify, count and schedule); the filters and the page are applied to it."""
        with session_scope(self.settings.resolved_database_url()) as session:
            plan = self._plan(session, plan_key)
            assert plan.id is not None
            rows = self._plan_rows(session, plan)
            stamp = self._rows.stamp(plan.id)
            minute = now.replace(second=0, microsecond=0)
            kept = self._boards.get(plan.id)
            if kept is not None and kept[0] == (stamp, minute):
                board = kept[1]
            else:
                names = self.unit_names(session)
                coordinators = self.role_units(session, plan.agency_id)
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
        shown = self.shown(rows, self.tracking_clock(now, plan.year))
        units: dict[str, UnitFigures] = {}
        sections: dict[str, str] = {}
        for item in shown:
            sections.setdefault(item.row.section, item.row.section_title)
            for code in item.row.lead_units:
                figures = units.get(code)
                if figures is None:
                    figures = units[code] = UnitFigures(code, names.get(code, code), Counter())
                figures.counts[item.tracking] += 1
        upcoming = self.planned.upcoming(
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

    def everything(self, plan_key: str, now: datetime) -> tuple[Plan, list[Shown], dict[str, str]]:
        """Every milestone of the plan in the plan's order, and the units' names (exports)."""
        with session_scope(self.settings.resolved_database_url()) as session:
            plan = self._plan(session, plan_key)
            assert plan.id is not None
            rows = self._plan_rows(session, plan)
            names = self.unit_names(session)
        shown = sorted(self.shown(rows, self.tracking_clock(now, plan.year)), key=order_of)
        return plan, shown, names

    # ----------------------------------------------------------------------------- one task

    def task(self, plan_key: str, task_code: str, now: datetime) -> TaskDetail:
        with session_scope(self.settings.resolved_database_url()) as session:
            plan = self._plan(session, plan_key)
            assert plan.id is not None
            rows = milestone_rows(session, plan.id, task_code=task_code)
            if not rows:
                raise NotFound("no_such_task")
            names = self.unit_names(session)
            coordinator, leadership = self.role_units(session, plan.agency_id)
            evidence = access_store.evidence_of_task(
                session, plan_key=plan_key, task_code=task_code
            )
            reviews = access_store.reviews_of(session, [e.id for e in evidence if e.id is not None])
            notifications = notifications_of_task(session, plan_key=plan_key, task_code=task_code)
            audit = access_store.audit_of_task(session, plan_key=plan_key, task_code=task_code)
            stored = get_task(session, plan_key=plan_key, task_code=task_code)
            corrections = list(stored.corrections) if stored is not None else []
        clock = self.tracking_clock(now, plan.year)
        shown = sorted(self.shown(rows, clock), key=order_of)
        extensions = [a for a in audit if a.action in EXTENSION_ACTIONS and a.outcome == "done"]
        milestones = [
            MilestoneDetail(
                shown=item,
                planned=[
                    PlannedStep(step, item.row, reached)
                    for step in self.planned.steps_of(item.row, plan.year, after=now)
                    if (reached := recipients(item.row, step.audience, coordinator, leadership))
                ],
                evidence=[e for e in evidence if e.milestone_key == item.row.key],
                reviews=reviews,
                pending_extension=pending_extension(extensions, item.row.key or ""),
                extension_decisions=[
                    a
                    for a in extensions
                    if a.milestone_key == item.row.key and a.action != "request_extension"
                ],
            )
            for item in shown
        ]
        readings: list[PlannedMilestone] = []
        refused = ""
        try:
            readings = self._readings(rows[0].deadline_text, rows[0].title, task_code, plan)
        except DeadlineRefused as error:
            refused = error.reason
        return TaskDetail(
            plan=plan,
            task=shown[0].row,
            milestones=milestones,
            notifications=notifications,
            audit=audit,
            unit_names=names,
            readings=readings,
            reading_refused=refused,
            now=now,
            corrections=corrections,
        )

    def milestone(
        self, plan_key: str, task_code: str, milestone_key: str, now: datetime
    ) -> tuple[Plan, Shown]:
        with session_scope(self.settings.resolved_database_url()) as session:
            plan = self._plan(session, plan_key)
            assert plan.id is not None
            rows = milestone_rows(session, plan.id, task_code=task_code)
        if not rows:
            raise NotFound("no_such_task")
        row = next((r for r in rows if r.key == milestone_key), None)
        if row is None:
            raise NotFound("no_such_milestone")
        return plan, Shown(
            row, tracking_of(row.status, row.due_at, self.tracking_clock(now, plan.year))
        )

    # ----------------------------------------------------------------------------- a unit

    # ----------------------------------------------------------------------------- leadership

    def overview(self, now: datetime, *, agency: str = "") -> Overview:
        """The leadership's view of every plan (of one agency, when its code is given)."""
        summaries: list[PlanSummary] = []
        overdue: list[OverdueLine] = []
        units: dict[str, UnitFigures] = {}
        with session_scope(self.settings.resolved_database_url()) as session:
            names = self.unit_names(session)
            agencies = {a.id: a for a in list_agencies(session)}
            agency_id = agency_id_of(session, agency)
            leadership = units_of_role(session, UnitRole.LEADERSHIP, agency_id=agency_id)
            for plan in list_plans(session, agency_id=agency_id):
                assert plan.id is not None
                shown = self.shown(
                    self._plan_rows(session, plan), self.tracking_clock(now, plan.year)
                )
                summaries.append(
                    PlanSummary(
                        plan,
                        Counter(s.tracking for s in shown),
                        len({s.row.task_id for s in shown}),
                        agencies.get(plan.agency_id),
                    )
                )
                for item in shown:
                    for code in item.row.lead_units:
                        figures = units.get(code)
                        if figures is None:
                            figures = units[code] = UnitFigures(
                                code, names.get(code, code), Counter()
                            )
                        figures.counts[item.tracking] += 1
                    if item.tracking is Tracking.OVERDUE and item.row.due_at is not None:
                        overdue.append(OverdueLine(plan, item, (now - item.row.due_at).days))
            escalations = escalations_received(session, unit_codes=leadership)
        overdue.sort(key=lambda line: -line.days_overdue)
        return Overview(
            summaries=summaries,
            overdue=overdue,
            units=sorted(units.values(), key=lambda u: (-u.counts[Tracking.OVERDUE], u.name)),
            escalations=escalations,
            unit_names=names,
            now=now,
        )

    def plan_of(self, session: Session, plan_key: str) -> Plan:
        """The plan of this key, or NotFound (for the readers beside this one)."""
        return self._plan(session, plan_key)

    def rows_in(self, session: Session, plan: Plan) -> list[MilestoneRow]:
        """The plan's rows, as `_plan_rows` keeps them (for the readers beside this one)."""
        return self._plan_rows(session, plan)

    def stored_plan(self, plan_key: str) -> Plan | None:
        with session_scope(self.settings.resolved_database_url()) as session:
            return get_plan(session, plan_key)

    def plan_rows(self, plan_key: str) -> tuple[Plan, list[MilestoneRow]]:
        """The plan and its rows as the projection holds them now."""
        with session_scope(self.settings.resolved_database_url()) as session:
            plan = self._plan(session, plan_key)
            return plan, self._plan_rows(session, plan)

    def readings(self, text: str, title: str, task_code: str, plan: Plan) -> list[PlannedMilestone]:
        """The milestones a deadline text reads as in the plan's year (a plan written for
        another year read as the importer moved it); none when it cannot be read."""
        try:
            return self._readings(text, title, task_code, plan)
        except DeadlineRefused:
            return []

    def _readings(
        self, text: str, title: str, task_code: str, plan: Plan
    ) -> list[PlannedMilestone]:
        written = written_year(plan)
        return plan_milestones(
            text,
            year=plan.year,
            task_title=title,
            calendar=self.settings.working_calendar(plan.year),
            policy=self.planned.policy(task_code),
            written_year=written if written != plan.year else None,
            last_year=plan.last_year,
        )


def pending_extension(decisions: list[AuditEntry], milestone_key: str) -> AuditEntry | None:
    """The latest extension request of the milestone when no decision followed it."""
    pending: AuditEntry | None = None
    for entry in decisions:
        if entry.milestone_key != milestone_key:
            continue
        pending = entry if entry.action == "request_extension" else None
    return pending


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


def agency_id_of(session: Session, code: str) -> int | None:
    """The id of the agency a page filters on (`?agency=`); None for every agency."""
    if not code:
        return None
    try:
        return agency_of_code(session, code).id
    except UnknownAgency as error:
        raise NotFound("no_such_agency") from error
