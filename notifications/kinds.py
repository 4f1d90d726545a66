"""Which kinds of message (`models.payloads.MessageKind`) the engine may ask for, which a
digest holds back, and which are about one milestone."""

from __future__ import annotations

from models.payloads import MessageKind

# What the engine's workflows may ask `send_notification` for.
ENGINE_KINDS = frozenset(
    {
        MessageKind.REMINDER,
        MessageKind.CHECK_IN,
        MessageKind.ESCALATION_COORDINATOR,
        MessageKind.ESCALATION_LEADERSHIP,
        MessageKind.NUDGE,
        MessageKind.CLOSING,
        MessageKind.EXTENSION_REQUEST,
        MessageKind.YEAR_SUMMARY,
        MessageKind.EXTENSION_GRANTED,
        MessageKind.EXTENSION_REFUSED,
        MessageKind.REASSIGNED,
        MessageKind.CANCELLED,
        MessageKind.CARRIED_OVER,
        MessageKind.CLOCK_STARTED,
        MessageKind.CLOCKS_STARTED,
        MessageKind.EVIDENCE_RECEIVED,
        MessageKind.CATCH_UP,
        MessageKind.EVIDENCE_REJECTED,
    }
)

# What a unit that reads a daily digest receives in it instead of one message each. Escalations
# and closings are never held back: they are the messages someone must act on, or the answer
# to something the unit just did.
DIGEST_KINDS = frozenset({MessageKind.REMINDER, MessageKind.CHECK_IN, MessageKind.NUDGE})

# The kinds about one milestone of one task (all but the summaries and the product's own).
MILESTONE_KINDS = frozenset(
    {
        MessageKind.REMINDER,
        MessageKind.CHECK_IN,
        MessageKind.ESCALATION_COORDINATOR,
        MessageKind.NUDGE,
        MessageKind.CLOSING,
        MessageKind.EXTENSION_REQUEST,
        MessageKind.EXTENSION_GRANTED,
        MessageKind.EXTENSION_REFUSED,
        MessageKind.CLOCK_STARTED,
        MessageKind.EVIDENCE_RECEIVED,
        MessageKind.EVIDENCE_REJECTED,
    }
)

# The kinds about a whole task: the message lists its milestones as the engine recorded them.
TASK_KINDS = frozenset(
    {MessageKind.REASSIGNED, MessageKind.CANCELLED, MessageKind.CARRIED_OVER, MessageKind.CATCH_UP}
)

# Decisions told to the units they concern: each says who decided and why.
DECISION_KINDS = frozenset(
    {
        MessageKind.EXTENSION_GRANTED,
        MessageKind.EXTENSION_REFUSED,
        MessageKind.REASSIGNED,
        MessageKind.CANCELLED,
        MessageKind.CARRIED_OVER,
        MessageKind.CLOCK_STARTED,
        MessageKind.CLOCKS_STARTED,
    }
)

# The kinds about several tasks of a plan, each listed to its own lead units: the message lists
# the recipient's tasks the request names (`NotificationRequest.task_codes`), as recorded.
TASKS_KINDS = frozenset({MessageKind.CLOCKS_STARTED})


def parse_kind(value: str) -> MessageKind:
    try:
        return MessageKind(value)
    except ValueError:
        known = ", ".join(kind.value for kind in MessageKind)
        raise ValueError(f"unknown message kind {value!r}; expected one of: {known}") from None
