"""What the web app's pages read: the projection of every task and milestone of a plan in one
query, as plain rows (no ORM objects: a plan of ten thousand tasks is read in tens of
milliseconds), the units, and the notification log of a task or of the leadership."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import String, and_, select, type_coerce
from sqlmodel import Session, col
from sqlmodel import select as sql_select

from models.payloads import MessageKind
from models.statuses import MilestoneStatus
from models.tables import (
    Milestone,
    NotificationLog,
    Plan,
    ProjectionVersion,
    Task,
    Unit,
    UnitRole,
)


class MilestoneRow(NamedTuple):
    """One milestone of a task as the engine recorded it; `key` is None for a task the engine
    has not started (nothing recorded of its milestones yet). A named tuple: thousands are
    made for each dashboard."""

    task_id: int
    task_code: str
    section: str
    section_title: str
    row: int
    title: str
    lead_units: tuple[str, ...]
    coordinating_units: tuple[str, ...]
    deadline_text: str
    task_status: str | None
    next_action: str
    next_action_at: datetime | None
    key: str | None
    order: int
    label: str
    kind: str | None
    event_key: str | None
    due_at: datetime | None
    status: str | None
    closed_at: datetime | None


# The unit lists and instants are read as the driver gives them (text on SQLite) and decoded
# below (`_units`, `_instant`).
_COLUMNS = (
    Task.id,
    Task.code,
    Task.section,
    Task.section_title,
    Task.row,
    Task.title,
    type_coerce(Task.lead_units, String),
    type_coerce(Task.coordinating_units, String),
    Task.deadline_text,
    Task.status,
    Task.next_action,
    type_coerce(Task.next_action_at, String),
    Milestone.key,
    Milestone.order,
    Milestone.label,
    Milestone.kind,
    Milestone.event_key,
    type_coerce(Milestone.due_at, String),
    Milestone.status,
    type_coerce(Milestone.closed_at, String),
)


def milestone_rows(
    session: Session,
    plan_id: int,
    *,
    task_code: str | None = None,
    written_after: int | None = None,
) -> list[MilestoneRow]:
    """Every task of the plan (or the one of `task_code`, or those the engine wrote after the
    projection version `written_after`) with each of its milestones (a task without any: one
    row with `key` None), in no particular order."""
    query = (
        select(*_COLUMNS)  # type: ignore[call-overload]
        .select_from(Task)
        .outerjoin(Milestone, and_(col(Milestone.task_id) == col(Task.id)))
        .where(col(Task.plan_id) == plan_id)
    )
    if task_code is not None:
        query = query.where(col(Task.code) == task_code)
    if written_after is not None:
        query = query.where(col(Task.projection_version) > written_after)
    # Straight to the driver: the rows are decoded here, once.
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect)
    if compiled.positional:
        params: Any = tuple(compiled.params[name] for name in compiled.positiontup or ())
    else:
        params = compiled.params
    instant = _instant
    units = _units
    return [
        MilestoneRow(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            units(r[6]),
            units(r[7]),
            r[8],
            r[9],
            r[10] or "",
            instant(r[11]) if r[11] is not None else None,
            r[12],
            r[13] or 0,
            r[14] or "",
            r[15],
            r[16],
            instant(r[17]) if r[17] is not None else None,
            _STATUSES.get(r[18], r[18]),
            instant(r[19]) if r[19] is not None else None,
        )
        for r in connection.exec_driver_sql(compiled.string, params).fetchall()
    ]


# The database keeps an enum by its name (what SQLAlchemy writes); rows read past SQLAlchemy
# get it back here.
_STATUSES: dict[str | None, str] = {
    **{status.name: status for status in MilestoneStatus},
    **{status.value: status for status in MilestoneStatus},
}


def _units(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return _decoded_units(value)
    assert isinstance(value, list | tuple)
    return tuple(str(code) for code in value)


@lru_cache(maxsize=4096)
def _decoded_units(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


def _instant(value: object) -> datetime | None:
    """An aware UTC instant, as `UtcDateTime` gives it (stored in UTC; SQLite keeps no zone)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return _parsed_instant(str(value))


@lru_cache(maxsize=65536)
def _parsed_instant(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def list_plans(session: Session, *, agency_id: int | None = None) -> list[Plan]:
    """Every stored plan (of one agency, when given), the newest year first."""
    query = sql_select(Plan)
    if agency_id is not None:
        query = query.where(Plan.agency_id == agency_id)
    return list(session.exec(query.order_by(col(Plan.year).desc(), col(Plan.key))))


def list_units(session: Session) -> list[Unit]:
    return list(session.exec(sql_select(Unit).order_by(col(Unit.id))))


def unit_of_role(session: Session, role: UnitRole, *, agency_id: int | None = None) -> str | None:
    """The unit of that role (of one agency, when given: each agency has its own)."""
    query = sql_select(Unit).where(Unit.role == role)
    if agency_id is not None:
        query = query.where(Unit.agency_id == agency_id)
    unit = session.exec(query.order_by(col(Unit.id))).first()
    return unit.code if unit is not None else None


def units_of_role(session: Session, role: UnitRole, *, agency_id: int | None = None) -> list[str]:
    """Every agency's unit of that role (or one agency's)."""
    query = sql_select(Unit.code).where(Unit.role == role)
    if agency_id is not None:
        query = query.where(Unit.agency_id == agency_id)
    return list(session.exec(query.order_by(col(Unit.id))))


def notifications_of_task(
    session: Session, *, plan_key: str, task_code: str
) -> list[NotificationLog]:
    """The task's messages, with those about several tasks that listed it (an event's
    `clocks_started`: its details name the tasks each unit was told of)."""
    own = list(
        session.exec(
            sql_select(NotificationLog).where(
                NotificationLog.plan_key == plan_key, NotificationLog.task_code == task_code
            )
        )
    )
    listing = session.exec(
        sql_select(NotificationLog).where(
            NotificationLog.plan_key == plan_key,
            NotificationLog.task_code == "",
            NotificationLog.kind == MessageKind.CLOCKS_STARTED,
        )
    )
    listed = [row for row in listing if task_code in row.details.get("task_codes", [])]
    return sorted(own + listed, key=lambda row: (row.scheduled_at, row.id or 0))


def escalations_received(
    session: Session, *, unit_codes: list[str], limit: int = 200
) -> list[NotificationLog]:
    """The escalations the leadership received (or that wait for their summary), newest first."""
    return list(
        session.exec(
            sql_select(NotificationLog)
            .where(
                col(NotificationLog.unit_code).in_(unit_codes),
                col(NotificationLog.kind).in_(
                    [MessageKind.ESCALATION_LEADERSHIP, MessageKind.ESCALATION_COORDINATOR]
                ),
            )
            .order_by(col(NotificationLog.scheduled_at).desc(), col(NotificationLog.id).desc())
            .limit(limit)
        )
    )


def lead_units(session: Session, plan_id: int) -> list[str]:
    """The units that lead a task of the plan, in the plan's order."""
    found: dict[str, None] = {}
    for codes in session.exec(
        sql_select(Task.lead_units).where(Task.plan_id == plan_id).order_by(col(Task.id))
    ):
        found.update(dict.fromkeys(codes))
    return list(found)


def projection_version(session: Session, plan_id: int) -> tuple[int, int]:
    """How many times the engine wrote the plan's projection (0: never), and the version of
    its last write that named no task (the whole plan to read again)."""
    row = session.exec(
        sql_select(ProjectionVersion.version, ProjectionVersion.whole_version).where(
            ProjectionVersion.plan_id == plan_id
        )
    ).first()
    return (row[0], row[1]) if row is not None else (0, 0)
