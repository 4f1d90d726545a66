"""What the engine records of a plan's progress: the projection the dashboard and reports
read, and the lasting record (the dev server forgets closed workflows after a day).

Every function is idempotent: activities are retried, and a retry must change nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from models.tables import Event, Evidence, Milestone, Plan, ProjectionVersion, Task
from models.workflow_messages import EventOccurrence, EventRecord, EvidenceRecord, TaskSnapshot
from storage.plans import get_plan, get_task


class UnknownTask(LookupError):
    pass


def find_task(session: Session, *, plan_key: str, task_code: str) -> Task:
    task = get_task(session, plan_key=plan_key, task_code=task_code)
    if task is None:
        raise UnknownTask(f"plan {plan_key!r} has no task {task_code!r} in the database")
    return task


def save_task_snapshot(session: Session, *, snapshot: TaskSnapshot) -> None:
    save_task_snapshots(session, [snapshot])


def save_task_snapshots(session: Session, snapshots: Sequence[TaskSnapshot]) -> None:
    """The projection of many tasks in a few statements: per plan, one read of the tasks and of
    their milestones, one statement for every task's row, one for every milestone's, one bump of
    the plan's version. Written row by row through the ORM, the projection was a fifth of the
    worker's CPU in a simulated year and on the path of every workflow task that changes it."""
    by_plan: dict[str, dict[str, TaskSnapshot]] = {}
    for snapshot in snapshots:
        # The latest snapshot of a task wins: snapshots arrive in the order they were taken.
        by_plan.setdefault(snapshot.plan_key, {})[snapshot.task_code] = snapshot
    for plan_key, latest in by_plan.items():
        _save_plan_snapshots(session, plan_key, latest)


def _save_plan_snapshots(session: Session, plan_key: str, latest: dict[str, TaskSnapshot]) -> None:
    tasks = {
        code: (task_id, plan_id)
        for task_id, code, plan_id in session.execute(
            select(Task.id, Task.code, Task.plan_id)
            .join(Plan)
            .where(Plan.key == plan_key, col(Task.code).in_(list(latest)))
        ).all()
    }
    missing = [code for code in latest if code not in tasks]
    if missing:
        raise UnknownTask(f"plan {plan_key!r} has no task {missing[0]!r} in the database")
    existing = {
        (task_id, key): milestone_id
        for milestone_id, task_id, key in session.execute(
            select(Milestone.id, Milestone.task_id, Milestone.key).where(
                col(Milestone.task_id).in_([task_id for task_id, _plan in tasks.values()])
            )
        ).all()
    }
    task_rows: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    for code, snapshot in latest.items():
        task_id, _plan = tasks[code]
        following = snapshot.next_action
        task_rows.append(
            {
                "b_id": task_id,
                "status": snapshot.display_status,
                "lead_units": list(snapshot.lead_units),
                "next_action": following.action if following else "",
                "next_action_at": following.at if following else None,
            }
        )
        for order, view in enumerate(snapshot.milestones, start=1):
            row = {
                "order": order,
                "label": view.label,
                "kind": view.kind,
                "event_key": view.event_key,
                "due_at": view.due,
                "status": view.status,
                "closed_at": view.closed_at,
            }
            milestone_id = existing.get((task_id, view.key))
            if milestone_id is None:
                added.append({**row, "task_id": task_id, "key": view.key, "text": ""})
            else:
                updated.append({**row, "b_id": milestone_id})
    # One bump for the batch, of its tasks alone: each is stamped with the version it made, so
    # a reader that kept the plan's rows reads again these tasks only.
    first_task, plan_id = next(iter(tasks.values()))
    version = bump_projection_version(session, plan_id=plan_id, task_id=first_task)
    for task_row in task_rows:
        task_row["projection_version"] = version
    task_table = Task.__table__  # type: ignore[attr-defined]
    milestone_table = Milestone.__table__  # type: ignore[attr-defined]
    session.execute(
        update(task_table)
        .where(task_table.c.id == bindparam("b_id"))
        .values({name: bindparam(name) for name in task_rows[0] if name != "b_id"}),
        task_rows,
    )
    if updated:
        session.execute(
            update(milestone_table)
            .where(milestone_table.c.id == bindparam("b_id"))
            .values({name: bindparam(name) for name in updated[0] if name != "b_id"}),
            updated,
        )
    if added:
        session.execute(insert(milestone_table), added)


