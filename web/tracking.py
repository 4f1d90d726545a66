"""The states Vietnamese task-tracking systems show, read from what the engine recorded of a
milestone: pure, so that a dashboard of ten thousand tasks classifies them in milliseconds.

"Sắp đến hạn" (due soon) is a milestone whose first reminder has gone out: its due day is no
more than the policy's first reminder (in working days) from today. A milestone the engine
still shows open after its due instant (the worker was down) is overdue all the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from deadlines.local_time import local_instant
from models.statuses import MilestoneStatus


class Tracking(StrEnum):
    WAITING_EVENT = "waiting_event"
    NOT_DUE = "not_due"
    IN_PROGRESS = "in_progress"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    CANCELLED = "cancelled"
    ENDED = "ended"
    # Imported, not started by the engine yet: nothing is recorded of its milestones.
    NOT_STARTED = "not_started"


# The order states are counted and listed in: what needs attention first.
TRACKING_ORDER = (
    Tracking.OVERDUE,
    Tracking.DUE_SOON,
    Tracking.IN_PROGRESS,
    Tracking.NOT_DUE,
    Tracking.WAITING_EVENT,
    Tracking.DONE_ON_TIME,
    Tracking.DONE_LATE,
    Tracking.CANCELLED,
    Tracking.ENDED,
    Tracking.NOT_STARTED,
)
OPEN_TRACKING = frozenset(
    {Tracking.OVERDUE, Tracking.DUE_SOON, Tracking.IN_PROGRESS, Tracking.NOT_DUE}
)
DONE_TRACKING = frozenset({Tracking.DONE_ON_TIME, Tracking.DONE_LATE})

_FIXED = {
    MilestoneStatus.WAITING_EVENT: Tracking.WAITING_EVENT,
    MilestoneStatus.SCHEDULED: Tracking.NOT_DUE,
    MilestoneStatus.OVERDUE: Tracking.OVERDUE,
    MilestoneStatus.DONE_ON_TIME: Tracking.DONE_ON_TIME,
    MilestoneStatus.DONE_LATE: Tracking.DONE_LATE,
    MilestoneStatus.CANCELLED: Tracking.CANCELLED,
    MilestoneStatus.ENDED: Tracking.ENDED,
}


_FIXED_BY_TEXT: dict[str, Tracking] = {status.value: state for status, state in _FIXED.items()}
_OPEN = frozenset(status.value for status in MilestoneStatus if status not in _FIXED)


@dataclass(frozen=True)
class TrackingClock:
    """Now, and the instant before which a due instant counts as due soon: the start of the
    day after the last due day that does (today plus the policy's first reminder, in working
    days), so that rows are compared as instants, not turned into local days one by one."""

    now: datetime
    due_soon_before: datetime

    @classmethod
    def on(cls, now: datetime, last_due_soon_day: date) -> TrackingClock:
        return cls(now, local_instant(last_due_soon_day + timedelta(days=1), time(0, 0)))


def tracking_of(
    status: MilestoneStatus | str | None, due_at: datetime | None, clock: TrackingClock
) -> Tracking:
    if status is None:
        return Tracking.NOT_STARTED
    # A status's text finds its member (a StrEnum hashes as its value): no conversion per row.
    fixed = _FIXED_BY_TEXT.get(status)
    if fixed is not None:
        return fixed
    if status not in _OPEN:
        raise ValueError(f"{status!r} is not a milestone status")
    if due_at is None:
        return Tracking.IN_PROGRESS
    if due_at < clock.now:
        return Tracking.OVERDUE
    if due_at < clock.due_soon_before:
        return Tracking.DUE_SOON
    return Tracking.IN_PROGRESS
