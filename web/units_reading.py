"""The units as the pages read them: a unit's own work in every plan (its page, its calendar
feed), and the directory (names, the offices, an agency's units, a unit's agency)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from models.tables import Unit, UnitRole
from storage import access as access_store
from storage.agencies import unit_agency_code
from storage.db import session_scope
from storage.overview import list_plans, list_units, units_of_role
from web.reading import Reader, agency_id_of, order_of
from web.task_reading import EXTENSION_ACTIONS, pending_extension
from web.tracking import OPEN_TRACKING
from web.views import NotFound, UnitPage, UnitWork


class UnitsReading:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.settings = reader.settings

    def unit(self, unit_code: str, now: datetime) -> UnitPage:
        """The unit's own work: the milestones of the tasks it leads or coordinates, in every
        plan; nothing of other units' tasks."""
        with session_scope(self.settings.resolved_database_url()) as session:
            unit = next((u for u in list_units(session) if u.code == unit_code), None)
            if unit is None:
                raise NotFound("no_such_unit")
            work: list[UnitWork] = []
            # A unit is one agency's: only that agency's plans can name it.
            for plan in list_plans(session, agency_id=unit.agency_id):
                assert plan.id is not None
                rows = [
                    r
                    for r in self.reader.rows_in(session, plan)
                    if unit_code in r.lead_units or unit_code in r.coordinating_units
                ]
                if not rows:
                    continue
                extensions = access_store.audit_of_actions(
                    session, plan_key=plan.key, actions=(*EXTENSION_ACTIONS, "reject_evidence")
                )
                clock = self.reader.tracking_clock(now, plan.year)
                for item in sorted(self.reader.shown(rows, clock), key=order_of):
                    mine = [
                        a
                        for a in extensions
                        if a.task_code == item.row.task_code and a.milestone_key == item.row.key
                    ]
                    decisions = [a for a in mine if a.action in EXTENSION_ACTIONS]
                    rejections = [a for a in mine if a.action == "reject_evidence"]
                    refusals = [a for a in decisions if a.action == "refuse_extension"]
                    work.append(
                        UnitWork(
                            plan=plan,
                            shown=item,
                            leads=unit_code in item.row.lead_units,
                            pending_extension=pending_extension(decisions, item.row.key or ""),
                            last_refusal=refusals[-1] if refusals else None,
                            rejection=rejections[-1]
                            if rejections and item.tracking in OPEN_TRACKING
                            else None,
                        )
                    )
        return UnitPage(unit, work, Counter(w.shown.tracking for w in work if w.leads))

    def all_unit_names(self) -> dict[str, str]:
        with session_scope(self.settings.resolved_database_url()) as session:
            return self.reader.unit_names(session)

    def lead_candidates(self, agency_id: int) -> dict[str, str]:
        """The units that may lead a task of the agency's plan: its own units, the coordinator's
        office among them, never the leadership (who assigns the work, not does it)."""
        with session_scope(self.settings.resolved_database_url()) as session:
            return {
                unit.code: unit.name
                for unit in list_units(session)
                if unit.agency_id == agency_id and unit.role is not UnitRole.LEADERSHIP
            }

    def office_units(self) -> set[str]:
        """The units that are an agency's coordinator's office or leadership."""
        with session_scope(self.settings.resolved_database_url()) as session:
            return {
                *units_of_role(session, UnitRole.COORDINATOR),
                *units_of_role(session, UnitRole.LEADERSHIP),
            }

    def units_of(self, agency: str) -> list[Unit]:
        """Every unit, or one agency's (by its code; "" for every agency's)."""
        with session_scope(self.settings.resolved_database_url()) as session:
            agency_id = agency_id_of(session, agency)
            return [u for u in list_units(session) if agency_id is None or u.agency_id == agency_id]

    def unit_agency(self, unit_code: str) -> str | None:
        with session_scope(self.settings.resolved_database_url()) as session:
            return unit_agency_code(session, unit_code)
