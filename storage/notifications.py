"""The notification log: one row per message and unit, from queued to sent, failed or skipped.

A row's key is what makes delivery idempotent: a retried activity finds the row it wrote and
does not send again. A claim (a short lease on the row) keeps two workers from sending the same
message at once; a claim found expired, still on a row not marked sent, is a send whose outcome
nobody knows (the worker stopped after claiming), so the row counts an uncertain attempt. Also
here: the reads of the plan's progress that messages quote.

SQLite hands datetimes back without their timezone; every instant here is UTC, so rows read
back are made aware again before anyone compares them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from models.payloads import MessageKind
from models.statuses import CLOSED_MILESTONE_STATUSES, MilestoneStatus
from models.tables import (
    Evidence,
    Milestone,
    NotificationLog,
    NotificationStatus,
    Plan,
    Task,
)
from storage.plans import get_plan

# The log's channel for a message held for the unit's daily digest.
DIGEST_CHANNEL = "digest"


def as_utc(instant: datetime) -> datetime:
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def _aware(row: NotificationLog) -> NotificationLog:
    # As if loaded that way: the row must not look changed, or reading it would write it.
    for name in ("scheduled_at", "created_at", "updated_at", "claimed_until", "sent_at"):
        value = getattr(row, name)
        if value is not None and value.tzinfo is None:
            set_committed_value(row, name, as_utc(value))
    return row


def find_log(session: Session, *, key: str) -> NotificationLog | None:
    row = session.exec(select(NotificationLog).where(NotificationLog.key == key)).first()
    return _aware(row) if row is not None else None


def find_logs(session: Session, *, keys: Collection[str]) -> dict[str, NotificationLog]:
    """The rows of `keys` there are, by key: one read for a batch's messages."""
    found: dict[str, NotificationLog] = {}
    wanted = list(dict.fromkeys(keys))
    for start in range(0, len(wanted), _KEYS_AT_ONCE):
        chunk = wanted[start : start + _KEYS_AT_ONCE]
        for row in session.exec(select(NotificationLog).where(col(NotificationLog.key).in_(chunk))):
            found[row.key] = _aware(row)
    return found


# Keys in one statement: well inside SQLite's limit on a statement's parameters.
_KEYS_AT_ONCE = 500


def new_log(
    *,
    key: str,
    workflow_id: str,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    kind: MessageKind,
    unit_code: str,
    scheduled_at: datetime,
    details: dict[str, Any],
    now: datetime,
) -> NotificationLog:
    """The row of `key` as it is first written: `queued` (not added to any session)."""
    return NotificationLog(
        key=key,
        workflow_id=workflow_id,
        plan_key=plan_key,
        task_code=task_code,
        milestone_key=milestone_key,
        kind=kind.value,
        unit_code=unit_code,
        scheduled_at=scheduled_at,
        status=NotificationStatus.QUEUED,
        details=details,
        created_at=now,
        updated_at=now,
    )


def ensure_log(session: Session, first: NotificationLog) -> NotificationLog:
    """The row of `first.key`: `first` (from `new_log`), written the first time it is asked for."""
    existing = find_log(session, key=first.key)
    if existing is not None:
        return existing
    [row] = add_logs(session, [first])
    return row


def add_logs(session: Session, rows: Sequence[NotificationLog]) -> list[NotificationLog]:
    """New rows (`new_log`, of keys just read to have none) written in one flush, a batch's; a
    key another worker wrote between that read and this write is its row, read again."""
    if not rows:
        return []
    try:
        with session.begin_nested():
            session.add_all(rows)
    except IntegrityError:
        if len(rows) == 1:
            # Another worker wrote the same key between our read and our insert.
            found = find_log(session, key=rows[0].key)
            assert found is not None
            return [found]
        # One row at a time, to tell which keys were written meanwhile.
        return [row for one in rows for row in add_logs(session, [_unsaved(one)])]
    return [_aware(row) for row in rows]


