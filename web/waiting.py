"""What waits for someone's answer: for the coordinator, a plan's extension requests not yet
decided and the evidence delivered but not yet reviewed; for a unit, what it sent (evidence,
requests for more time) and the answer each got, or that it is still waiting."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlmodel import Session, col, select

from models.statuses import MilestoneStatus
from models.tables import AuditEntry, Evidence, EvidenceReview, Milestone, Plan, Task
from settings import Settings
from storage import access as access_store
from storage.db import session_scope
from storage.overview import list_plans, list_units
from storage.plans import get_plan

REQUEST_ACTIONS = ("request_extension", "grant_extension", "refuse_extension")
_DELIVERED = (MilestoneStatus.DONE_ON_TIME, MilestoneStatus.DONE_LATE)


@dataclass(frozen=True)
class Request:
    """A unit's request for more time and the coordinator's answer (None: still waiting)."""

    plan: Plan
    task_code: str
    title: str
    milestone_key: str
    unit: str
    until: date | None
    reason: str
    at: datetime
    answer: AuditEntry | None = None

    @property
    def waiting(self) -> bool:
        return self.answer is None


@dataclass(frozen=True)
class Sent:
    """Evidence a unit delivered, and the coordinator's review of it (None: not reviewed)."""

    plan: Plan
    task_code: str
    title: str
    evidence: Evidence
    review: EvidenceReview | None = None


@dataclass
class CoordinatorQueue:
    """What waits for the coordinator on one plan, oldest first."""

    requests: list[Request] = field(default_factory=list)
    to_review: list[Sent] = field(default_factory=list)


@dataclass
class UnitSent:
    """What one unit sent, newest first."""

    evidence: list[Sent] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        return sum(1 for r in self.requests if r.waiting)


def _requests(session: Session, plan: Plan) -> list[Request]:
    """Each request of the plan with the decision that followed it on its milestone."""
    entries = access_store.audit_of_actions(session, plan_key=plan.key, actions=REQUEST_ACTIONS)
    found: list[Request] = []
    open_request: dict[tuple[str, str], int] = {}
    for entry in entries:
        where = (entry.task_code, entry.milestone_key)
        if entry.action == "request_extension":
            details = entry.details or {}
            until = details.get("until")
            open_request[where] = len(found)
            found.append(
                Request(
                    plan=plan,
                    task_code=entry.task_code,
                    title="",
                    milestone_key=entry.milestone_key,
                    unit=entry.actor,
                    until=date.fromisoformat(until) if until else None,
                    reason=str(details.get("reason", "")),
                    at=entry.at,
                )
            )
        elif where in open_request:
            index = open_request.pop(where)
            asked = found[index]
            found[index] = replace(asked, answer=entry)
    return found


def _titles(session: Session, plan: Plan, codes: set[str]) -> dict[str, str]:
    """The titles of those tasks of the plan (a page lists a few of a plan's thousands)."""
    if not codes:
        return {}
    rows = session.exec(
        select(Task.code, Task.title).where(Task.plan_id == plan.id, col(Task.code).in_(codes))
    )
    return dict(rows.all())


def _titled(session: Session, plan: Plan, requests: list[Request], sent: list[Sent]) -> None:
    """Each request and delivery with its task's title."""
    titles = _titles(session, plan, {r.task_code for r in requests} | {s.task_code for s in sent})
    requests[:] = [replace(r, title=titles.get(r.task_code, "")) for r in requests]
    sent[:] = [replace(s, title=titles.get(s.task_code, "")) for s in sent]


def _delivered(session: Session, plan: Plan, unit: str | None = None) -> list[Sent]:
    """The plan's evidence (one unit's, when given) with its latest review."""
    query = (
        select(Task.code, Evidence)
        .join(Evidence, col(Evidence.task_id) == col(Task.id))
        .where(Task.plan_id == plan.id)
    )
    if unit is not None:
        query = query.where(Evidence.submitted_by == unit)
    rows = list(session.exec(query.order_by(col(Evidence.submitted_at), col(Evidence.id))))
    reviews = access_store.reviews_of(session, [e.id for _c, e in rows if e.id is not None])
    found: list[Sent] = []
    for code, evidence in rows:
        reviewed = reviews.get(evidence.id or 0)
        found.append(Sent(plan, code, "", evidence, reviewed[-1] if reviewed else None))
    return found


def coordinator_queue(session: Session, plan: Plan) -> CoordinatorQueue:
    latest: dict[tuple[str, str], Sent] = {}
    for sent in _delivered(session, plan):
        latest[(sent.task_code, sent.evidence.milestone_key)] = sent
    unreviewed = {where: sent for where, sent in latest.items() if sent.review is None}
    # Of those, the ones still delivered (evidence rejected reopens its milestone).
    codes = {code for code, _key in unreviewed}
    delivered = (
        set(
            session.exec(
                select(Task.code, Milestone.key)
                .join(Milestone, col(Milestone.task_id) == col(Task.id))
                .where(
                    Task.plan_id == plan.id,
                    col(Task.code).in_(codes),
                    col(Milestone.status).in_(_DELIVERED),
                )
            ).all()
        )
        if codes
        else set()
    )
    queue = CoordinatorQueue(
        requests=[r for r in _requests(session, plan) if r.waiting],
        to_review=[sent for where, sent in unreviewed.items() if where in delivered],
    )
    _titled(session, plan, queue.requests, queue.to_review)
    return queue


def unit_sent(session: Session, unit_code: str, agency_id: int) -> UnitSent:
    sent = UnitSent()
    for plan in list_plans(session, agency_id=agency_id):
        requests = [r for r in _requests(session, plan) if r.unit == unit_code]
        evidence = _delivered(session, plan, unit_code)
        _titled(session, plan, requests, evidence)
        sent.requests.extend(requests)
        sent.evidence.extend(evidence)
    sent.evidence.sort(key=lambda s: s.evidence.submitted_at, reverse=True)
    sent.requests.sort(key=lambda r: r.at, reverse=True)
    return sent


def waiting_for_coordinator(settings: Settings, plan_key: str) -> CoordinatorQueue:
    with session_scope(settings.resolved_database_url()) as session:
        plan = get_plan(session, plan_key)
        return CoordinatorQueue() if plan is None else coordinator_queue(session, plan)


def sent_by(settings: Settings, unit_code: str) -> UnitSent:
    with session_scope(settings.resolved_database_url()) as session:
        unit = next((u for u in list_units(session) if u.code == unit_code), None)
        return UnitSent() if unit is None else unit_sent(session, unit_code, unit.agency_id)
