"""What a task's state may become: the moves of the task workflow, without Temporal.

A `TaskTracker` holds a task's `TaskState` and changes it: milestones open, fall overdue, end
with the year, are delivered, extended, reassigned or cancelled, and each change is written in
the task's history. It reads the time from the clock it is given (`workflow.now` in the
workflow, any function in a test) and does no I/O, so tests can drive a task without a server.
Refusals are ValueErrors with the reason; the workflow turns them into failed updates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from deadlines import MilestoneKind, PlannedMilestone, ScheduledStep
from deadlines.language import EVENT_KINDS
from deadlines.local_time import end_of_plan_year, local_day
from models.statuses import MilestoneStatus, TaskStatus
from models.workflow_messages import (
    Closure,
    EventOccurrence,
    EvidenceRejection,
    EvidenceSubmission,
    ExtensionGrant,
    ExtensionRefusal,
    ExtensionRequest,
    HistoryEntry,
    MilestoneState,
    Reassignment,
    TaskState,
    TaskWorkflowInput,
)
from workflows.run_limits import LONGEST_WAIT

# How far ahead the policy is asked for steps at a time. Escalations repeat weekly without end,
# so the schedule of an overdue milestone is fetched window by window.
PLANNING_WINDOW = timedelta(days=120)
# From 1.2.0 (marker "plan-a-year-ahead") a task's own planning asks for a year at a time: an
# overdue milestone's escalations were fetched again every 120 days, a workflow task and a local
# activity each (72 in the seed plan's year).
TASK_PLANNING_WINDOW = timedelta(days=366)
# A task's first plan (the starter's, or the plan_task activity's): a month past the due
# instant, its reminders and first escalations; the task asks for the rest when it is spent, as
# it did after 120 days. The plan travels in the task's input, which the server stores and the
# worker decodes before the task is running: with 120 days of weekly escalations it was 3.0 KB
# a task against 1.9 KB (the input without it: 0.5 KB).
FIRST_PLAN_WINDOW = timedelta(days=30)

# Milestones that have no deliverable of their own end with the plan year.
ENDS_WITH_YEAR_KINDS = frozenset({MilestoneKind.ONGOING, MilestoneKind.RECURRING_EVENT})


class TaskTracker:
    def __init__(
        self, input: TaskWorkflowInput, state: TaskState, *, clock: Callable[[], datetime]
    ) -> None:
        self.input = input
        self.state = state
        self._clock = clock
        # Set when a period of a periodic task closed in this run: a reason to continue as new.
        self.period_closed = False
        # Milestones closed by evidence whose closing message is still to be sent.
        self.pending_closings: list[str] = []

    # ----------------------------------------------------------------------------- starting

    def start(self, planned: list[PlannedMilestone]) -> None:
        self.state = TaskState(
            milestones=[self._new_milestone(m) for m in planned],
            lead_units=list(self.input.lead_units),
        )
        self.record("started", detail=self.input.deadline_text)

    def _new_milestone(self, planned: PlannedMilestone) -> MilestoneState:
        if planned.due is None and planned.kind in EVENT_KINDS:
            status = MilestoneStatus.WAITING_EVENT
        elif planned.opens is not None and planned.opens > self._clock():
            status = MilestoneStatus.SCHEDULED
        else:
            status = MilestoneStatus.OPEN
        return MilestoneState(milestone=planned, status=status)

    def waits_for_event(self) -> bool:
        return any(m.status is MilestoneStatus.WAITING_EVENT for m in self.state.milestones)

    def skip_missed(self, milestone: MilestoneState, now: datetime) -> int:
        """For a task started late: drops the steps of `milestone` already past `now`, none of
        them sent; how many there were (none for a closed milestone). The task's lead units
        and the coordinator are told where it stands instead, once."""
        missed = [step for step in milestone.steps if step.at <= now]
        milestone.steps = [step for step in milestone.steps if step.at > now]
        if milestone.closed or not missed:
            return 0
        self.record(
            "caught_up",
            milestone.key,
            detail=f"started late: {len(missed)} step(s) had passed, not sent",
        )
        return len(missed)

    # ----------------------------------------------------------------------------- time

    @property
    def last_year(self) -> int:
        """The plan's last year: its only one, or the last of a plan that runs over several."""
        return self.input.last_year or self.input.year

    @property
    def year_end(self) -> datetime:
        return end_of_plan_year(self.last_year)

    def time_to_wake(self, longest: timedelta = LONGEST_WAIT) -> timedelta:
        now = self._clock()
        wake_points = [now + longest]
        for milestone in self.state.milestones:
            if milestone.closed:
                continue
            if milestone.steps:
                wake_points.append(milestone.steps[0].at)
            elif milestone.planned_until is not None:
                wake_points.append(milestone.planned_until)
            planned = milestone.milestone
            if milestone.status is MilestoneStatus.SCHEDULED and planned.opens is not None:
                wake_points.append(planned.opens)
            if milestone.status is MilestoneStatus.OPEN and planned.due is not None:
                wake_points.append(planned.due + timedelta(seconds=1))
            if planned.kind in ENDS_WITH_YEAR_KINDS and milestone.occurrence_of is None:
                wake_points.append(self.year_end)
        return max(min(wake_points) - now, timedelta(seconds=1))

    def advance_statuses(self) -> None:
        """Milestones open, fall overdue and end with the year as time passes."""
        now = self._clock()
        for milestone in self.state.milestones:
            planned = milestone.milestone
            if milestone.status is MilestoneStatus.SCHEDULED and (
                planned.opens is None or planned.opens <= now
            ):
                milestone.status = MilestoneStatus.OPEN
                self.record("opened", milestone.key)
            if (
                milestone.status is MilestoneStatus.OPEN
                and planned.due is not None
                and now > planned.due
            ):
                milestone.status = MilestoneStatus.OVERDUE
                self.record("overdue", milestone.key, detail=f"due {planned.due.isoformat()}")
                if planned.kind is MilestoneKind.PERIODIC:
                    self.period_closed = True
            if (
                planned.kind in ENDS_WITH_YEAR_KINDS
                and milestone.occurrence_of is None
                and not milestone.closed
                and now >= self.year_end
            ):
                milestone.status = MilestoneStatus.ENDED
                milestone.closed_at = now
                milestone.steps = []
                self.record("ended", milestone.key, detail="the plan year is over")

    def finish_if_done(self) -> None:
        if self.state.status is TaskStatus.ACTIVE and all(m.closed for m in self.state.milestones):
            self.state.status = TaskStatus.DONE
            self.record("done")

    # ----------------------------------------------------------------------------- steps

    def planning_until(
        self,
        milestone: MilestoneState,
        after: datetime | None,
        window: timedelta = PLANNING_WINDOW,
    ) -> datetime:
        """How far to ask the policy for the steps of `milestone` that follow `after`."""
        return planning_until(milestone.milestone, after or self._clock(), window)

    @staticmethod
    def set_steps(milestone: MilestoneState, steps: list[ScheduledStep], until: datetime) -> None:
        milestone.steps = sorted(steps, key=lambda step: (step.at, step.action, step.audience))
        milestone.planned_until = until

    @staticmethod
    def needs_more_steps(milestone: MilestoneState, now: datetime) -> bool:
        return (
            not milestone.closed
            and not milestone.steps
            and milestone.planned_until is not None
            and milestone.planned_until <= now
        )

    @staticmethod
    def take_due_steps(milestone: MilestoneState, now: datetime) -> list[ScheduledStep]:
        due_now: list[ScheduledStep] = []
        while milestone.steps and milestone.steps[0].at <= now and not milestone.closed:
            due_now.append(milestone.steps.pop(0))
        return due_now

    # ----------------------------------------------------------------------------- events

    def first_sighting(self, event: EventOccurrence) -> bool:
        """Notes the event as seen; False when it was seen before (signals come at least once)."""
        if event.identity in self.state.events_seen:
            return False
        self.state.events_seen.append(event.identity)
        return True

    @staticmethod
    def waits_on(milestone: MilestoneState, event: EventOccurrence) -> bool:
        return milestone.milestone.event_key == event.key and not milestone.closed

    def start_clock(self, milestone: MilestoneState, event: EventOccurrence, due: datetime) -> None:
        milestone.milestone = dataclasses.replace(milestone.milestone, due=due)
        milestone.event = event
        milestone.status = MilestoneStatus.OPEN
        self.record("event", milestone.key, detail=f"{event.identity}; due {due.isoformat()}")

    @staticmethod
    def corrected_by(milestone: MilestoneState, event: EventOccurrence) -> bool:
        """Whether `event` corrects the occurrence that started `milestone`'s clock."""
        started = milestone.event
        return (
            event.corrects is not None
            and started is not None
            and not milestone.closed
            and milestone.occurrence_of is None
            and started.key == event.key
            and started.occurred_on == event.corrects
        )

    def restart_clock(
        self, milestone: MilestoneState, event: EventOccurrence, due: datetime
    ) -> None:
        """The coordinator corrected the event's date: the clock counts from the new one."""
        previous = milestone.milestone.due
        milestone.milestone = dataclasses.replace(milestone.milestone, due=due)
        milestone.event = event
        if milestone.status is MilestoneStatus.OVERDUE and due > self._clock():
            milestone.status = MilestoneStatus.OPEN
        self.record(
            "event_corrected",
            milestone.key,
            detail=(
                f"{event.identity} instead of {event.key}@"
                f"{event.corrects.isoformat() if event.corrects else '-'}; due "
                f"{previous.isoformat() if previous else '-'} -> {due.isoformat()}"
            ),
        )

    @staticmethod
    def occurrence_key(template: MilestoneState, event: EventOccurrence) -> str:
        return f"{template.key}@{event.occurred_on.isoformat()}"

    def has_milestone(self, key: str) -> bool:
        return any(m.key == key for m in self.state.milestones)

    def add_occurrence(
        self, template: MilestoneState, event: EventOccurrence, due: datetime
    ) -> MilestoneState:
        key = self.occurrence_key(template, event)
        occurrence = MilestoneState(
            milestone=dataclasses.replace(template.milestone, key=key, due=due),
            status=MilestoneStatus.OPEN,
            occurrence_of=template.key,
            event=event,
        )
        self.state.milestones.append(occurrence)
        self.record("event", key, detail=f"{event.identity}; due {due.isoformat()}")
        return occurrence

    # ----------------------------------------------------------------------------- evidence

    def check_evidence(self, submission: EvidenceSubmission) -> None:
        milestone = self.milestone(submission.milestone_key)
        if milestone.closed:
            raise ValueError(
                f"milestone {milestone.key!r} is already closed ({milestone.status.value})"
            )
        if milestone.status is MilestoneStatus.WAITING_EVENT:
            raise ValueError(
                f"milestone {milestone.key!r} waits for the event "
                f"{milestone.milestone.event_key!r}: there is nothing to deliver yet"
            )
        if milestone.status is MilestoneStatus.SCHEDULED:
            opens = milestone.milestone.opens
            raise ValueError(
                f"milestone {milestone.key!r} opens on {opens.isoformat() if opens else '?'}"
            )
        if (
            milestone.milestone.kind is MilestoneKind.RECURRING_EVENT
            and milestone.occurrence_of is None
        ):
            raise ValueError(
                f"milestone {milestone.key!r} repeats on each event: send the evidence for one "
                "occurrence (its key ends in @date)"
            )
        if submission.submitted_by not in self.state.lead_units:
            raise ValueError(
                f"{submission.submitted_by!r} is not a lead unit of this task "
                f"(lead: {', '.join(self.state.lead_units)})"
            )
        if not (submission.document_number or submission.link or submission.file_ref):
            raise ValueError("evidence needs a document number, a link or a stored file")
        today = local_day(self._clock())
        if submission.document_date is not None and submission.document_date > today:
            raise ValueError(
                f"the document date {submission.document_date.isoformat()} is in the future "
                f"(today is {today.isoformat()})"
            )
        # Bounded as the plan's events are (workflows/plan.py): a year before the plan at most.
        earliest = date(self.input.year - 1, 1, 1)
        if submission.document_date is not None and submission.document_date < earliest:
            raise ValueError(
                f"the document date {submission.document_date.isoformat()} is before "
                f"{earliest.isoformat()}: evidence for a plan of {self.input.year} is dated "
                "the year before at the earliest"
            )
        if submission.link and not is_web_link(submission.link):
            raise ValueError(
                f"the link {submission.link!r} is not a web address (http:// or https://)"
            )

    def mark_done(self, milestone: MilestoneState, submission: EvidenceSubmission) -> bool:
        """Closes `milestone` with its evidence and queues its closing message; whether it
        came on time."""
        now = self._clock()
        on_time = milestone.milestone.due is None or now <= milestone.milestone.due
        milestone.evidence.append(submission)
        milestone.status = MilestoneStatus.DONE_ON_TIME if on_time else MilestoneStatus.DONE_LATE
        milestone.closed_at = now
        milestone.steps = []
        if milestone.milestone.kind is MilestoneKind.PERIODIC:
            self.period_closed = True
        self.record(
            "evidence",
            milestone.key,
            to=[submission.submitted_by],
            detail=" ".join(
                part
                for part in (
                    submission.document_number,
                    submission.link,
                    _entered_by(submission.recorded_by),
                )
                if part
            ),
        )
        self.pending_closings.append(milestone.key)
        return on_time

    def check_evidence_rejection(self, rejection: EvidenceRejection, *, in_review: bool) -> None:
        """Delivered evidence can be rejected while the task runs, or while a task done by
        its evidence waits out its review window (`in_review`)."""
        if not (self.state.status is TaskStatus.ACTIVE or in_review):
            raise ValueError(
                f"the task is {self.state.status.value} and its evidence can no longer be rejected"
            )
        milestone = self.milestone(rejection.milestone_key)
        if milestone.status not in (MilestoneStatus.DONE_ON_TIME, MilestoneStatus.DONE_LATE):
            raise ValueError(
                f"milestone {milestone.key!r} has no delivered evidence to reject "
                f"({milestone.status.value})"
            )
        if not rejection.reason.strip():
            raise ValueError("say why the evidence is rejected: the unit is told the reason")

    def reopen(self, milestone: MilestoneState, rejection: EvidenceRejection) -> None:
        """The evidence of `milestone` is rejected: it is open (or overdue) again, and so is
        the task; what was delivered stays in the record."""
        now = self._clock()
        due = milestone.milestone.due
        milestone.status = (
            MilestoneStatus.OVERDUE if due is not None and now > due else MilestoneStatus.OPEN
        )
        milestone.closed_at = None
        if milestone.key in self.pending_closings:
            self.pending_closings.remove(milestone.key)
        self.state.status = TaskStatus.ACTIVE
        self.record(
            "evidence_rejected",
            milestone.key,
            to=list(self.state.lead_units),
            detail=f"by {rejection.rejected_by}: {rejection.reason}",
        )

    # ----------------------------------------------------------------------------- extensions

    def check_extension_request(self, request: ExtensionRequest) -> None:
        milestone = self.open_milestone(request.milestone_key)
        if request.requested_by not in self.state.lead_units:
            raise ValueError(f"{request.requested_by!r} is not a lead unit of this task")
        self._check_new_due(milestone, request.new_due_on, request.reason, request.confirmed)

    def note_extension_request(self, request: ExtensionRequest) -> None:
        self.state.extension_requests.append(request)
        self.record(
            "extension_requested",
            request.milestone_key,
            to=[request.requested_by],
            detail=(
                f"until {request.new_due_on.isoformat()}: {request.reason}"
                f"{' ' + _entered_by(request.recorded_by) if request.recorded_by else ''}"
            ),
        )

    def check_extension_grant(self, grant: ExtensionGrant) -> None:
        milestone = self.open_milestone(grant.milestone_key)
        self._check_new_due(milestone, grant.new_due_on, grant.reason, grant.confirmed)

    def pending_request(self, milestone_key: str) -> ExtensionRequest | None:
        """The extension request of the milestone still waiting for the coordinator's answer:
        the last one asked, unless an extension was granted or refused after it."""
        waiting = False
        for entry in self.state.history:
            if entry.milestone_key != milestone_key:
                continue
            if entry.action == "extension_requested":
                waiting = True
            elif entry.action in ("extension_granted", "extension_refused"):
                waiting = False
        if not waiting:
            return None
        asked = [r for r in self.state.extension_requests if r.milestone_key == milestone_key]
        return asked[-1] if asked else None

    def check_extension_refusal(self, refusal: ExtensionRefusal) -> None:
        milestone = self.open_milestone(refusal.milestone_key)
        if not refusal.reason.strip():
            raise ValueError("say why: the reason is told to the unit")
        if self.pending_request(milestone.key) is None:
            raise ValueError(
                f"no extension request of milestone {milestone.key!r} waits for an answer"
            )

    def refuse_extension(self, refusal: ExtensionRefusal) -> ExtensionRequest:
        """Records the refusal; the request it answers."""
        request = self.pending_request(refusal.milestone_key)
        assert request is not None  # check_extension_refusal
        self.record(
            "extension_refused",
            refusal.milestone_key,
            to=[request.requested_by],
            detail=(
                f"asked until {request.new_due_on.isoformat()}, refused by "
                f"{refusal.refused_by}: {refusal.reason}"
            ),
        )
        return request

    def extend(self, milestone: MilestoneState, due: datetime, grant: ExtensionGrant) -> None:
        previous = milestone.milestone.due
        milestone.milestone = dataclasses.replace(milestone.milestone, due=due)
        if milestone.status is MilestoneStatus.OVERDUE and due > self._clock():
            milestone.status = MilestoneStatus.OPEN
        self.record(
            "extension_granted",
            milestone.key,
            to=[grant.granted_by],
            detail=(
                f"from {previous.isoformat() if previous else '-'} to {due.isoformat()}: "
                f"{grant.reason}"
            ),
        )

    def _check_new_due(
        self, milestone: MilestoneState, new_due_on: date, reason: str, confirmed: bool
    ) -> None:
        if not reason.strip():
            raise ValueError("an extension needs a reason")
        due = milestone.milestone.due
        if due is None:
            raise ValueError(f"milestone {milestone.key!r} has no due date to extend")
        if new_due_on <= local_day(due):
            raise ValueError(
                f"the new due date {new_due_on.isoformat()} is not after the current one, "
                f"{local_day(due).isoformat()}"
            )
        if new_due_on <= local_day(self._clock()):
            raise ValueError(f"the new due date {new_due_on.isoformat()} is not in the future")
        if new_due_on.year > self.last_year and not confirmed:
            raise ValueError(
                f"the new due date {new_due_on.isoformat()} is beyond the plan's year "
                f"{self.last_year}: confirm it if that is meant (--confirm)"
            )

    # ----------------------------------------------------------------------------- coordinator

    def check_reassignment(self, reassignment: Reassignment) -> None:
        self.check_active()
        if not reassignment.lead_units:
            raise ValueError("name at least one lead unit")
        if not reassignment.reason.strip():
            raise ValueError("a reassignment needs a reason")

    def reassign(self, reassignment: Reassignment) -> list[str]:
        previous = self.state.lead_units
        self.state.lead_units = list(reassignment.lead_units)
        self.record(
            "reassigned",
            to=list(reassignment.lead_units),
            detail=f"from {', '.join(previous)} by {reassignment.by}: {reassignment.reason}",
        )
        return self.state.lead_units

    def check_closure(self, closure: Closure) -> None:
        self.check_active()
        if not closure.reason.strip():
            raise ValueError("say why: the reason is kept in the record")

    def close(self, status: TaskStatus, closure: Closure) -> None:
        """The coordinator ends the task (cancelled, carried over): every open milestone too."""
        now = self._clock()
        for milestone in self.state.milestones:
            if not milestone.closed:
                milestone.status = MilestoneStatus.CANCELLED
                milestone.closed_at = now
                milestone.steps = []
        self.state.status = status
        self.state.closing_reason = closure.reason
        self.record(status.value, detail=f"by {closure.by}: {closure.reason}")

    def check_active(self) -> None:
        if self.state.status is not TaskStatus.ACTIVE:
            raise ValueError(f"the task is {self.state.status.value}")

    # ----------------------------------------------------------------------------- record

    def record(
        self, action: str, milestone_key: str = "", *, to: list[str] | None = None, detail: str = ""
    ) -> None:
        self.state.history.append(
            HistoryEntry(
                at=self._clock(),
                action=action,
                milestone_key=milestone_key,
                to=list(to or []),
                detail=detail,
            )
        )

    def unfinished(self) -> list[MilestoneState]:
        """The milestones not closed, the most urgent first (overdue, then by due instant)."""
        return sorted(
            (m for m in self.state.milestones if not m.closed),
            key=lambda m: (
                m.status is not MilestoneStatus.OVERDUE,
                m.milestone.due is None,
                m.milestone.due or self.year_end,
            ),
        )

    def milestone(self, key: str) -> MilestoneState:
        for milestone in self.state.milestones:
            if milestone.key == key:
                return milestone
        known = ", ".join(m.key for m in self.state.milestones)
        raise ValueError(f"this task has no milestone {key!r} (its milestones: {known})")

    def open_milestone(self, key: str) -> MilestoneState:
        self.check_active()
        milestone = self.milestone(key)
        if milestone.closed:
            raise ValueError(f"milestone {key!r} is already closed ({milestone.status.value})")
        return milestone


def planning_until(
    milestone: PlannedMilestone, start: datetime, window: timedelta = PLANNING_WINDOW
) -> datetime:
    """How far to ask the policy for the steps of `milestone` that follow `start`."""
    return max(start, milestone.due or start) + window


def _entered_by(who: str) -> str:
    """Who entered a unit's message for it (the coordinator), as the history says it."""
    return f"(entered by {who})" if who else ""


def is_web_link(link: str) -> bool:
    """An http or https address with a host: what a person can open from a message."""
    parts = urlsplit(link.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
