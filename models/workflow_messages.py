"""What the engine's workflows take, hold, answer and receive.

Plain dataclasses only: they travel through Temporal's JSON converter and are carried across
continue-as-new, so a field may be added (with a default) but never renamed or removed while
workflows that hold it are running. Instants are timezone-aware UTC; dates are local days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from deadlines import MilestoneKind, PlannedMilestone, ScheduledStep, StepAction
from models.payloads import MessageBatch, NotificationRequest
from models.statuses import CLOSED_MILESTONE_STATUSES, DisplayStatus, MilestoneStatus, TaskStatus


@dataclass(frozen=True)
class EventOccurrence:
    """The province issued its decision (or another awaited thing happened)."""

    key: str
    occurred_on: date
    decision: str = ""
    # Set when the event itself names the deadline ("Theo Kế hoạch của UBND tỉnh").
    due_on: date | None = None
    recorded_by: str = ""
    # A correction: this occurrence replaces the one recorded on that day (confirmed by the
    # coordinator); the tasks whose clock that one started count from this one.
    corrects: date | None = None

    @property
    def identity(self) -> str:
        return f"{self.key}@{self.occurred_on.isoformat()}"


@dataclass(frozen=True)
class EvidenceSubmission:
    milestone_key: str
    submitted_by: str
    document_number: str = ""
    document_date: date | None = None
    link: str = ""
    file_ref: str = ""
    note: str = ""
    # Who entered it, when not the unit itself (the coordinator delivering for a unit).
    recorded_by: str = ""


@dataclass(frozen=True)
class EvidenceRejection:
    """The coordinator finds delivered evidence wanting: the milestone opens again."""

    milestone_key: str
    reason: str
    rejected_by: str


@dataclass(frozen=True)
class ExtensionRequest:
    milestone_key: str
    new_due_on: date
    reason: str
    requested_by: str
    # A new due date beyond the plan's year, asked for knowingly.
    confirmed: bool = False
    # Who entered it, when not the unit itself (the coordinator asking for a unit).
    recorded_by: str = ""


@dataclass(frozen=True)
class ExtensionGrant:
    milestone_key: str
    new_due_on: date
    reason: str
    granted_by: str
    # A new due date beyond the plan's year, granted knowingly.
    confirmed: bool = False


@dataclass(frozen=True)
class ExtensionRefusal:
    """The coordinator says no to the extension a lead unit asked for."""

    milestone_key: str
    reason: str
    refused_by: str


@dataclass(frozen=True)
class Reassignment:
    lead_units: list[str]
    reason: str
    by: str


@dataclass(frozen=True)
class Closure:
    """The coordinator ends a task that will not be done here: cancelled, or carried over."""

    reason: str
    by: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    action: str
    milestone_key: str = ""
    to: list[str] = field(default_factory=list)
    detail: str = ""


@dataclass
class QueuedMessage:
    """A message a decision or a step caused, waiting in the task's outbox to be sent."""

    request: NotificationRequest
    # Not sent before this instant: when it was queued, the next office opening, or the next
    # attempt after a failed one.
    not_before: datetime
    # Attempts that failed so far (quiet hours cost none).
    attempts: int = 0
    # The task's history line written once it is sent (a step's action and note), if any.
    action: str = ""
    detail: str = ""


@dataclass
class MilestoneState:
    # The milestone as it stands now: an extension or an event replaces its `due`.
    milestone: PlannedMilestone
    status: MilestoneStatus
    # Steps still to come, sorted; `planned_until` is how far the policy has been asked.
    steps: list[ScheduledStep] = field(default_factory=list)
    planned_until: datetime | None = None
    evidence: list[EvidenceSubmission] = field(default_factory=list)
    closed_at: datetime | None = None
    # For an occurrence of a recurring-on-event milestone: the key of the milestone it repeats.
    occurrence_of: str | None = None
    event: EventOccurrence | None = None

    @property
    def key(self) -> str:
        return self.milestone.key

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_MILESTONE_STATUSES


