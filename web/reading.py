"""What the pages read from the database projection (never a Temporal query per row; the shapes
are `web.views`'): the plans' rows kept as last read and classified at a minute, the plans side
by side, one milestone, the leadership's overview, and how a deadline text reads. A plan's
dashboard (web/dashboard_reading.py), one task (web/task_reading.py) and one unit's work
(web/units_reading.py) are read on top of this."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from sqlmodel import Session

from deadlines import DeadlineRefused, PlannedMilestone, plan_milestones
from deadlines.local_time import local_day
from models.tables import Agency, Plan, UnitRole
from plan_import.text import roman_value
from settings import Settings
from storage.agencies import UnknownAgency, agency_of_code, list_agencies
from storage.db import session_scope
from storage.overview import (
    MilestoneRow,
    escalations_received,
    list_plans,
    list_units,
    milestone_rows,
    units_of_role,
)
from storage.plan_rows import KeptPlanRows
from storage.plans import get_agency, get_plan
from web.planning import PlannedSteps
from web.readings import written_year
from web.tracking import Tracking, TrackingClock, tracking_of
from web.views import NotFound, OverdueLine, Overview, PlanSummary, Shown, UnitFigures


@lru_cache(maxsize=256)
def section_rank(section: str) -> int:
    return roman_value(section) or 0


def order_of(shown: Shown) -> tuple[int, str, int, int]:
    row = shown.row
    return (section_rank(row.section), row.section, row.row, row.order)


class Reader:
    """The pages' common reading, from the database of these settings, at the app's clock."""

    def __init__(self, settings: Settings, planned: PlannedSteps) -> None:
        self.settings = settings
        self.planned = planned
        # Each plan's rows as last read: the dashboards, tasks and units read on them.
        self._rows = KeptPlanRows()

    def _plan_rows(self, session: Session, plan: Plan) -> list[MilestoneRow]:
        """The plan's rows in the plan's order, read again only as far as the engine or an
        import changed them."""
        return self._rows.rows(session, plan)

    def rows_stamp(self, plan_id: int) -> tuple[int, datetime]:
        """What the plan's rows were last read at: a reading kept from them holds while it
        stays the same."""
        return self._rows.stamp(plan_id)

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

    def everything(self, plan_key: str, now: datetime) -> tuple[Plan, list[Shown], dict[str, str]]:
        """Every milestone of the plan in the plan's order, and the units' names (exports)."""
        with session_scope(self.settings.resolved_database_url()) as session:
            plan = self._plan(session, plan_key)
            assert plan.id is not None
            rows = self._plan_rows(session, plan)
            names = self.unit_names(session)
        shown = sorted(self.shown(rows, self.tracking_clock(now, plan.year)), key=order_of)
        return plan, shown, names

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
            return self.deadline_milestones(text, title, task_code, plan)
        except DeadlineRefused:
            return []

    def deadline_milestones(
        self, text: str, title: str, task_code: str, plan: Plan
    ) -> list[PlannedMilestone]:
        """The milestones the deadline text reads as; raises DeadlineRefused when it cannot."""
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


def agency_id_of(session: Session, code: str) -> int | None:
    """The id of the agency a page filters on (`?agency=`); None for every agency."""
    if not code:
        return None
    try:
        return agency_of_code(session, code).id
    except UnknownAgency as error:
        raise NotFound("no_such_agency") from error
