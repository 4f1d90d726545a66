"""Plans and their tasks in the database, as the importer read them.

Storing is idempotent: the same file twice changes nothing (not even the import time); a changed
file updates what changed and says so. What the engine writes on a task (status, next action,
milestones) is never touched here, and neither are the lead units of a task the engine has
started: from then on they are the engine's (`reassign` changes them), so a restart that stores
the file again never undoes a reassignment.
"""

from __future__ import annotations

from dataclasses import field
from datetime import UTC, datetime
from typing import Any

from pydantic import computed_field
from pydantic.dataclasses import dataclass
from sqlmodel import Session, col, select

from models.statuses import CLOSED_DISPLAY_STATUSES
from models.tables import Agency, Evidence, Milestone, Plan, Task, Unit, UnitRole
from plan_import import ImportedPlan, ImportedTask
from plan_import.text import fold, roman_value
from plan_import.units import UnitDirectory, UnitEntry

# The task fields that come from the document; the rest belongs to the engine.
TASK_FIELDS = (
    "section",
    "section_title",
    "row",
    "title",
    "lead_units",
    "coordinating_units",
    "unresolved_units",
    "deadline_text",
    "note",
    "corrections",
)
PLAN_FIELDS = (
    "agency_id",
    "number",
    "year",
    "last_year",
    "title",
    "issue_date",
    "source_name",
    "source_hash",
    "stated_task_count",
    "warnings",
)


class PlanNotStorable(ValueError):
    """The plan cannot be stored as it is; nothing was written."""


# Pydantic dataclasses: `scheduler.py import --json` prints them as they are.
@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class TaskChange:
    code: str
    fields: list[FieldChange]


@dataclass
class PlanChanges:
    plan_key: str
    created: bool = False
    plan_fields: list[FieldChange] = field(default_factory=list)
    tasks_added: list[str] = field(default_factory=list)
    tasks_removed: list[str] = field(default_factory=list)
    tasks_changed: list[TaskChange] = field(default_factory=list)
    units_added: list[str] = field(default_factory=list)
    units_changed: list[str] = field(default_factory=list)
    # Running tasks whose lead the file changes: the engine's lead stays (reassign changes it).
    leads_kept: list[TaskChange] = field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unchanged(self) -> bool:
        return not (
            self.created
            or self.plan_fields
            or self.tasks_added
            or self.tasks_removed
            or self.tasks_changed
            or self.units_added
            or self.units_changed
        )


def store_plan(
    session: Session,
    *,
    imported: ImportedPlan,
    directory: UnitDirectory | None = None,
) -> PlanChanges:
    """Upsert the agency, its units, the plan and its tasks; returns what changed.

    The units are those of the directory the plan was read with (`imported.directory`; else
    `directory`), the units the import recorded as new included, and the groups its tasks name
    as one (a collective the coordinator has not mapped to its members yet)."""
    if imported.errors:
        first = imported.errors[0]
        raise PlanNotStorable(
            f"{imported.source_name} has {len(imported.errors)} error(s), nothing was stored; "
            f"first: {first.where}: {first.message}"
        )
    directory = imported.directory or directory
    if directory is None:
        raise PlanNotStorable(f"{imported.source_name}: no unit directory to store its units by")
    if imported.agency_code != directory.agency.code:
        raise PlanNotStorable(
            f"the plan was read for agency {imported.agency_code!r}, the directory is "
            f"{directory.agency.code!r}'s"
        )
    changes = PlanChanges(plan_key=imported.key)
    agency = _store_agency(session, directory)
    assert agency.id is not None
    named = {
        code for task in imported.tasks for code in (*task.lead_units, *task.coordinating_units)
    }
    groups = [
        UnitEntry(code=group.code, name=group.name, aliases=group.aliases)
        for group in directory.groups
        if group.stands_alone and group.code in named
    ]
    _store_units(session, agency.id, [*directory.units, *groups], changes)
    plan = _store_plan_row(session, agency.id, imported, changes)
    assert plan.id is not None
    _store_tasks(session, plan.id, imported.tasks, changes)
    if not changes.unchanged:
        plan.imported_at = datetime.now(UTC)
        session.add(plan)
    session.flush()
    return changes


