"""The kinds of message the product sends, in the words the engine uses."""

from __future__ import annotations

from enum import StrEnum


class MessageKind(StrEnum):
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
    # The product's own messages, not asked for by the engine.
    DELIVERY_FAILURE = "delivery_failure"
    DIGEST = "digest"


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
    }
)


def parse_kind(value: str) -> MessageKind:
    try:
        return MessageKind(value)
    except ValueError:
        known = ", ".join(kind.value for kind in MessageKind)
        raise ValueError(f"unknown message kind {value!r}; expected one of: {known}") from None
