"""The agencies whose plans the database holds, and the plans listed with their agency and how
many of their tasks are open and overdue, for one agency or all: what `scheduler.py plans`, the
verbs' --agency and the web app's home page read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.statuses import CLOSED_DISPLAY_STATUSES, DisplayStatus
from models.tables import Agency, Plan, Task, Unit


class UnknownAgency(LookupError):
    """No agency of that code has a plan in the database; the message names the known ones."""


@dataclass(frozen=True)
class PlanLine:
    """A stored plan as the list shows it."""

    key: str
    agency_code: str
    agency_name: str
    year: int
    last_year: int | None
    number: str
    title: str
    started_at: datetime | None
    tasks: int
    # Tasks not closed (those the engine has not reported on yet included), and overdue ones.
    open: int
    overdue: int

    @property
    def started(self) -> bool:
        return self.started_at is not None

    @property
    def years(self) -> str:
        return f"{self.year}–{self.last_year}" if self.last_year else str(self.year)


def list_agencies(session: Session) -> list[Agency]:
    """Every agency the database knows (one per imported plan's agency), by name."""
    return list(session.exec(select(Agency).order_by(col(Agency.name), col(Agency.code))))


def agency_of_code(session: Session, code: str) -> Agency:
    """The agency of this code; an unknown code is refused naming the known ones."""
    agency = session.exec(select(Agency).where(Agency.code == code)).first()
    if agency is not None:
        return agency
    known = ", ".join(a.code for a in list_agencies(session)) or "none: no plan is imported yet"
    raise UnknownAgency(f"no agency {code!r} in the database; the agencies known: {known}")


def unit_agency_code(session: Session, unit_code: str) -> str | None:
    """The code of the agency a stored unit belongs to; None for a unit not stored."""
    found = session.exec(
        select(Agency.code)
        .join(Unit, col(Unit.agency_id) == col(Agency.id))
        .where(Unit.code == unit_code)
    ).first()
    return found


def plan_lines(session: Session, *, agency_code: str | None = None) -> list[PlanLine]:
    """The stored plans (of one agency, when given; an unknown code is refused), by agency and
    then newest year first, each with its task counts: two queries whatever the number of plans
    (the counts by plan and status come from the index on both)."""
    query = select(Plan, Agency).join(Agency, col(Plan.agency_id) == col(Agency.id))
    if agency_code is not None:
        agency = agency_of_code(session, agency_code)
        query = query.where(Plan.agency_id == agency.id)
    plans = session.exec(
        query.order_by(col(Agency.name), col(Plan.year).desc(), col(Plan.key))
    ).all()
    ids = [plan.id for plan, _agency in plans]
    counted = session.exec(
        select(Task.plan_id, Task.status, func.count())
        .where(col(Task.plan_id).in_(ids))
        .group_by(col(Task.plan_id), col(Task.status))
    ).all()
    tasks: dict[int, int] = {}
    still_open: dict[int, int] = {}
    overdue: dict[int, int] = {}
    for plan_id, status, count in counted:
        tasks[plan_id] = tasks.get(plan_id, 0) + count
        if status not in CLOSED_DISPLAY_STATUSES:
            still_open[plan_id] = still_open.get(plan_id, 0) + count
        if status == DisplayStatus.OVERDUE:
            overdue[plan_id] = overdue.get(plan_id, 0) + count
    return [
        PlanLine(
            key=plan.key,
            agency_code=agency.code,
            agency_name=agency.name,
            year=plan.year,
            last_year=plan.last_year,
            number=plan.number,
            title=plan.title,
            started_at=plan.started_at,
            tasks=tasks.get(plan.id or 0, 0),
            open=still_open.get(plan.id or 0, 0),
            overdue=overdue.get(plan.id or 0, 0),
        )
        for plan, agency in plans
    ]
