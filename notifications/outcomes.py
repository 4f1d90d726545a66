"""What a delivery comes to: an outcome per unit (`models.payloads.DeliveryOutcome`), or one of
the three ends that tell Temporal how to go on (see activities/notify.py)."""

from __future__ import annotations

from datetime import datetime

from models.payloads import DeliveryOutcome, NotificationOutcome
from models.tables import NotificationLog, NotificationStatus
from notifications.formatting import format_due

# A log row in one of these needs no more sending; a request that finds it says so.
_SETTLED = {
    NotificationStatus.SENT: DeliveryOutcome.ALREADY_SENT,
    NotificationStatus.FAILED: DeliveryOutcome.FAILED,
    NotificationStatus.SKIPPED: DeliveryOutcome.SKIPPED,
}


class InvalidNotification(ValueError):
    """A request that no retry can make sendable: the message says what is wrong."""


class QuietHours(Exception):
    """Outside office hours: the message waits until `until` (UTC)."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(f"outside office hours: waiting until {format_due(until)}")


class DeliveryIncomplete(Exception):
    """Some units are not reached yet; retrying later may reach them."""

    def __init__(self, outcome: NotificationOutcome, pending: list[str]) -> None:
        self.outcome = outcome
        self.pending = pending
        super().__init__(
            f"notification {outcome.key}: not delivered yet to {', '.join(self.pending)}; "
            "the log has each channel's answer"
        )


def status_text(row: NotificationLog) -> str:
    """A row's status as the log shows it: a send whose outcome nobody could know, followed by
    a resend, is never shown as one clean send."""
    if not row.uncertain_attempts:
        return row.status.value
    if row.status is NotificationStatus.SENT:
        return f"{row.status.value} (uncertain, resent)"
    return f"{row.status.value} (uncertain)"


def settled(row: NotificationLog) -> DeliveryOutcome | None:
    """What a row that needs no more sending says; None while it is still to send."""
    return _SETTLED.get(row.status)


def finished(key: str, per_unit: dict[str, DeliveryOutcome]) -> NotificationOutcome:
    """The outcome, unless a unit is still pending: then `DeliveryIncomplete`, to retry."""
    outcome = NotificationOutcome(key=key, per_unit=per_unit)
    pending = [unit for unit, result in per_unit.items() if result is DeliveryOutcome.PENDING]
    if pending:
        raise DeliveryIncomplete(outcome, pending)
    return outcome