@dataclass
class TaskState:
    milestones: list[MilestoneState]
    lead_units: list[str]
    status: TaskStatus = TaskStatus.ACTIVE
    events_seen: list[str] = field(default_factory=list)
    extension_requests: list[ExtensionRequest] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    closing_reason: str = ""
    # Messages not sent yet, in the order they were queued: carried across continue-as-new.
    outbox: list[QueuedMessage] = field(default_factory=list)


@dataclass(frozen=True)
class TaskWorkflowInput:
    plan_key: str
    year: int
    task_code: str
    title: str
    deadline_text: str
    lead_units: list[str]
    coordinating_units: list[str]
    coordinator: str
    leadership: str
    # Carried across continue-as-new; None on the first run.
    state: TaskState | None = None
    # The year the plan's document was written for, when the plan runs in another year.
    written_year: int | None = None
    # The last year of a plan that runs over several from `year` ("giai đoạn 2025–2026"): the
    # task's plan year ends with it. None for a plan of one year.
    last_year: int | None = None
    # The code of the plan's agency, for the task's search attribute (NhachanAgency); None in
    # inputs recorded before it was added.
    agency: str | None = None
    # The task's first plan as the starter computed it (whose projection it wrote): the first
    # run takes it instead of asking `plan_task`. None in inputs recorded before it was added,
    # on continue-as-new, and when the starter did not write the task's projection.
    first_plan: FirstPlan | None = None


@dataclass(frozen=True)
class MilestoneView:
    key: str
    label: str
    kind: MilestoneKind
    status: MilestoneStatus
    due: datetime | None
    closed_at: datetime | None
    event_key: str | None
    evidence: list[EvidenceSubmission] = field(default_factory=list)


@dataclass(frozen=True)
class NextAction:
    at: datetime
    action: StepAction
    milestone_key: str
    to: list[str]


@dataclass(frozen=True)
class TaskSnapshot:
    plan_key: str
    task_code: str
    title: str
    status: TaskStatus
    lead_units: list[str]
    milestones: list[MilestoneView]
    next_action: NextAction | None
    display_status: DisplayStatus = DisplayStatus.ACTIVE
    closing_reason: str = ""


@dataclass(frozen=True)
class RecordedBatch:
    """A round's projection and the messages due once it is written (marker "record-and-send",
    workflows/sending.py): one local activity writes the one, then sends the other."""

    snapshot: TaskSnapshot
    batch: MessageBatch


@dataclass(frozen=True)
class EventSubscription:
    """A task that waits on an event key, and whether the event must carry the due date."""

    task_code: str
    event_key: str
    needs_due_date: bool
    # The task repeats its obligation on each occurrence ("Khi có phát sinh"): every date of the
    # event is an occurrence of its own, not a second date of one.
    recurring: bool = False


@dataclass
class PlanState:
    events: list[EventOccurrence] = field(default_factory=list)
    summary_sent: bool = False
    # The later years of a plan of several years whose summary was sent (the first year's is
    # `summary_sent`).
    years_summarised: list[int] = field(default_factory=list)
    # Replaced when the plan is started again from a changed file; None: the input's.
    subscriptions: list[EventSubscription] | None = None
    # Events routed whose lead units are still to be told of the clocks they started (marker
    # "units-told-once"): each the tasks that took it.
    untold: list[EventDelivery] = field(default_factory=list)


@dataclass(frozen=True)
class PlanWorkflowInput:
    plan_key: str
    year: int
    subscriptions: list[EventSubscription]
    leadership: str
    # When the leadership gets the year's summary (computed by the caller from the calendar).
    year_summary_at: datetime
    state: PlanState | None = None
    # A plan of several years: its last year, and when the summary of each year after the first
    # is due, in order (computed by the caller, as `year_summary_at`). The workflow ends once
    # the last year's is sent.
    last_year: int | None = None
    later_summaries_at: list[datetime] = field(default_factory=list)