def _store_agency(session: Session, directory: UnitDirectory) -> Agency:
    agency = session.exec(select(Agency).where(Agency.code == directory.agency.code)).first()
    if agency is None:
        agency = Agency(code=directory.agency.code, name=directory.agency.name)
    elif agency.name != directory.agency.name:
        agency.name = directory.agency.name
    else:
        return agency
    session.add(agency)
    session.flush()
    return agency


def _store_units(
    session: Session, agency_id: int, entries: list[UnitEntry], changes: PlanChanges
) -> None:
    codes = [entry.code for entry in entries]
    stored = {u.code: u for u in session.exec(select(Unit).where(col(Unit.code).in_(codes)))}
    for entry in entries:
        wanted: dict[str, Any] = {
            "agency_id": agency_id,
            "name": entry.name,
            "aliases": list(entry.aliases),
            "role": UnitRole(entry.role),
        }
        unit = stored.get(entry.code)
        if unit is None:
            session.add(Unit(code=entry.code, **wanted))
            changes.units_added.append(entry.code)
            continue
        if unit.agency_id != agency_id:
            owner = session.get(Agency, unit.agency_id)
            raise PlanNotStorable(
                f"unit code {entry.code!r} is already {unit.name!r} of agency "
                f"{owner.code if owner else unit.agency_id} in the database; a unit code names "
                "one unit in the whole deployment: give this agency's unit a code of its own in "
                f"its directory, e.g. its agency's code before it (data/agencies/README.md)"
            )
        if any(getattr(unit, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(unit, name, value)
            session.add(unit)
            changes.units_changed.append(entry.code)


def _store_plan_row(
    session: Session, agency_id: int, imported: ImportedPlan, changes: PlanChanges
) -> Plan:
    wanted: dict[str, Any] = {
        "agency_id": agency_id,
        "number": imported.number,
        "year": imported.year,
        "last_year": imported.last_year,
        "title": imported.title,
        "issue_date": imported.issue_date,
        "source_name": imported.source_name,
        "source_hash": imported.source_hash,
        "stated_task_count": imported.stated_task_count,
        "warnings": [entry.as_dict() for entry in imported.warnings],
    }
    plan = get_plan(session, imported.key)
    if plan is None:
        plan = Plan(key=imported.key, imported_at=datetime.now(UTC), **wanted)
        changes.created = True
    else:
        _refuse_another_plan(plan, agency_id, imported)
        for name in PLAN_FIELDS:
            old = getattr(plan, name)
            if old != wanted[name]:
                changes.plan_fields.append(FieldChange(name, old, wanted[name]))
                setattr(plan, name, wanted[name])
        if not changes.plan_fields:
            return plan
    session.add(plan)
    session.flush()
    return plan


def _refuse_another_plan(stored: Plan, agency_id: int, imported: ImportedPlan) -> None:
    """The key is made of the agency, the title's initials and the year, so two plans can share
    it: a plan of another agency, or with another title and another number, is not an edit of
    the stored one and must not overwrite it."""
    # A number left blank in a draft ("Số: /KH-SNV") names no plan.
    same_number = any(c.isdigit() for c in stored.number) and stored.number == imported.number
    same_title = fold(stored.title) == fold(imported.title)
    if stored.agency_id == agency_id and (same_title or same_number):
        return
    raise PlanNotStorable(
        f"the plan key {stored.key!r} is already another plan's: {_described(stored)}, "
        f"imported from {stored.source_name}; {imported.source_name} is "
        f"{_described(imported)}. Nothing was stored: the two plans need keys of their own "
        "(made of the agency, the title's initials and the year)"
    )


def _described(plan: Plan | ImportedPlan) -> str:
    number = f" ({plan.number})" if plan.number else ""
    return f"“{plan.title}”{number}"


def _store_tasks(
    session: Session, plan_id: int, tasks: list[ImportedTask], changes: PlanChanges
) -> None:
    stored = {t.code: t for t in session.exec(select(Task).where(Task.plan_id == plan_id))}
    wanted_codes = {task.code for task in tasks}
    removed = [task for code, task in stored.items() if code not in wanted_codes]
    started = [task.code for task in removed if _engine_started(session, task)]
    if started:
        raise PlanNotStorable(
            f"task(s) {', '.join(sorted(started))} are no longer in the file but the engine has "
            "already started them: cancel them first (scheduler.py cancel), then import again"
        )
    for task in removed:
        session.delete(task)
        changes.tasks_removed.append(task.code)
    for imported in tasks:
        wanted = {name: getattr(imported, name) for name in TASK_FIELDS}
        row = stored.get(imported.code)
        if row is None:
            session.add(Task(plan_id=plan_id, code=imported.code, **wanted))
            changes.tasks_added.append(imported.code)
            continue
        if row.status is not None and row.lead_units != wanted["lead_units"]:
            lead = FieldChange("lead_units", row.lead_units, wanted.pop("lead_units"))
            changes.leads_kept.append(TaskChange(imported.code, [lead]))
        elif row.status is not None:
            wanted.pop("lead_units")
        fields = [
            FieldChange(name, getattr(row, name), value)
            for name, value in wanted.items()
            if getattr(row, name) != value
        ]
        if fields:
            for change in fields:
                setattr(row, change.field, change.new)
            session.add(row)
            changes.tasks_changed.append(TaskChange(imported.code, fields))


def _engine_started(session: Session, task: Task) -> bool:
    if task.status is not None:
        return True
    milestone = session.exec(select(Milestone.id).where(Milestone.task_id == task.id)).first()
    evidence = session.exec(select(Evidence.id).where(Evidence.task_id == task.id)).first()
    return milestone is not None or evidence is not None


def get_plan(session: Session, key: str) -> Plan | None:
    """The plan stored under this key: the one query of a plan by key."""
    return session.exec(select(Plan).where(Plan.key == key)).first()


def get_task(session: Session, *, plan_key: str, task_code: str) -> Task | None:
    """A task by its plan's key and its code: the one query of a task by code."""
    return session.exec(
        select(Task).join(Plan).where(Plan.key == plan_key, Task.code == task_code)
    ).first()


def find_unit_code(session: Session, name: str) -> str | None:
    """A stored unit by its code, name or any alias (accents, case and spacing ignored): the
    units an import accepted as new are in the database, not in the directory file."""
    for unit in session.exec(select(Unit)):
        if name == unit.code or fold(name) in {fold(unit.name), *map(fold, unit.aliases)}:
            return unit.code
    return None


def get_agency(session: Session, plan: Plan) -> Agency:
    agency = session.get(Agency, plan.agency_id)
    if agency is None:
        raise LookupError(f"plan {plan.key!r} refers to a missing agency")
    return agency


def plan_agency_code(session: Session, plan_key: str) -> str | None:
    """The code of the agency a stored plan belongs to; None for a plan not stored."""
    plan = get_plan(session, plan_key)
    return get_agency(session, plan).code if plan is not None else None


def mark_plan_started(session: Session, plan: Plan, *, now: datetime) -> None:
    """The engine started the plan's workflows (the first time counts)."""
    if plan.started_at is None:
        plan.started_at = now
        session.add(plan)


def running_plans(session: Session) -> list[Plan]:
    """The plans the engine has started and not finished (a task of theirs is still open, or
    has not reported yet), first started first."""
    started = session.exec(
        select(Plan).where(col(Plan.started_at).is_not(None)).order_by(col(Plan.started_at))
    ).all()
    running: list[Plan] = []
    for plan in started:
        statuses = session.exec(select(Task.status).where(Task.plan_id == plan.id)).all()
        if any(status not in CLOSED_DISPLAY_STATUSES for status in statuses):
            running.append(plan)
    return running


def latest_plan(session: Session, *, agency_id: int | None = None) -> Plan | None:
    """The plan imported (or changed by an import) last (of one agency, when given)."""
    query = select(Plan)
    if agency_id is not None:
        query = query.where(Plan.agency_id == agency_id)
    return session.exec(query.order_by(col(Plan.imported_at).desc(), col(Plan.id).desc())).first()


def list_tasks(session: Session, plan_key: str | None = None) -> list[Task]:
    """The tasks of one plan (or of every plan), in the plan's order: section, then row."""
    query = select(Task, Plan.key).join(Plan)
    if plan_key is not None:
        query = query.where(Plan.key == plan_key)
    rows = session.exec(query).all()
    rows_sorted = sorted(rows, key=lambda pair: (pair[1], _section_order(pair[0]), pair[0].row))
    return [task for task, _key in rows_sorted]


def _section_order(task: Task) -> int:
    return roman_value(task.section) or 0
