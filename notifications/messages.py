"""What a message says, before it is put into words: plain data the templates read.

Everything here is already resolved (unit names, local dates as text, working days counted),
so rendering is a pure function of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.payloads import MessageKind


@dataclass(frozen=True)
class MilestoneLine:
    """One milestone of one task, as a message shows it."""

    task_code: str
    task_title: str
    milestone_key: str
    milestone_label: str
    # `Thứ Sáu, 28/04/2023, 17:00`; empty while the due date is not known (waiting on an event).
    due_text: str
    # Working days from today to the due day: 0 on the day, negative once overdue.
    working_days_left: int | None
    evidence_hint: str
    evidence_link: str
    lead_unit_names: list[str] = field(default_factory=list)
    # In a digest: which kind of message this line stands for.
    kind: MessageKind | None = None
    note: str = ""
    # The event the milestone waits on (or waited on): the plan's words, its key, who records
    # it (the coordinator's name) and where (the events page; messages name the event by the
    # plan's words, never by its key).
    event_text: str = ""
    event_key: str = ""
    event_recorder_name: str = ""
    event_link: str = ""


@dataclass(frozen=True)
class EvidenceLine:
    """The evidence that closed a milestone."""

    document_number: str = ""
    document_date_text: str = ""
    link: str = ""
    note: str = ""
    submitted_by: str = ""
    on_time: bool | None = None


@dataclass(frozen=True)
class DeliveryFailureLine:
    """A unit that could not be reached, told to the coordinator."""

    unit_code: str
    unit_name: str
    original_kind: MessageKind
    original_subject: str
    channels: list[str]
    failures: int
    last_answer: str


@dataclass(frozen=True)
class YearTally:
    """Where the plan's milestones stand at the end of its year."""

    year: int
    tasks: int
    milestones: int
    done_on_time: int
    done_late: int
    overdue: int
    # Open within their deadline, or not open yet.
    in_progress: int
    waiting_event: int
    # Ongoing and recurring obligations, ended with the year.
    ended: int
    cancelled: int


@dataclass(frozen=True)
class ExtensionLine:
    """What a lead unit asked for: the coordinator grants it, or not, on the task's page."""

    requested_by_name: str
    new_due_text: str
    reason: str
    # The task's page, where the signed-in coordinator answers.
    answer_link: str = ""


@dataclass(frozen=True)
class DecisionLine:
    """What a decision message says was decided: by whom, why, and what changed."""

    by_name: str
    reason: str = ""
    # An extension granted: the due date before it (`Thứ Sáu, 31/03/2023, 17:00`).
    previous_due_text: str = ""
    # An extension refused: the day the unit asked for (`Thứ Hai, 15/05/2023`).
    asked_text: str = ""
    # A reassignment: the lead units before and after, by name.
    previous_lead_names: list[str] = field(default_factory=list)
    lead_names: list[str] = field(default_factory=list)
    # An event that started the clock: its day, its decision, whether it corrects a date.
    event_day_text: str = ""
    event_decision: str = ""
    corrected: bool = False


@dataclass(frozen=True)
class MessageContext:
    kind: MessageKind
    recipient_name: str
    plan_title: str
    # The local day the message speaks of (`Thứ Hai, 08/05/2023`): today, for the summaries.
    day_text: str
    milestone: MilestoneLine | None = None
    milestones: list[MilestoneLine] = field(default_factory=list)
    evidence: EvidenceLine | None = None
    failure: DeliveryFailureLine | None = None
    tally: YearTally | None = None
    extension: ExtensionLine | None = None
    decision: DecisionLine | None = None
    # Where the whole picture is: the plan's overview for the summaries.
    overview_link: str = ""
    note: str = ""
    # The recipient leads the task itself (an escalation to the lead unit, not about it).
    recipient_leads: bool = False
    # The recipient coordinates the task: told for information, asked to support.
    recipient_coordinates: bool = False
    # A sample sent to check a channel (`notify-test`): the message says so.
    sample: bool = False


@dataclass(frozen=True)
class RenderedMessage:
    kind: MessageKind
    # One line, UTF-8: an email subject or a chat message's headline.
    subject: str
    html: str
    text: str
    # A chat message (Zalo): the headline and the essentials, within SHORT_LIMIT characters.
    short: str