def _unsaved(row: NotificationLog) -> NotificationLog:
    # The rows of a savepoint rolled back are left without their identity in the session:
    # written again as new objects.
    return NotificationLog(
        **{name: getattr(row, name) for name in NotificationLog.model_fields if name != "id"}
    )


class Claim(StrEnum):
    TAKEN = "taken"
    # Taken from a send that claimed the row and never recorded its end: it may have sent.
    TAKEN_AFTER_UNKNOWN = "taken_after_unknown"
    # Sent or given up already, or another worker is sending it now.
    REFUSED = "refused"

    @property
    def taken(self) -> bool:
        return self is not Claim.REFUSED


def claim_log(session: Session, *, key: str, now: datetime, until: datetime) -> Claim:
    """Take the row for a send, unless it is sent or given up, or another worker holds it."""
    queued = (
        col(NotificationLog.key) == key,
        col(NotificationLog.status) == NotificationStatus.QUEUED,
    )
    free = session.execute(
        update(NotificationLog)
        .where(*queued, col(NotificationLog.claimed_until).is_(None))
        .values(claimed_until=until)
    )
    claim = Claim.TAKEN if getattr(free, "rowcount", 0) == 1 else Claim.REFUSED
    if not claim.taken:
        expired = session.execute(
            update(NotificationLog)
            .where(*queued, col(NotificationLog.claimed_until) < now)
            .values(
                claimed_until=until,
                uncertain_attempts=col(NotificationLog.uncertain_attempts) + 1,
            )
        )
        if getattr(expired, "rowcount", 0) == 1:
            claim = Claim.TAKEN_AFTER_UNKNOWN
    session.expire_all()
    return claim


def claim_logs(
    session: Session, *, keys: Collection[str], now: datetime, until: datetime
) -> dict[str, Claim]:
    """`claim_log` of every key in two statements at most (a batch's rows), by key. The rows
    already in the session are left as they were read (their claim is not in them)."""
    wanted = list(dict.fromkeys(keys))
    claims = dict.fromkeys(wanted, Claim.REFUSED)
    for start in range(0, len(wanted), _KEYS_AT_ONCE):
        chunk = wanted[start : start + _KEYS_AT_ONCE]
        queued = (
            col(NotificationLog.key).in_(chunk),
            col(NotificationLog.status) == NotificationStatus.QUEUED,
        )
        free = session.execute(
            update(NotificationLog)
            .where(*queued, col(NotificationLog.claimed_until).is_(None))
            .values(claimed_until=until)
            .returning(col(NotificationLog.key)),
            execution_options={"synchronize_session": False},
        )
        claims |= dict.fromkeys(free.scalars(), Claim.TAKEN)
        rest = [key for key in chunk if claims[key] is Claim.REFUSED]
        if not rest:
            continue
        expired = session.execute(
            update(NotificationLog)
            .where(
                col(NotificationLog.key).in_(rest),
                queued[1],
                col(NotificationLog.claimed_until) < now,
            )
            .values(
                claimed_until=until,
                uncertain_attempts=col(NotificationLog.uncertain_attempts) + 1,
            )
            .returning(col(NotificationLog.key)),
            execution_options={"synchronize_session": False},
        )
        claims |= dict.fromkeys(expired.scalars(), Claim.TAKEN_AFTER_UNKNOWN)
    return claims


@dataclass(frozen=True)
class Attempt:
    """One send on one channel, as its row records it."""

    key: str
    channel: str
    answer: str
    delivered: bool
    give_up: bool
    # When the channel answered: the row's `sent_at` if it delivered.
    at: datetime


def record_attempt(
    session: Session,
    *,
    key: str,
    channel: str,
    answer: str,
    delivered: bool,
    give_up: bool,
    now: datetime,
) -> NotificationLog:
    """One send on one channel: `sent`, or still `queued` for another try, or `failed` when the
    unit is given up on. The claim ends with it."""
    [row] = record_attempts(session, [Attempt(key, channel, answer, delivered, give_up, now)])
    return row


