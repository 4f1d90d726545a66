"""What messages say of milestones, read from a request, from a row held in the log, or from what
the engine recorded: the lines the templates show, with names, due dates and working days."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from deadlines.local_time import local_day
from models.payloads import MessageKind, NotificationRequest
from models.statuses import (
    CLOSED_MILESTONE_STATUSES,
    RUNNING_MILESTONE_STATUSES,
    MilestoneStatus,
)
from models.tables import Milestone, NotificationLog, Task
from notifications.contacts import UnitLookup
from notifications.formatting import format_day, format_due
from notifications.kinds import DECISION_KINDS, TASK_KINDS, TASKS_KINDS, parse_kind
from notifications.links import UnitLinks, event_link, evidence_link, task_link
from notifications.messages import (
    DecisionLine,
    EvidenceLine,
    ExtensionLine,
    MilestoneLine,
    YearTally,
)
from notifications.office_hours import CalendarOfYear
from notifications.outcomes import InvalidNotification
from notifications.requests import RequestDetails
from replies.tokens import ReplySubject
from storage import notifications as log
from storage.db import session_scope
from storage.plans import get_task, plan_agency_code

# The milestones still to finish, in the order a year summary lists them: overdue first.
_UNFINISHED = (MilestoneStatus.OVERDUE, MilestoneStatus.OPEN, MilestoneStatus.SCHEDULED)


@dataclass
class Facts:
    """What the database adds to a request: the plan's title, the lead units, the evidence."""

    plan_title: str
    lead_units: list[str] = field(default_factory=list)
    lead_unit_names: list[str] = field(default_factory=list)
    evidence: EvidenceLine | None = None


# The messages that quote the milestone's latest evidence.
_EVIDENCE_KINDS = (MessageKind.CLOSING, MessageKind.EVIDENCE_RECEIVED)


def facts_key(request: NotificationRequest, kind: MessageKind) -> tuple[str, str, str]:
    """What `MessageLines.facts` of a request depend on: requests with the same key (a task's
    messages of one instant) share their facts."""
    milestone = request.milestone_key if kind in _EVIDENCE_KINDS else ""
    return request.plan_key, request.task_code, milestone


def milestone_ref(task_code: str, milestone_key: str) -> str:
    return f"{task_code}#{milestone_key}"


def row_ref(row: NotificationLog) -> str:
    return milestone_ref(row.task_code, row.milestone_key)


