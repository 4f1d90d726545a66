"""The states a task and a milestone go through; shared by the workflows and the tables."""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    ACTIVE = "active"
    DONE = "done"
    CANCELLED = "cancelled"
    CARRIED_OVER = "carried_over"


class MilestoneStatus(StrEnum):
    WAITING_EVENT = "waiting_event"
    SCHEDULED = "scheduled"
    OPEN = "open"
    OVERDUE = "overdue"
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    # Ongoing work and recurring obligations end with the plan year.
    ENDED = "ended"
    CANCELLED = "cancelled"


CLOSED_MILESTONE_STATUSES = frozenset(
    {
        MilestoneStatus.DONE_ON_TIME,
        MilestoneStatus.DONE_LATE,
        MilestoneStatus.ENDED,
        MilestoneStatus.CANCELLED,
    }
)

# A milestone whose clock runs: due, not closed, waiting on nothing.
RUNNING_MILESTONE_STATUSES = frozenset(
    {MilestoneStatus.SCHEDULED, MilestoneStatus.OPEN, MilestoneStatus.OVERDUE}
)


class DisplayStatus(StrEnum):
    """What a task shows people: in its snapshot, its search attribute and the database."""

    ACTIVE = "active"
    # Every milestone still open waits for its event.
    WAITING_EVENT = "waiting_event"
    OVERDUE = "overdue"
    DONE = "done"
    # Ongoing work or a recurring obligation that the plan year ended: nothing was delivered.
    ENDED = "ended"
    CANCELLED = "cancelled"
    CARRIED_OVER = "carried_over"


# What a task shows once nothing more will happen to it.
CLOSED_DISPLAY_STATUSES = frozenset(
    {
        DisplayStatus.DONE,
        DisplayStatus.ENDED,
        DisplayStatus.CANCELLED,
        DisplayStatus.CARRIED_OVER,
    }
)