@dataclass(frozen=True)
class EventRouting:
    key: str
    occurred_on: date
    tasks: list[str]
    already_recorded: bool


# Requests to the engine's activities.


@dataclass(frozen=True)
class PlanTaskRequest:
    task_code: str
    title: str
    deadline_text: str
    year: int
    written_year: int | None = None
    # The last year of a plan of several years (TaskWorkflowInput.last_year).
    last_year: int | None = None


@dataclass(frozen=True)
class FirstPlanRequest:
    """A task's milestones and the first steps of each, asked for in one call; each planning
    window counts from `now` (the workflow's time)."""

    task: PlanTaskRequest
    now: datetime


@dataclass(frozen=True)
class MilestonePlan:
    """A milestone as planned, with its steps up to `until`."""

    milestone: PlannedMilestone
    steps: list[ScheduledStep]
    until: datetime


@dataclass(frozen=True)
class FirstPlan:
    """A task's milestones and the first steps of each as planned at `planned_at` (what
    `plan_task` answers for that instant), and the projection the starter wrote from them."""

    planned_at: datetime
    milestones: list[MilestonePlan]


@dataclass(frozen=True)
class ScheduleRequest:
    task_code: str
    year: int
    milestone: PlannedMilestone
    after: datetime | None
    until: datetime


@dataclass(frozen=True)
class DueAfterEventRequest:
    task_code: str
    year: int
    milestone: PlannedMilestone
    event: EventOccurrence


@dataclass(frozen=True)
class DueOnDayRequest:
    task_code: str
    year: int
    day: date


@dataclass(frozen=True)
class EvidenceRecord:
    plan_key: str
    task_code: str
    submission: EvidenceSubmission
    submitted_at: datetime
    on_time: bool


@dataclass(frozen=True)
class EventRecord:
    plan_key: str
    event: EventOccurrence


@dataclass(frozen=True)
class EventClock:
    """A milestone's clock started by an event, as the router worked it out for a task at
    `planned_at`: the milestone as it waited (`waiting`, no due date yet), its due date, and its
    steps up to `until` (workflows.event_clock). The task takes it only if its own milestone is
    still `waiting` (else it asks the policy itself)."""

    waiting: PlannedMilestone
    due: datetime
    planned_at: datetime
    steps: list[ScheduledStep]
    until: datetime


@dataclass(frozen=True)
class RoutedEvent:
    """An event as the router signals it to a task: with the clocks it starts there."""

    event: EventOccurrence
    clocks: list[EventClock]
    # The plan tells the lead units of every task the event reached, in one message each, once
    # the tasks have reacted (marker "units-told-once"): the task tells them nothing itself of
    # the clock this event starts.
    units_told: bool = False


@dataclass(frozen=True)
class EventDelivery:
    """An event recorded by the plan, to be signalled to the tasks that wait on it."""

    plan_key: str
    event: EventOccurrence
    task_codes: list[str]
    # Signal the tasks that the plan tells their lead units of the clocks the event starts
    # (RoutedEvent.units_told); the plan then sends `clocks_started` for `task_codes`.
    units_told: bool = False


# A year of days fits easily in one history, but a short run keeps replays cheap.
DIGEST_DAYS_PER_RUN = 31


@dataclass(frozen=True)
class DailyDigestInput:
    """The daily digest workflow's input (workflows.digest). Defined here, outside the workflow's
    module, so that it is one class in the whole worker: the sandbox loads a workflow's own module
    afresh for each workflow, and the data converter keeps a schema per class."""

    # Local time of day (Asia/Ho_Chi_Minh); keep it inside office hours.
    digest_time: time
    # The last local day whose digest was sent; carried across continue-as-new.
    last_day: date | None = None
    days_per_run: int = DIGEST_DAYS_PER_RUN