def record_attempts(session: Session, attempts: Sequence[Attempt]) -> list[NotificationLog]:
    """`record_attempt` of each, in one read and one flush (a batch's answers)."""
    rows = find_logs(session, keys=[attempt.key for attempt in attempts])
    recorded: list[NotificationLog] = []
    for attempt in attempts:
        row = rows.get(attempt.key)
        if row is None:
            raise LookupError(f"no notification {attempt.key!r} in the log")
        row.attempts += 1
        row.channel = attempt.channel
        row.answer = attempt.answer
        row.updated_at = attempt.at
        row.claimed_until = None
        if attempt.delivered:
            row.status = NotificationStatus.SENT
            row.sent_at = attempt.at
        elif attempt.give_up:
            row.status = NotificationStatus.FAILED
        session.add(row)
        recorded.append(row)
    session.flush()
    return [_aware(row) for row in recorded]


def hold_for_digest(session: Session, *, key: str, now: datetime) -> NotificationLog:
    row = _get(session, key)
    if row.status is NotificationStatus.QUEUED and row.channel != DIGEST_CHANNEL:
        row.channel = DIGEST_CHANNEL
        row.answer = "held for the daily digest"
        row.updated_at = now
        session.add(row)
        session.flush()
    return _aware(row)


def close_held(
    session: Session,
    *,
    keys: Iterable[str],
    status: NotificationStatus,
    answer: str,
    now: datetime,
    held: NotificationStatus = NotificationStatus.QUEUED,
) -> int:
    """Rows that waited for a digest or a summary (or, `held` failed, for their unit's channel
    to come back): `sent` with it, or `skipped`."""
    count = 0
    for key in keys:
        row = _get(session, key)
        if row.status is not held:
            continue
        row.status = status
        row.answer = answer
        row.updated_at = now
        row.claimed_until = None
        if status is NotificationStatus.SENT:
            row.sent_at = now
        session.add(row)
        count += 1
    session.flush()
    return count


def held_for_digest(
    session: Session, *, unit_code: str | None = None, until: datetime | None = None
) -> list[NotificationLog]:
    """Queued digest rows, oldest first; of one unit, or of all."""
    query = select(NotificationLog).where(
        NotificationLog.status == NotificationStatus.QUEUED,
        NotificationLog.channel == DIGEST_CHANNEL,
    )
    if unit_code is not None:
        query = query.where(NotificationLog.unit_code == unit_code)
    if until is not None:
        query = query.where(col(NotificationLog.scheduled_at) <= until)
    rows = session.exec(query.order_by(col(NotificationLog.scheduled_at), col(NotificationLog.id)))
    return [_aware(row) for row in rows]


def given_up(
    session: Session, *, kinds: Collection[MessageKind], unit_code: str | None = None
) -> list[NotificationLog]:
    """Rows of these kinds given up on (`failed`), oldest first; of one unit, or of all."""
    query = select(NotificationLog).where(
        NotificationLog.status == NotificationStatus.FAILED,
        col(NotificationLog.kind).in_([kind.value for kind in kinds]),
    )
    if unit_code is not None:
        query = query.where(NotificationLog.unit_code == unit_code)
    rows = session.exec(query.order_by(col(NotificationLog.scheduled_at), col(NotificationLog.id)))
    return [_aware(row) for row in rows]


def units_given_up(
    session: Session, *, kinds: Collection[MessageKind], units: Collection[str]
) -> set[str]:
    """Which of `units` have rows of these kinds given up on."""
    found = session.exec(
        select(NotificationLog.unit_code)
        .where(
            NotificationLog.status == NotificationStatus.FAILED,
            col(NotificationLog.kind).in_([kind.value for kind in kinds]),
            col(NotificationLog.unit_code).in_(list(units)),
        )
        .distinct()
    )
    return set(found)


def last_delivered_at(session: Session, *, unit_code: str) -> datetime | None:
    """When a message last reached the unit, on any of its channels."""
    value = session.exec(
        select(func.max(NotificationLog.sent_at)).where(
            NotificationLog.unit_code == unit_code,
            NotificationLog.status == NotificationStatus.SENT,
        )
    ).one()
    return as_utc(value) if value is not None else None


