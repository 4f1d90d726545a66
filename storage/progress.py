"""What the engine records of a plan's progress: the projection the dashboard and reports
read, and the lasting record (the dev server forgets closed workflows after a day).

Every function is idempotent: activities are retried, and a retry must change nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

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
    task = find_task(session, plan_key=snapshot.plan_key, task_code=snapshot.task_code)
    assert task.id is not None
    task.status = snapshot.display_status
    task.lead_units = list(snapshot.lead_units)
    task.next_action = snapshot.next_action.action if snapshot.next_action else ""
    task.next_action_at = snapshot.next_action.at if snapshot.next_action else None
    session.add(task)
    existing = {
        m.key: m for m in session.exec(select(Milestone).where(Milestone.task_id == task.id))
    }
    for order, view in enumerate(snapshot.milestones, start=1):
        row = existing.get(view.key) or Milestone(
            task_id=task.id, key=view.key, order=order, text=""
        )
        row.order = order
        row.label = view.label
        row.kind = view.kind
        row.event_key = view.event_key
        row.due_at = view.due
        row.status = view.status
        row.closed_at = view.closed_at
        session.add(row)
    task.projection_version = bump_projection_version(
        session, plan_id=task.plan_id, task_id=task.id
    )
    session.add(task)


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
