"""What the JSON API takes and answers, as models (so /docs shows every schema): the requests
of the coordinator's and the units' actions, and the answers built from what the pages show.
Instants are ISO 8601 in Vietnam time; states are `web.tracking.Tracking` values."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from pydantic import BaseModel, Field

from deadlines.local_time import local_iso
from models.tables import AuditEntry, EvidenceReview, NotificationLog
from web.planning import PlannedStep
from web.tracking import TRACKING_ORDER, Tracking
from web.views import PlanSummary, Shown, UnitFigures

# ----------------------------------------------------------------------------- requests


class SignIn(BaseModel):
    name: str
    password: str


class ExtensionAsk(BaseModel):
    until: date
    reason: str
    # An extension into another year than the plan's, confirmed as meant.
    confirmed: bool = False


class ExtensionDecision(BaseModel):
    decision: str = Field(pattern="^(grant|refuse)$")
    reason: str
    until: date | None = None
    confirmed: bool = False


class EvidenceDecision(BaseModel):
    decision: str = Field(pattern="^(accept|reject)$")
    reason: str = ""


class ReassignRequest(BaseModel):
    lead_units: list[str]
    reason: str


class CloseRequest(BaseModel):
    reason: str
    carry_over: bool = False


class EventRequest(BaseModel):
    key: str
    occurred_on: date
    decision: str = ""
    due_on: date | None = None


class LinkRequest(BaseModel):
    revoke_old: bool = False


class CellFix(BaseModel):
    cell: str
    text: str


class StartRequest(BaseModel):
    year: int | None = None
    until: int | None = None
    # The coordinator's corrections of cells: {"cell": "II.42:deadline", "text": "Quý IV/2025"}.
    corrections: list[CellFix] = []


# ----------------------------------------------------------------------------- answers


class Problem(BaseModel):
    """Every refusal or failure: its key, the Vietnamese text, the engine's own reason, and
    whether the action was recorded (`false` when not, `null` when it cannot be told yet)."""

    error: str
    message: str
    detail: str = ""
    recorded: bool | None = False


# The answers of a refusal or a failure, as /docs lists them for every API route.
PROBLEMS: dict[int | str, dict[str, object]] = {
    status: {"model": Problem}
    for status in (400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503, 504)
}


def instant(value: datetime | None) -> str | None:
    return local_iso(value)


def counts(found: Counter[Tracking], *, all_states: bool = True) -> dict[str, int]:
    return {s.value: found[s] for s in TRACKING_ORDER if all_states or found[s]}


class AccountOut(BaseModel):
    name: str
    role: str


class SessionOut(BaseModel):
    csrf: str
    account: AccountOut | None = None
    unit: str | None = None


class SignedOut(BaseModel):
    signed_out: str = "yes"


class Row(BaseModel):
    """One milestone (or a task not started) as the pages show it."""

    task: str
    section: str
    title: str
    deadline_text: str
    lead_units: list[str]
    coordinating_units: list[str]
    milestone: str | None
    label: str | None
    kind: str | None
    due: str | None
    closed_at: str | None
    status: str | None
    tracking: str

    @classmethod
    def of(cls, item: Shown) -> Row:
        row = item.row
        return cls(
            task=row.task_code,
            section=row.section,
            title=row.title,
            deadline_text=row.deadline_text,
            lead_units=list(row.lead_units),
            coordinating_units=list(row.coordinating_units),
            milestone=row.key,
            label=row.label,
            kind=row.kind,
            due=instant(row.due_at),
            closed_at=instant(row.closed_at),
            status=row.status,
            tracking=item.tracking.value,
        )


class PlanOut(BaseModel):
    key: str
    agency: str
    title: str
    year: int
    tasks: int
    milestones: int
    counts: dict[str, int]

    @classmethod
    def of(cls, summary: PlanSummary) -> PlanOut:
        return cls(
            key=summary.plan.key,
            agency=summary.agency.code if summary.agency else "",
            title=summary.plan.title,
            year=summary.plan.year,
            tasks=summary.tasks,
            milestones=summary.milestones,
            counts=counts(summary.counts),
        )


class UnitCounts(BaseModel):
    unit: str
    name: str
    counts: dict[str, int]

    @classmethod
    def of(cls, figures: UnitFigures) -> UnitCounts:
        return cls(unit=figures.code, name=figures.name, counts=counts(figures.counts))


class MonthCounts(BaseModel):
    month: int
    counts: dict[str, int]


class Upcoming(BaseModel):
    at: str | None
    action: str
    audience: str
    to: list[str]
    task: str
    milestone: str | None


class PlanHead(BaseModel):
    key: str
    title: str
    year: int


class DashboardOut(BaseModel):
    plan: PlanHead
    tasks: int
    counts: dict[str, int]
    units: list[UnitCounts]
    months: list[MonthCounts]
    upcoming: list[Upcoming]
    upcoming_total: int
    matching: int
    page: int
    pages: int
    rows: list[Row]


class Planned(BaseModel):
    at: str | None
    action: str
    to: list[str]

    @classmethod
    def of(cls, planned: PlannedStep) -> Planned:
        return cls(
            at=instant(planned.step.at),
            action=planned.step.action.value,
            to=list(planned.recipients),
        )


class Review(BaseModel):
    decision: str
    reason: str
    by: str
    at: str | None

    @classmethod
    def of(cls, review: EvidenceReview) -> Review:
        return cls(
            decision=review.decision, reason=review.reason, by=review.by, at=instant(review.at)
        )


class EvidenceOut(BaseModel):
    document_number: str
    document_date: str | None
    link: str
    file: str
    submitted_by: str
    submitted_at: str | None
    on_time: bool | None
    reviews: list[Review]


class MilestoneOut(Row):
    planned: list[Planned]
    evidence: list[EvidenceOut]
    pending_extension: dict[str, object] | None


class NotificationOut(BaseModel):
    kind: str
    unit: str
    status: str
    scheduled_at: str | None
    sent_at: str | None
    channel: str | None
    attempts: int
    answer: str | None

    @classmethod
    def of(cls, n: NotificationLog) -> NotificationOut:
        return cls(
            kind=n.kind,
            unit=n.unit_code,
            status=n.status,
            scheduled_at=instant(n.scheduled_at),
            sent_at=instant(n.sent_at),
            channel=n.channel,
            attempts=n.attempts,
            answer=n.answer,
        )


class AuditOut(BaseModel):
    at: str | None
    actor: str
    role: str | None
    via: str
    via_detail: str
    action: str
    milestone: str
    outcome: str
    message: str
    details: dict[str, object]

    @classmethod
    def of(cls, a: AuditEntry) -> AuditOut:
        return cls(
            at=instant(a.at),
            actor=a.actor,
            role=a.actor_role.value if a.actor_role is not None else None,
            via=a.via,
            via_detail=a.via_detail,
            action=a.action,
            milestone=a.milestone_key,
            outcome=a.outcome,
            message=a.message,
            details=a.details,
        )


class TaskOut(BaseModel):
    plan: str
    task: str
    title: str
    deadline_text: str
    lead_units: list[str]
    coordinating_units: list[str]
    milestones: list[MilestoneOut]
    notifications: list[NotificationOut]
    audit: list[AuditOut]


class UnitWorkOut(Row):
    plan: str
    leads: bool


class UnitPageOut(BaseModel):
    unit: str
    name: str
    work: list[UnitWorkOut]


class OverdueOut(Row):
    plan: str
    days_overdue: int


class EscalationOut(BaseModel):
    kind: str
    plan: str
    task: str
    status: str
    scheduled_at: str | None


class OverviewOut(BaseModel):
    plans: list[PlanOut]
    overdue: list[OverdueOut]
    units: list[UnitCounts]
    escalations: list[EscalationOut]


class Done(BaseModel):
    """An action's answer: `recorded` true once the engine recorded it; `pending` when it was
    recorded and its effects are still being written to what the pages read."""

    recorded: bool = True
    pending: bool = False


class EvidenceDone(Row):
    recorded: bool = True


class ExtensionAsked(BaseModel):
    recorded: str = "the coordinator decides"


class DecisionDone(Done):
    decision: str


class Reassigned(Done):
    lead_units: list[str]


class Closed(Done):
    closed: str


class EventStartOut(BaseModel):
    task: str
    milestone: str | None
    due: str | None
    problem: str


class EventPreviewOut(BaseModel):
    key: str
    occurred_on: str
    needs_due_date: bool
    starts: list[EventStartOut]


class EventDone(Done):
    key: str
    tasks: list[str]


class UnitOut(BaseModel):
    unit: str
    name: str
    role: str


class AttemptOut(BaseModel):
    channel: str
    delivered: bool
    answer: str


class LinkSent(BaseModel):
    delivered: bool
    attempts: list[AttemptOut]


class Where(BaseModel):
    where: str
    message: str


class ImportedTaskMilestone(BaseModel):
    key: str
    label: str
    due: str | None


class ImportedTask(BaseModel):
    task: str
    milestones: list[ImportedTaskMilestone]


class RefusedTask(BaseModel):
    task: str
    text: str
    reason: str


class CellToCheck(BaseModel):
    cell: str
    row: str
    text: str
    level: str
    why: str


class ImportOut(BaseModel):
    upload: str
    startable: bool
    problems: list[str]
    plan: PlanHead | None
    errors: list[Where]
    warnings: list[Where]
    cells_to_check: list[CellToCheck]
    new_units: list[str]
    tasks: list[ImportedTask]
    refused: list[RefusedTask]


class Started(Done):
    plan: str