def bump_projection_version(session: Session, *, plan_id: int, task_id: int | None = None) -> int:
    """The plan's projection changed (of the task `task_id` alone, when given: the caller
    stamps that task with the version returned); readers that kept a copy read again what
    changed, the whole plan when no task is named."""
    table = ProjectionVersion.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    whole = {} if task_id is not None else {"whole_version": table.c.version + 1}
    statement = insert(table).values(
        plan_id=plan_id, version=1, whole_version=0 if task_id is not None else 1
    )
    version = session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.plan_id], set_={"version": table.c.version + 1, **whole}
        ).returning(table.c.version)
    ).scalar_one()
    return int(version)


def save_evidence(session: Session, *, record: EvidenceRecord) -> None:
    task = find_task(session, plan_key=record.plan_key, task_code=record.task_code)
    assert task.id is not None
    submission = record.submission
    already = session.exec(
        select(Evidence).where(
            Evidence.task_id == task.id,
            Evidence.milestone_key == submission.milestone_key,
            Evidence.submitted_at == record.submitted_at,
        )
    ).first()
    if already is not None:
        return
    session.add(
        Evidence(
            task_id=task.id,
            milestone_key=submission.milestone_key,
            document_number=submission.document_number,
            document_date=submission.document_date,
            link=submission.link,
            file_ref=submission.file_ref,
            submitted_by=submission.submitted_by,
            note=submission.note,
            submitted_at=record.submitted_at,
            on_time=record.on_time,
        )
    )


def save_event(session: Session, *, record: EventRecord) -> None:
    plan = get_plan(session, record.plan_key)
    if plan is None:
        raise UnknownTask(f"no plan {record.plan_key!r} in the database")
    assert plan.id is not None
    event = record.event
    if event.corrects is not None:
        corrected = session.exec(
            select(Event).where(
                Event.plan_id == plan.id,
                Event.key == event.key,
                Event.occurred_on == event.corrects,
            )
        ).first()
        if corrected is not None:
            # The one row of the event, with its right date (a retry finds it below).
            corrected.occurred_on = event.occurred_on
            corrected.decision = event.decision
            corrected.due_on = event.due_on
            corrected.recorded_at = datetime.now(UTC)
            session.add(corrected)
            return
    already = session.exec(
        select(Event).where(
            Event.plan_id == plan.id, Event.key == event.key, Event.occurred_on == event.occurred_on
        )
    ).first()
    if already is not None:
        return
    session.add(
        Event(
            plan_id=plan.id,
            key=event.key,
            occurred_on=event.occurred_on,
            decision=event.decision,
            due_on=event.due_on,
            recorded_at=datetime.now(UTC),
        )
    )


def milestones_by_task(session: Session, *, plan_key: str) -> dict[str, list[Milestone]]:
    """Each task's milestones as the engine recorded them, in the task's order; by task code."""
    rows = session.exec(
        select(Task.code, Milestone)
        .join(Milestone, col(Milestone.task_id) == col(Task.id))
        .join(Plan, col(Task.plan_id) == col(Plan.id))
        .where(Plan.key == plan_key)
        .order_by(col(Task.code), col(Milestone.order))
    ).all()
    grouped: dict[str, list[Milestone]] = {}
    for code, milestone in rows:
        grouped.setdefault(code, []).append(milestone)
    return grouped


def list_events(session: Session, *, plan_key: str) -> list[EventOccurrence]:
    rows = session.exec(
        select(Event)
        .join(Plan)
        .where(Plan.key == plan_key)
        .order_by(col(Event.occurred_on), col(Event.id))
    )
    return [
        EventOccurrence(key=e.key, occurred_on=e.occurred_on, decision=e.decision, due_on=e.due_on)
        for e in rows
    ]
