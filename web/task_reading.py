"""One task as its page shows it: each milestone with its planned steps, evidence and reviews,
the extensions asked and decided, the messages sent and the history, and how its deadline text
reads; and the extension request still waiting for a decision, which the unit's page and the
coordinator's acts ask too."""

from __future__ import annotations

from datetime import datetime

from deadlines import DeadlineRefused, PlannedMilestone
from models.tables import AuditEntry
from storage import access as access_store
from storage.db import session_scope
from storage.overview import milestone_rows, notifications_of_task
from storage.plans import get_task
from web.planning import PlannedStep, recipients
from web.reading import Reader, order_of
from web.views import MilestoneDetail, NotFound, TaskDetail

EXTENSION_ACTIONS = ("request_extension", "grant_extension", "refuse_extension")


class TaskReading:
    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.settings = reader.settings

    def task(self, plan_key: str, task_code: str, now: datetime) -> TaskDetail:
        with session_scope(self.settings.resolved_database_url()) as session:
            plan = self.reader.plan_of(session, plan_key)
            assert plan.id is not None
            rows = milestone_rows(session, plan.id, task_code=task_code)
            if not rows:
                raise NotFound("no_such_task")
            names = self.reader.unit_names(session)
            coordinator, leadership = self.reader.role_units(session, plan.agency_id)
            evidence = access_store.evidence_of_task(
                session, plan_key=plan_key, task_code=task_code
            )
            reviews = access_store.reviews_of(session, [e.id for e in evidence if e.id is not None])
            notifications = notifications_of_task(session, plan_key=plan_key, task_code=task_code)
            audit = access_store.audit_of_task(session, plan_key=plan_key, task_code=task_code)
            stored = get_task(session, plan_key=plan_key, task_code=task_code)
            corrections = list(stored.corrections) if stored is not None else []
        clock = self.reader.tracking_clock(now, plan.year)
        shown = sorted(self.reader.shown(rows, clock), key=order_of)
        extensions = [a for a in audit if a.action in EXTENSION_ACTIONS and a.outcome == "done"]
        milestones = [
            MilestoneDetail(
                shown=item,
                planned=[
                    PlannedStep(step, item.row, reached)
                    for step in self.reader.planned.steps_of(item.row, plan.year, after=now)
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
            readings = self.reader.deadline_milestones(
                rows[0].deadline_text, rows[0].title, task_code, plan
            )
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


def pending_extension(decisions: list[AuditEntry], milestone_key: str) -> AuditEntry | None:
    """The latest extension request of the milestone when no decision followed it."""
    pending: AuditEntry | None = None
    for entry in decisions:
        if entry.milestone_key != milestone_key:
            continue
        pending = entry if entry.action == "request_extension" else None
    return pending
