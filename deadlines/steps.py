"""The words of a schedule: what a step does and whom it goes to, as the policy states them,
the schedule lays them out and the notifications speak of them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class StepAction(StrEnum):
    REMINDER = "reminder"
    CHECK_IN = "check_in"
    ESCALATION = "escalation"
    NUDGE = "nudge"


class StepAudience(StrEnum):
    LEAD = "lead"
    COORDINATING = "coordinating"
    COORDINATOR = "coordinator"
    LEADERSHIP = "leadership"


def reached(
    audience: StepAudience,
    *,
    lead_units: Iterable[str],
    coordinating_units: Iterable[str],
    coordinator: str,
    leadership: str,
) -> tuple[str, ...]:
    """The unit codes a step for `audience` reaches: the one rule the engine, its preview and
    the pages share. An office not configured yet ("") reaches nobody."""
    if audience == StepAudience.LEAD:
        return tuple(lead_units)
    if audience == StepAudience.COORDINATING:
        return tuple(coordinating_units)
    if audience == StepAudience.COORDINATOR:
        return (coordinator,) if coordinator else ()
    if audience == StepAudience.LEADERSHIP:
        return (leadership,) if leadership else ()
    raise ValueError(f"unknown audience {audience!r}")