def queued_of_kind(
    session: Session,
    *,
    kind: MessageKind,
    plan_key: str | None = None,
    unit_code: str | None = None,
) -> list[NotificationLog]:
    query = select(NotificationLog).where(
        NotificationLog.status == NotificationStatus.QUEUED, NotificationLog.kind == kind.value
    )
    if plan_key is not None:
        query = query.where(NotificationLog.plan_key == plan_key)
    if unit_code is not None:
        query = query.where(NotificationLog.unit_code == unit_code)
    rows = session.exec(query.order_by(col(NotificationLog.scheduled_at), col(NotificationLog.id)))
    return [_aware(row) for row in rows]


def latest_message_id(
    session: Session, *, plan_key: str, task_code: str, milestone_key: str, kind: MessageKind
) -> int:
    """The newest message of `kind` about the milestone (0 for none): a decision the engine
    took leaves one, so a newer one says it was recorded."""
    found = session.exec(
        select(func.max(NotificationLog.id)).where(
            NotificationLog.plan_key == plan_key,
            NotificationLog.task_code == task_code,
            NotificationLog.milestone_key == milestone_key,
            NotificationLog.kind == kind.value,
        )
    ).one()
    return int(found or 0)


def notification_history(
    session: Session,
    *,
    workflow_id: str | None = None,
    unit_code: str | None = None,
    task_code: str | None = None,
    key_prefix: str | None = None,
    limit: int = 200,
) -> list[NotificationLog]:
    """The log, newest first: what was sent to whom, when, on which channel, and the answer."""
    query = select(NotificationLog)
    if workflow_id is not None:
        query = query.where(NotificationLog.workflow_id == workflow_id)
    if task_code is not None:
        query = query.where(NotificationLog.task_code == task_code)
    if unit_code is not None:
        query = query.where(NotificationLog.unit_code == unit_code)
    if key_prefix is not None:
        query = query.where(col(NotificationLog.key).startswith(key_prefix, autoescape=True))
    rows = session.exec(
        query.order_by(
            col(NotificationLog.updated_at).desc(), col(NotificationLog.id).desc()
        ).limit(limit)
    )
    return [_aware(row) for row in rows]


def _get(session: Session, key: str) -> NotificationLog:
    row = session.exec(select(NotificationLog).where(NotificationLog.key == key)).first()
    if row is None:
        raise LookupError(f"no notification {key!r} in the log")
    return row


# ------------------------------------------------------------- what the messages quote


def plan_title(session: Session, *, plan_key: str) -> str | None:
    # The three columns alone: a plan's row holds its import's warnings (JSON), and reading it
    # whole for every message was most of a burst's reads.
    found = session.exec(
        select(Plan.title, Plan.number, Plan.year).where(Plan.key == plan_key)
    ).first()
    return _plan_name(*found) if found is not None else None


def titled(plan: Plan) -> str:
    """The plan as messages name it: its title. A plan read from a table alone has none and is
    named by its number and year (as the web app names it), never by its key."""
    return _plan_name(plan.title, plan.number, plan.year)


def _plan_name(title: str, number: str, year: int) -> str:
    if title:
        return title
    number = f" {number}" if number else ""
    return f"Kế hoạch{number} năm {year}"


def task_lead_units(session: Session, *, plan_key: str, task_code: str) -> list[str]:
    lead_units = session.exec(
        select(Task.lead_units).join(Plan).where(Plan.key == plan_key, Task.code == task_code)
    ).first()
    return list(lead_units) if lead_units is not None else []


def milestone_closed(session: Session, row: NotificationLog) -> bool:
    """Whether the milestone `row` is about has closed (done, ended or cancelled), as the engine
    last recorded it."""
    milestone = session.exec(
        select(Milestone)
        .join(Task)
        .join(Plan)
        .where(
            Plan.key == row.plan_key,
            Task.code == row.task_code,
            Milestone.key == row.milestone_key,
        )
    ).first()
    return milestone is not None and milestone.status in CLOSED_MILESTONE_STATUSES


