"""What a report of an earlier date reads besides the projection: every delivery of evidence
with its instant, the coordinator's rejections, the engine's rejection and extension messages
(when, and the due instants before and after) and when each event was recorded. The engine's
own records are read, so what the command line did counts as much as what the web app did.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlmodel import Session, col, select

from models.payloads import MessageKind
from models.tables import Event, Evidence, EvidenceReview, NotificationLog, Plan, Task
from storage.overview import _instant


class Decision(NamedTuple):
    """A rejection (no due instants) or an extension of a milestone, as the engine told it."""

    task_code: str
    milestone_key: str
    kind: MessageKind
    at: datetime
    due: datetime | None
    previous_due: datetime | None


def evidence_of_plan(session: Session, *, plan_id: int) -> list[tuple[str, Evidence]]:
    """Every delivery of the plan with its task's code, oldest first."""
    return list(
        session.exec(
            select(Task.code, Evidence)
            .join(Evidence, col(Evidence.task_id) == col(Task.id))
            .where(Task.plan_id == plan_id)
            .order_by(col(Evidence.submitted_at), col(Evidence.id))
        )
    )


def rejected_evidence_ids(session: Session, evidence_ids: list[int]) -> set[int]:
    if not evidence_ids:
        return set()
    return set(
        session.exec(
            select(EvidenceReview.evidence_id).where(
                col(EvidenceReview.evidence_id).in_(evidence_ids),
                EvidenceReview.decision == "rejected",
            )
        )
    )


def decisions_of_plan(session: Session, *, plan_key: str) -> list[Decision]:
    """The engine's rejections and extensions of the plan's milestones, once each (the log
    holds one row per unit told)."""
    found: dict[tuple[str, str, str, datetime], Decision] = {}
    for row in session.exec(
        select(NotificationLog).where(
            NotificationLog.plan_key == plan_key,
            col(NotificationLog.kind).in_(
                [MessageKind.EVIDENCE_REJECTED, MessageKind.EXTENSION_GRANTED]
            ),
        )
    ):
        at = _instant(row.scheduled_at)
        assert at is not None
        kind = MessageKind(row.kind)
        found[(row.task_code, row.milestone_key, kind.value, at)] = Decision(
            row.task_code,
            row.milestone_key,
            kind,
            at,
            _instant(row.details.get("due_at")),
            _instant(row.details.get("previous_due_at")),
        )
    return sorted(found.values(), key=lambda d: d.at)


def events_recorded(session: Session, *, plan: Plan) -> list[tuple[str, date, datetime]]:
    """(event key, the day it happened, when it was recorded) of each event, oldest first."""
    return [
        (event.key, event.occurred_on, event.recorded_at)
        for event in session.exec(
            select(Event).where(Event.plan_id == plan.id).order_by(col(Event.recorded_at))
        )
    ]
