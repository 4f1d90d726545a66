"""Plain payloads that cross the workflow/activity boundary (never a table object), and the
words they are written in.

Instants are timezone-aware UTC datetimes; dates are local (Asia/Ho_Chi_Minh) calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from deadlines import StepAudience
from models.tables import NotificationStatus


class MessageKind(StrEnum):
    """The kinds of message the product sends, in the words the engine uses."""

    REMINDER = "reminder"
    CHECK_IN = "check_in"
    ESCALATION_COORDINATOR = "escalation_coordinator"
    ESCALATION_LEADERSHIP = "escalation_leadership"
    NUDGE = "nudge"
    CLOSING = "closing"
    # A lead unit asks for more time; the coordinator decides.
    EXTENSION_REQUEST = "extension_request"
    # The leadership's account of the plan year, after its last working day.
    YEAR_SUMMARY = "year_summary"
    # Decisions, told to the units they concern.
    EXTENSION_GRANTED = "extension_granted"
    EXTENSION_REFUSED = "extension_refused"
    REASSIGNED = "reassigned"
    CANCELLED = "cancelled"
    CARRIED_OVER = "carried_over"
    # An event started a milestone's clock: its lead units learn the due date.
    CLOCK_STARTED = "clock_started"
    # An event started the clocks of several tasks: each lead unit learns its due dates in one
    # message, sent by the plan once its tasks have reacted (workflows/plan.py).
    CLOCKS_STARTED = "clocks_started"
    # Evidence arrived: the coordinator is told.
    EVIDENCE_RECEIVED = "evidence_received"
    # A task started after some of its steps had passed: where it stands, once.
    CATCH_UP = "catch_up"
    # The coordinator rejected the evidence a lead unit delivered: the milestone is open again.
    EVIDENCE_REJECTED = "evidence_rejected"
    # The product's own messages, not asked for by the engine.
    DELIVERY_FAILURE = "delivery_failure"
    DIGEST = "digest"
    # A unit's signed link to its own page, sent again by the coordinator from the web app.
    UNIT_LINK = "unit_link"
    # The answer to a unit's reply by email or Zalo: what was recorded, or why not (replies/).
    REPLY_ANSWER = "reply_answer"


class DeliveryOutcome(StrEnum):
    """What a request came to for one unit: the status its log row has (in the log's words),
    or that it had been sent before, or, only inside an attempt, that it is not sent yet."""

    SENT = NotificationStatus.SENT.value
    ALREADY_SENT = "already_sent"
    # Held: for the unit's daily digest, or for the next working day's leadership summary.
    QUEUED = NotificationStatus.QUEUED.value
    # Nothing to send any more: every milestone it was about closed before the digest or
    # summary it waited for.
    SKIPPED = NotificationStatus.SKIPPED.value
    FAILED = NotificationStatus.FAILED.value
    # Not delivered yet: the attempt ends in `DeliveryIncomplete` and is retried.
    PENDING = "pending"


@dataclass(frozen=True)
class DecisionFacts:
    """What a decision message tells besides its milestone: who decided, why, what changed."""

    # The unit (or person) who decided, and why.
    by: str = ""
    reason: str = ""
    # An extension granted: the due instant before it.
    previous_due_at: datetime | None = None
    # An extension refused: the day the unit asked for.
    asked_on: date | None = None
    # A reassignment: the lead units before and after.
    previous_lead_units: list[str] = field(default_factory=list)
    lead_units: list[str] = field(default_factory=list)
    # An event that started the clock: when it happened, the decision's number, and whether it
    # corrects an earlier date.
    event_on: date | None = None
    event_decision: str = ""
    corrected: bool = False


@dataclass(frozen=True)
class NotificationRequest:
    """One message the engine wants a set of units to receive.

    `key` is derived from the workflow id, the milestone, the kind and the scheduled instant, so
    a retried activity or a replayed workflow asks for the same message again, not a new one.
    """

    key: str
    workflow_id: str
    kind: MessageKind
    plan_key: str
    task_code: str
    task_title: str
    milestone_key: str
    milestone_label: str
    scheduled_at: datetime
    # Unit codes; the coordinator's and leadership's codes for escalations.
    recipients: list[str] = field(default_factory=list)
    due_at: datetime | None = None
    # What counts as evidence for this milestone, shown in the message.
    evidence_hint: str = ""
    note: str = ""
    # Whom the recipients are to the task; "" when no step named it (a closing). Coordinating
    # units are told for information and asked to support, not to deliver.
    audience: StepAudience | Literal[""] = ""
    # An extension request (kind extension_request): who asks, and until when; `note` is why.
    requested_by: str = ""
    requested_due_at: datetime | None = None
    # The event a milestone waits on (or waited on): its key, and the words of the plan.
    event_key: str = ""
    event_text: str = ""
    # The decisions' kinds (extension granted, reassigned, …): what was decided.
    decision: DecisionFacts | None = None
    # A year summary of a plan of several years: the year it accounts for (None: the plan's
    # first, its only one for a plan of one year).
    summary_year: int | None = None
    # The tasks a message about several tasks lists (kind clocks_started: those the event
    # reached, each listed to its lead units).
    task_codes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NotificationOutcome:
    key: str
    # Unit code -> what the request came to for it.
    per_unit: dict[str, DeliveryOutcome] = field(default_factory=dict)


class SendResult(StrEnum):
    """What one message of a batch came to (`send_messages`); the workflow decides what next."""

    # Every unit settled: sent, already sent, held for its digest, or given up on (failed_units).
    SETTLED = "settled"
    # Outside office hours: nothing was sent; the message waits until `held_until`.
    HELD = "held"
    # Some unit not reached yet: the workflow tries again later, on a timer of its own.
    RETRY = "retry"
    # A request no attempt can send (InvalidNotification): dropped, with the reason.
    GIVEN_UP = "given_up"


@dataclass(frozen=True)
class MessageToSend:
    request: NotificationRequest
    # The last attempt the workflow will make: quiet hours are ignored and every unit still
    # undelivered is given up on, the coordinator told (see notifications.delivery).
    last_attempt: bool = False


@dataclass(frozen=True)
class MessageBatch:
    """The messages of one task due at one instant, sent by one activity call, in order."""

    messages: list[MessageToSend]
    # The workflow's clock when a local activity sends the batch (marker "local-send"): a local
    # activity's info carries the worker's wall clock, not Temporal's, and the two part on the
    # time-skipping test server (activities/notify.py says which one it goes by). None for an
    # activity, which reads its own start on Temporal's clock.
    at: datetime | None = None


@dataclass(frozen=True)
class MessageResult:
    key: str
    result: SendResult
    held_until: datetime | None = None
    # Units given up on (their log rows `failed`; the coordinator was told).
    failed_units: list[str] = field(default_factory=list)
    error: str = ""