def overdue_milestones(session: Session, *, plan_key: str) -> list[tuple[Task, Milestone]]:
    """Every overdue milestone of the plan, earliest due first, as the engine last recorded."""
    return milestones_of_plan(session, plan_key=plan_key, statuses={MilestoneStatus.OVERDUE})


def milestones_of_plan(
    session: Session, *, plan_key: str, statuses: Collection[MilestoneStatus] | None = None
) -> list[tuple[Task, Milestone]]:
    """The plan's milestones the engine recorded (of these statuses), earliest due first."""
    query = (
        select(Task, Milestone)
        .join(Milestone, col(Milestone.task_id) == col(Task.id))
        .join(Plan, col(Plan.id) == col(Task.plan_id))
        .where(Plan.key == plan_key)
    )
    if statuses is not None:
        query = query.where(col(Milestone.status).in_(list(statuses)))
    found = [(task, _aware_milestone(milestone)) for task, milestone in session.exec(query).all()]
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(found, key=lambda pair: (pair[1].due_at or far, pair[0].row, pair[0].code))


def milestones_on_event(
    session: Session, *, plan_key: str, event_key: str, task_codes: Collection[str]
) -> list[tuple[Task, Milestone]]:
    """The milestones of `task_codes` that wait (or waited) on `event_key`, earliest due first."""
    query = (
        select(Task, Milestone)
        .join(Milestone, col(Milestone.task_id) == col(Task.id))
        .join(Plan, col(Plan.id) == col(Task.plan_id))
        .where(Plan.key == plan_key, Milestone.event_key == event_key)
        .where(col(Task.code).in_(list(task_codes)))
    )
    found = [(task, _aware_milestone(milestone)) for task, milestone in session.exec(query).all()]
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(found, key=lambda pair: (pair[1].due_at or far, pair[0].row, pair[0].code))


def plan_summary(session: Session, *, plan_key: str) -> tuple[Plan, int] | None:
    """The plan and how many tasks it has."""
    plan = get_plan(session, plan_key)
    if plan is None:
        return None
    tasks = session.exec(select(Task).where(Task.plan_id == plan.id)).all()
    return plan, len(tasks)


def latest_evidence(
    session: Session, *, plan_key: str, task_code: str, milestone_key: str
) -> Evidence | None:
    return session.exec(
        select(Evidence)
        .join(Task)
        .join(Plan)
        .where(
            Plan.key == plan_key, Task.code == task_code, Evidence.milestone_key == milestone_key
        )
        .order_by(col(Evidence.submitted_at).desc(), col(Evidence.id).desc())
    ).first()


def _aware_milestone(milestone: Milestone) -> Milestone:
    if milestone.due_at is not None and milestone.due_at.tzinfo is None:
        set_committed_value(milestone, "due_at", as_utc(milestone.due_at))
    return milestone


def set_details(session: Session, *, key: str, details: dict[str, Any], now: datetime) -> None:
    row = _get(session, key)
    row.details = details
    row.updated_at = now
    session.add(row)
    session.flush()


def latest_task_of_unit(session: Session, *, unit_code: str) -> tuple[Plan, Task] | None:
    """A task the unit leads, in the most recently imported plan that gives it one."""
    rows = session.exec(
        select(Plan, Task)
        .join(Task, col(Task.plan_id) == col(Plan.id))
        .order_by(col(Plan.imported_at).desc(), col(Task.section), col(Task.row))
    )
    for plan, task in rows:
        if unit_code in task.lead_units:
            return plan, task
    return None


def milestones_of_task(session: Session, *, task_id: int) -> list[Milestone]:
    rows = session.exec(
        select(Milestone).where(Milestone.task_id == task_id).order_by(col(Milestone.order))
    )
    return [_aware_milestone(m) for m in rows]
