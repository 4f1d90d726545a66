"""The tables. Only descriptions of data: no queries, no behaviour."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect, Index, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from models.statuses import MilestoneStatus


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC instant in, an aware UTC instant out: SQLite keeps no time zone, so what it
    hands back is made UTC again (every instant is stored in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None and value.tzinfo else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc_column(nullable: bool = True) -> Any:
    return Column(UtcDateTime(), nullable=nullable)


class UnitRole(StrEnum):
    UNIT = "unit"
    COORDINATOR = "coordinator"
    LEADERSHIP = "leadership"


class Agency(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    name: str


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    code: str = Field(unique=True, index=True)
    name: str
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    role: UnitRole = UnitRole.UNIT


class Plan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    number: str
    year: int
    # The last year of a plan of several years ("giai đoạn 2025–2026"); None for one year.
    last_year: int | None = None
    title: str
    issue_date: date | None = None
    source_name: str
    source_hash: str
    stated_task_count: int | None = None
    # Warnings of the import report, kept with the plan: [{"level", "where", "message"}].
    warnings: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    imported_at: datetime = Field(sa_column=_utc_column(nullable=False))
    # When the engine first started the plan's workflows: verbs act on the plans it runs, never
    # on a plan only imported or previewed.
    started_at: datetime | None = Field(default=None, sa_column=_utc_column())


class Task(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("plan_id", "code"),
        # The plans listed with their open and overdue tasks count by plan and status.
        Index("ix_task_plan_id_status", "plan_id", "status"),
        # A reader that kept the plan's rows reads again only the tasks written since.
        Index("ix_task_plan_id_projection_version", "plan_id", "projection_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    code: str = Field(index=True)
    section: str
    section_title: str
    row: int
    title: str
    # Unit codes. Groups are expanded on import.
    lead_units: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    coordinating_units: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # Phrases such as "Các đơn vị liên quan" that the coordinator still has to name.
    unresolved_units: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    deadline_text: str
    note: str = ""
    # The coordinator's corrections of the document's cells at import (field, original,
    # corrected, by, at): the task is read as corrected, the document stays as issued.
    corrections: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    # Written by the engine (a projection of the task's workflow), never by the importer:
    # active | waiting_event | overdue | done | ended | cancelled | carried_over.
    status: str | None = None
    next_action: str = ""
    next_action_at: datetime | None = Field(default=None, sa_column=_utc_column())
    # The plan's projection version the engine's last write of this task made (0: never).
    projection_version: int = 0


class Milestone(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("task_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    # Stable within the task: "1", "2" for parts of a compound deadline, "2023-Q1" for a period.
    key: str
    order: int
    label: str = ""
    text: str
    kind: str | None = None
    event_key: str | None = Field(default=None, index=True)
    due_at: datetime | None = Field(default=None, sa_column=_utc_column())
    status: MilestoneStatus | None = None
    closed_at: datetime | None = Field(default=None, sa_column=_utc_column())


class Event(SQLModel, table=True):
    """Something outside the plan happened: the province issued a decision, software was built."""

    __table_args__ = (UniqueConstraint("plan_id", "key", "occurred_on"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    key: str = Field(index=True)
    occurred_on: date
    decision: str = ""
    # Set when the event itself names the deadline ("Theo Kế hoạch của UBND tỉnh").
    due_on: date | None = None
    recorded_at: datetime = Field(sa_column=_utc_column(nullable=False))


class Evidence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    milestone_key: str
    document_number: str = ""
    document_date: date | None = None
    link: str = ""
    file_ref: str = ""
    submitted_by: str
    note: str = ""
    submitted_at: datetime = Field(sa_column=_utc_column(nullable=False))
    on_time: bool | None = None


class NotificationStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    # Nothing left to send: the milestone closed before the digest or summary it waited for.
    SKIPPED = "skipped"


class NotificationLog(SQLModel, table=True):
    """One notification's life. `key` makes a retried send find what was already sent."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    workflow_id: str = Field(index=True)
    task_code: str = ""
    milestone_key: str = ""
    kind: str
    unit_code: str = Field(index=True)
    scheduled_at: datetime = Field(sa_column=_utc_column(nullable=False))
    status: NotificationStatus = NotificationStatus.QUEUED
    # The channel as apprise prints it in privacy mode: never a secret.
    channel: str = ""
    attempts: int = 0
    answer: str = ""
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))
    updated_at: datetime = Field(sa_column=_utc_column(nullable=False))
    plan_key: str = Field(default="", index=True)
    # What the message is about, kept so a daily digest or summary can render it later.
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # A send in progress holds the row until then, so two workers never send one message twice.
    claimed_until: datetime | None = Field(default=None, sa_column=_utc_column())
    sent_at: datetime | None = Field(default=None, sa_column=_utc_column())
    # Sends whose outcome nobody could know (the worker stopped between the channel's answer and
    # this row's update), each followed by a resend: the unit may have the message twice (an
    # email with the same Message-ID). Never shown as one clean send.
    uncertain_attempts: int = 0


