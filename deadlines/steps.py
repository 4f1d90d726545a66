"""The words of a schedule: what a step does and whom it goes to, as the policy states them,
the schedule lays them out and the notifications speak of them."""

from __future__ import annotations

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
