"""A milestone's state on a past date, rebuilt from what was recorded with its instants: the
due instant as the extensions granted by then left it, the evidence received by then (never
evidence the coordinator rejected), the event that started its clock if it was recorded by
then. Pure (no database, no Temporal): a report of a quarter reads the records once and asks
this of every milestone.

The projection (`Milestone`) holds only the present: its due instant has every extension in
it, its status every piece of evidence. A report "as of 14/03" built from it would call a task
due in September overdue and a task delivered in April done.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from deadlines.language import EVENT_KINDS
from models.statuses import MilestoneStatus
from storage.overview import MilestoneRow
from web.tracking import Tracking, TrackingClock


@dataclass(frozen=True)
class EvidenceFact:
    """One delivery for a milestone: when it came, the engine's verdict on time, and whether
    the coordinator rejected it (ever: a report is drafted from what is known now)."""

    submitted_at: datetime
    on_time: bool | None
    rejected: bool


@dataclass(frozen=True)
class ExtensionFact:
    """An extension granted at `granted_at`, moving the due instant from `previous_due` (None:
    not recorded) to `due`."""

    granted_at: datetime
    previous_due: datetime | None
    due: datetime


@dataclass(frozen=True)
class MilestoneFacts:
    """What was recorded of one milestone besides its projection row."""

    evidence: tuple[EvidenceFact, ...] = ()
    extensions: tuple[ExtensionFact, ...] = ()
    # When the event that started its clock (or, for an occurrence of a recurring event, that
    # made it) was recorded; None: never.
    event_recorded_at: datetime | None = None


NO_FACTS = MilestoneFacts()


def rejected_by(
    submitted: Sequence[datetime], rejections: Iterable[datetime]
) -> frozenset[datetime]:
    """Which deliveries (by their instants) a rejection sent back: a rejection answers the
    latest delivery before it."""
    ordered = sorted(submitted)
    found: set[datetime] = set()
    for at in rejections:
        before = [s for s in ordered if s <= at]
        if before:
            found.add(before[-1])
    return frozenset(found)


def due_as_of(row: MilestoneRow, facts: MilestoneFacts, as_of: datetime) -> datetime | None:
    """The due instant on `as_of`: an extension granted later had not moved it yet."""
    later = sorted(
        (e for e in facts.extensions if e.granted_at > as_of), key=lambda e: e.granted_at
    )
    if not later:
        return row.due_at
    if later[0].previous_due is not None:
        return later[0].previous_due
    earlier = sorted(
        (e for e in facts.extensions if e.granted_at <= as_of), key=lambda e: e.granted_at
    )
    # An extension recorded before its previous due was kept: the last one known, else the
    # present one (nothing older is known).
    return earlier[-1].due if earlier else row.due_at


def counted_evidence(facts: MilestoneFacts, as_of: datetime) -> EvidenceFact | None:
    """The delivery that closed the milestone by `as_of`: the first received by then that the
    coordinator did not reject."""
    counted = [e for e in facts.evidence if not e.rejected and e.submitted_at <= as_of]
    return min(counted, key=lambda e: e.submitted_at) if counted else None


def state_on(
    row: MilestoneRow,
    facts: MilestoneFacts,
    clock: TrackingClock,
    *,
    plan_started_at: datetime | None = None,
) -> Tracking | None:
    """The milestone's tracking state at `clock.now`; None for a milestone that did not exist
    then (an occurrence of a recurring event recorded later)."""
    as_of = clock.now
    if row.status is None or row.key is None:
        return Tracking.NOT_STARTED
    if plan_started_at is not None and plan_started_at > as_of:
        return Tracking.NOT_STARTED
    status = MilestoneStatus(row.status)
    is_occurrence = "@" in row.key
    if is_occurrence and (facts.event_recorded_at is None or facts.event_recorded_at > as_of):
        return None
    closed_by_then = row.closed_at is not None and row.closed_at <= as_of
    if status in (MilestoneStatus.CANCELLED, MilestoneStatus.ENDED) and closed_by_then:
        return Tracking.CANCELLED if status is MilestoneStatus.CANCELLED else Tracking.ENDED
    delivered = counted_evidence(facts, as_of)
    if delivered is not None:
        on_time = delivered.on_time
        if on_time is None:
            due = due_as_of(row, facts, delivered.submitted_at)
            on_time = due is None or delivered.submitted_at <= due
        return Tracking.DONE_ON_TIME if on_time else Tracking.DONE_LATE
    if (
        status in (MilestoneStatus.DONE_ON_TIME, MilestoneStatus.DONE_LATE)
        and not facts.evidence
        and closed_by_then
    ):
        # Closed with no delivery on record (a run that kept none): as the engine said.
        return Tracking(status.value)
    if row.event_key and row.kind in EVENT_KINDS and not is_occurrence:
        started = facts.event_recorded_at is not None and facts.event_recorded_at <= as_of
        if status is MilestoneStatus.WAITING_EVENT or not started:
            return Tracking.WAITING_EVENT
    if status is MilestoneStatus.SCHEDULED:
        return Tracking.NOT_DUE
    due = due_as_of(row, facts, as_of)
    if due is None:
        return Tracking.IN_PROGRESS
    if due < as_of:
        return Tracking.OVERDUE
    if due < clock.due_soon_before:
        return Tracking.DUE_SOON
    return Tracking.IN_PROGRESS
