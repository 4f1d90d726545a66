"""Plain payloads that cross the workflow/activity boundary (never a table object).

Instants are timezone-aware UTC datetimes; dates are local (Asia/Ho_Chi_Minh) calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class NotificationRequest:
    """One message the engine wants a set of units to receive.

    `key` is derived from the workflow id, the milestone, the kind and the scheduled instant, so
    a retried activity or a replayed workflow asks for the same message again, not a new one.
    """

    key: str
    workflow_id: str
    # reminder | check_in | escalation_coordinator | escalation_leadership | nudge | closing
    kind: str
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
    # Whom the recipients are to the task: lead | coordinating | coordinator | leadership.
    # Coordinating units are told for information and asked to support, not to deliver.
    audience: str = ""
    # An extension request (kind extension_request): who asks, and until when; `note` is why.
    requested_by: str = ""
    requested_due_at: datetime | None = None


@dataclass(frozen=True)
class NotificationOutcome:
    key: str
    # unit code -> "sent" | "failed" | "already_sent" | "queued" (held for the unit's daily
    # digest, or for the next working day's leadership summary) | "skipped" (its milestone
    # closed before the digest or summary it waited for)
    per_unit: dict[str, str] = field(default_factory=dict)