# ----------------------------------------------------------------------------- the web app


class Account(SQLModel, table=True):
    """A person who signs in to the web app: the coordinator's staff (role coordinator) or the
    leadership (role leadership). Units have no account: they act from their signed link."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    role: UnitRole
    # The agency whose plans the account reads and acts on (its code); "" for every agency's
    # (the deployment's own office). A coordinator of one agency never acts on another's plan.
    agency_code: str = Field(default="", index=True)
    # argon2id, with its parameters and salt; the password itself is never stored.
    password_hash: str
    # The account the first `make run` creates has a one-time password, changed at first use.
    must_change_password: bool = False
    disabled: bool = False
    created_at: datetime = Field(sa_column=_utc_column(nullable=False))
    # A session opened before this instant is over (the password changed since).
    password_changed_at: datetime = Field(sa_column=_utc_column(nullable=False))


class AuditEntry(SQLModel, table=True):
    """One action taken through the web app or its API, done or refused: who (an account or a
    unit), through what (its account, or its link and when that link was issued), when, on
    what, and the details asked for."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc_column(nullable=False))
    # An account's name, or a unit's code.
    actor: str = Field(index=True)
    # None for a sign-in tried under a name no account has: no role to name.
    actor_role: UnitRole | None = None
    # "account" or "unit_link", and what identifies it (the link's issue instant).
    via: str
    via_detail: str = ""
    action: str = Field(index=True)
    plan_key: str = Field(default="", index=True)
    task_code: str = Field(default="", index=True)
    milestone_key: str = ""
    # "done", or "refused" with the reason in `message`.
    outcome: str = "done"
    message: str = ""
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    address: str = ""


class UnitLinkRevocation(SQLModel, table=True):
    """Links of a unit issued before `revoked_before` no longer open anything."""

    id: int | None = Field(default=None, primary_key=True)
    unit_code: str = Field(unique=True, index=True)
    revoked_before: datetime = Field(sa_column=_utc_column(nullable=False))
    revoked_by: str = ""


class EndedSession(SQLModel, table=True):
    """A web session signed out of: its cookie, even a copy kept from before, opens nothing.
    Kept until the session would have expired by itself."""

    session_id: str = Field(primary_key=True)
    ended_at: datetime = Field(sa_column=_utc_column(nullable=False))


class EvidenceFile(SQLModel, table=True):
    """A file delivered as evidence, stored once under the var folder by its content's hash;
    an evidence's `file_ref` is `sha256:<hash>`."""

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(unique=True, index=True)
    size: int
    # Read from the content, never from the name the sender gave it.
    media_type: str
    original_name: str = ""
    uploaded_by: str = ""
    uploaded_at: datetime = Field(sa_column=_utc_column(nullable=False))


class EvidenceReview(SQLModel, table=True):
    """The coordinator's word on delivered evidence: accepted, or rejected with a reason (the
    rejection reopened the milestone)."""

    id: int | None = Field(default=None, primary_key=True)
    evidence_id: int = Field(foreign_key="evidence.id", index=True)
    decision: str
    reason: str = ""
    by: str
    at: datetime = Field(sa_column=_utc_column(nullable=False))


class ProjectionVersion(SQLModel, table=True):
    """Counts the engine's writes to a plan's projection (tasks and milestones), so that a
    reader may keep what it read until the count moves."""

    plan_id: int = Field(primary_key=True, foreign_key="plan.id")
    version: int = 0
    # The version of the last write that named no task: a reader reads the whole plan again.
    whole_version: int = 0


# ----------------------------------------------------------------------------- replies


class ReplyState(StrEnum):
    # Claimed before anything is done with it: a restart finds it here and finishes it.
    HANDLING = "handling"
    # Recorded as the milestone's evidence.
    RECORDED = "recorded"
    # Recorded as a request for more time.
    EXTENSION_REQUESTED = "extension_requested"
    # Read, and refused (why: `reason`).
    REFUSED = "refused"
    # Matched to no milestone.
    UNMATCHED = "unmatched"
    # An auto-reply or a bounce: never answered.
    IGNORED = "ignored"
    # A Zalo chat with several milestones open: it was asked which one.
    ASKED = "asked"


class ReceivedReply(SQLModel, table=True):
    """A reply a unit (or anyone) sent to the product by email or Zalo, and what was done with
    it. `message_key` is unique: the same message delivered twice is one row."""

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    message_key: str = Field(unique=True, index=True)
    sender: str = Field(index=True)
    subject: str = ""
    received_at: datetime = Field(sa_column=_utc_column(nullable=False))
    state: ReplyState = ReplyState.HANDLING
    # Why it was refused, unmatched or ignored (in words for the coordinator).
    reason: str = ""
    unit_code: str = ""
    plan_key: str = Field(default="", index=True)
    task_code: str = ""
    milestone_key: str = ""
    # What was read from it (text, document number and date, links, files) and the answer.
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=_utc_column())
    updated_at: datetime = Field(sa_column=_utc_column(nullable=False))