class MessageLines:
    def __init__(
        self,
        *,
        directory: UnitLookup,
        calendar: CalendarOfYear,
        public_url: str,
        database_url: str,
        unit_links: UnitLinks | None = None,
    ) -> None:
        self._directory = directory
        self._database_url = database_url
        # A stored plan's agency never changes: each plan's is read once.
        self._agencies: dict[str, str] = {}
        self._calendar = calendar
        self.public_url = public_url
        # None: links are left unsigned (a unit then asks the web app to send it its link).
        self._unit_links = unit_links

    def for_unit(self, line: MilestoneLine, unit_code: str) -> MilestoneLine:
        """The line as one recipient reads it: its evidence link opens as that unit."""
        if self._unit_links is None:
            return line
        return dataclasses.replace(
            line, evidence_link=self._unit_links.signed(line.evidence_link, unit_code)
        )

    def reply_to(self, row: NotificationLog, *, issued_at: datetime) -> str:
        """The signed address a reply to the email of `row` goes to; "" when no mailbox is set."""
        if self._unit_links is None or row.id is None:
            return ""
        about = ReplySubject(row.unit_code, row.plan_key, row.task_code, row.milestone_key)
        return self._unit_links.replies.reply_to(row.id, about, issued_at=issued_at)

    def unit_name(self, code: str) -> str:
        try:
            return self._directory.get(code).name
        except LookupError:
            return code

    def working_days_left(self, now: datetime, due_at: datetime | None) -> int | None:
        """Working days from today to the due day: 0 on the day itself, negative after it."""
        if due_at is None:
            return None
        today = local_day(now)
        return self._calendar(today.year).working_days_between(today, local_day(due_at))

    def request_line(
        self, request: NotificationRequest, now: datetime, lead_unit_names: list[str]
    ) -> MilestoneLine:
        return MilestoneLine(
            task_code=request.task_code,
            task_title=request.task_title,
            milestone_key=request.milestone_key,
            milestone_label=request.milestone_label,
            due_text=format_due(request.due_at) if request.due_at else "",
            working_days_left=self.working_days_left(now, request.due_at),
            evidence_hint=request.evidence_hint,
            evidence_link=evidence_link(
                self.public_url, request.plan_key, request.task_code, request.milestone_key
            ),
            lead_unit_names=lead_unit_names,
            event_text=request.event_text,
            event_key=request.event_key,
            event_recorder_name=self._event_recorder(request.plan_key, request.event_key),
            event_link=self._event_link(request.plan_key, request.event_key),
        )

    def plan_directory(self, plan_key: str) -> UnitLookup:
        """The unit directory of the plan's own agency: its coordinator and leadership are the
        ones told, and the ones named."""
        agency = self._agencies.get(plan_key)
        if agency is None:
            with session_scope(self._database_url) as session:
                agency = plan_agency_code(session, plan_key)
            if agency is not None:
                self._agencies[plan_key] = agency
        return self._directory if agency is None else self._directory.of_agency(agency)

    def _event_recorder(self, plan_key: str, event_key: str) -> str:
        """Who records an event (the coordinator of the plan's agency), named in messages
        about it."""
        return self.unit_name(self.plan_directory(plan_key).coordinator) if event_key else ""

    def _event_link(self, plan_key: str, event_key: str) -> str:
        """Where the coordinator records the event (the events page, the event chosen)."""
        return event_link(self.public_url, plan_key, event_key) if event_key else ""

    def held_line(self, row: NotificationLog, now: datetime) -> MilestoneLine:
        """A request held in the log (for a digest or a summary), from what the log kept; its
        link opens as the row's unit."""
        details = RequestDetails.model_validate(row.details)
        line = MilestoneLine(
            task_code=row.task_code,
            task_title=details.task_title,
            milestone_key=row.milestone_key,
            milestone_label=details.milestone_label,
            due_text=format_due(details.due_at) if details.due_at else "",
            working_days_left=self.working_days_left(now, details.due_at),
            evidence_hint=details.evidence_hint,
            evidence_link=evidence_link(
                self.public_url, row.plan_key, row.task_code, row.milestone_key
            ),
            kind=parse_kind(row.kind),
            note=details.note,
            event_text=details.event_text,
            event_key=details.event_key,
            event_recorder_name=self._event_recorder(row.plan_key, details.event_key),
            event_link=self._event_link(row.plan_key, details.event_key),
        )
        return self.for_unit(line, row.unit_code)

    def stored_line(
        self, plan_key: str, task: Task, milestone: Milestone, now: datetime
    ) -> MilestoneLine:
        return MilestoneLine(
            task_code=task.code,
            task_title=task.title,
            milestone_key=milestone.key,
            milestone_label=milestone.label or milestone.text,
            due_text=format_due(milestone.due_at) if milestone.due_at else "",
            working_days_left=self.working_days_left(now, milestone.due_at),
            evidence_hint="",
            evidence_link=evidence_link(self.public_url, plan_key, task.code, milestone.key),
            lead_unit_names=[self.unit_name(code) for code in task.lead_units],
        )

    def extension_line(
        self, request: NotificationRequest, kind: MessageKind, reason: str
    ) -> ExtensionLine | None:
        if kind is not MessageKind.EXTENSION_REQUEST:
            return None
        if request.requested_due_at is None or not request.requested_by:
            raise InvalidNotification(
                f"notification {request.key}: an extension request needs who asks and until when"
            )
        return ExtensionLine(
            requested_by_name=self.unit_name(request.requested_by),
            new_due_text=format_due(request.requested_due_at),
            reason=reason,
            answer_link=task_link(self.public_url, request.plan_key, request.task_code),
        )

    def decision_line(self, request: NotificationRequest, kind: MessageKind) -> DecisionLine | None:
        """What a decision message says was decided, from what the workflow told."""
        if kind not in DECISION_KINDS:
            return None
        facts = request.decision
        if facts is None:
            raise InvalidNotification(
                f"notification {request.key}: a {kind.value} message needs what was decided"
            )
        return DecisionLine(
            by_name=self.unit_name(facts.by) if facts.by else "",
            reason=facts.reason,
            previous_due_text=format_due(facts.previous_due_at) if facts.previous_due_at else "",
            asked_text=format_day(facts.asked_on) if facts.asked_on else "",
            previous_lead_names=[self.unit_name(code) for code in facts.previous_lead_units],
            lead_names=[self.unit_name(code) for code in facts.lead_units],
            event_day_text=format_day(facts.event_on) if facts.event_on else "",
            event_decision=facts.event_decision,
            corrected=facts.corrected,
        )

    def task_lines(
        self, session: Session, request: NotificationRequest, kind: MessageKind, now: datetime
    ) -> list[MilestoneLine]:
        """For a message about the whole task: its milestones still open, as recorded, the
        most urgent first (overdue, then by due date)."""
        if kind not in TASK_KINDS:
            return []
        task = get_task(session, plan_key=request.plan_key, task_code=request.task_code)
        if task is None or task.id is None:
            return []
        open_milestones = [
            m
            for m in log.milestones_of_task(session, task_id=task.id)
            if m.status not in CLOSED_MILESTONE_STATUSES
        ]
        open_milestones.sort(
            key=lambda m: (m.status is not MilestoneStatus.OVERDUE, m.due_at is None, m.due_at)
        )
        return [self.stored_line(request.plan_key, task, m, now) for m in open_milestones]

    def event_lines(
        self, session: Session, request: NotificationRequest, kind: MessageKind, now: datetime
    ) -> list[MilestoneLine]:
        """For a message about several tasks (`clocks_started`, one to each unit): the
        milestones of the tasks it names whose clock the event started, as recorded, earliest
        due first."""
        if kind not in TASKS_KINDS:
            return []
        return [
            self.stored_line(request.plan_key, task, milestone, now)
            for task, milestone in log.milestones_on_event(
                session,
                plan_key=request.plan_key,
                event_key=request.event_key,
                task_codes=request.task_codes,
            )
            if milestone.status in RUNNING_MILESTONE_STATUSES
        ]

    def facts(self, session: Session, request: NotificationRequest, kind: MessageKind) -> Facts:
        title = log.plan_title(session, plan_key=request.plan_key) or request.plan_key
        leads = log.task_lead_units(session, plan_key=request.plan_key, task_code=request.task_code)
        evidence = None
        if kind in _EVIDENCE_KINDS:
            stored = log.latest_evidence(
                session,
                plan_key=request.plan_key,
                task_code=request.task_code,
                milestone_key=request.milestone_key,
            )
            if stored is not None:
                evidence = EvidenceLine(
                    document_number=stored.document_number,
                    document_date_text=(
                        f"{stored.document_date:%d/%m/%Y}" if stored.document_date else ""
                    ),
                    link=stored.link,
                    note=stored.note,
                    submitted_by=self.unit_name(stored.submitted_by),
                    on_time=stored.on_time,
                )
        return Facts(
            plan_title=title,
            lead_units=leads,
            lead_unit_names=[self.unit_name(code) for code in leads],
            evidence=evidence,
        )

    def year_summary(
        self,
        session: Session,
        plan_key: str,
        now: datetime,
        *,
        key: str = "",
        year: int | None = None,
    ) -> tuple[YearTally, list[MilestoneLine]]:
        """Where every milestone of the plan stands, and the unfinished ones, overdue first;
        `year`: the plan year accounted for, when not the plan's first (a plan of several)."""
        found = log.plan_summary(session, plan_key=plan_key)
        if found is None:
            raise InvalidNotification(f"notification {key}: no plan {plan_key!r} in the database")
        plan, tasks = found
        milestones = log.milestones_of_plan(session, plan_key=plan_key)
        counts = Counter(milestone.status for _, milestone in milestones)
        tally = YearTally(
            year=year or plan.year,
            tasks=tasks,
            milestones=len(milestones),
            done_on_time=counts[MilestoneStatus.DONE_ON_TIME],
            done_late=counts[MilestoneStatus.DONE_LATE],
            overdue=counts[MilestoneStatus.OVERDUE],
            in_progress=counts[MilestoneStatus.OPEN] + counts[MilestoneStatus.SCHEDULED],
            waiting_event=counts[MilestoneStatus.WAITING_EVENT],
            ended=counts[MilestoneStatus.ENDED],
            cancelled=counts[MilestoneStatus.CANCELLED],
        )
        unfinished = sorted(
            (pair for pair in milestones if pair[1].status in _UNFINISHED),
            key=lambda pair: pair[1].status is not MilestoneStatus.OVERDUE,
        )
        lines = [self.stored_line(plan.key, task, m, now) for task, m in unfinished]
        return tally, lines
