"""A milestone's state on a past date, rebuilt from its records: what the due date was then,
what had been delivered then, whether its event had started its clock then."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from deadlines.local_time import local_instant
from models.statuses import MilestoneStatus
from reports.as_of import (
    EvidenceFact,
    ExtensionFact,
    MilestoneFacts,
    due_as_of,
    rejected_by,
    state_on,
)
from storage.overview import MilestoneRow
from web.tracking import Tracking, TrackingClock

# The end of the first quarter's data cut-off, 14/03/2026 (Vietnam time).
AS_OF = local_instant(date(2026, 3, 15), time(0, 0))
# Due soon: up to the end of 20/03 (five working days ahead, as the policy's first reminder).
CLOCK = TrackingClock.on(AS_OF, date(2026, 3, 20))


def due(day: date) -> datetime:
    return local_instant(day, time(17, 0))


def row(
    status: MilestoneStatus | None,
    due_at: datetime | None,
    *,
    key: str = "1",
    kind: str = "fixed",
    event_key: str | None = None,
    closed_at: datetime | None = None,
) -> MilestoneRow:
    return MilestoneRow(
        1, "II.3", "II", "Cải cách thể chế", 3, "Ban hành kế hoạch", ("van-phong",), (),
        "Tháng 9/2026", "active", "", None, key, 1, "", kind, event_key, due_at,
        status.value if status else None, closed_at,
    )  # fmt: skip


def delivered(day: date, *, on_time: bool | None = None, rejected: bool = False) -> EvidenceFact:
    return EvidenceFact(local_instant(day, time(9, 0)), on_time, rejected)


def test_a_milestone_due_after_the_date_is_not_overdue_then() -> None:
    # Overdue today (the projection), due 17/09: on 14/03 it was months away.
    late_now = row(MilestoneStatus.OVERDUE, due(date(2026, 9, 17)))
    assert state_on(late_now, MilestoneFacts(), CLOCK) is Tracking.IN_PROGRESS
    # Due on 18/03: within the first reminder then.
    assert state_on(
        row(MilestoneStatus.OVERDUE, due(date(2026, 3, 18))), MilestoneFacts(), CLOCK
    ) is (Tracking.DUE_SOON)
    # Due on 10/03 and still open on 14/03: overdue then.
    assert state_on(row(MilestoneStatus.OPEN, due(date(2026, 3, 10))), MilestoneFacts(), CLOCK) is (
        Tracking.OVERDUE
    )


def test_evidence_received_after_the_date_does_not_count_then() -> None:
    done_in_april = row(
        MilestoneStatus.DONE_LATE, due(date(2026, 3, 10)), closed_at=due(date(2026, 4, 2))
    )
    facts = MilestoneFacts(evidence=(delivered(date(2026, 4, 2), on_time=False),))
    assert state_on(done_in_april, facts, CLOCK) is Tracking.OVERDUE
    later = TrackingClock.on(local_instant(date(2026, 6, 15), time(0, 0)), date(2026, 6, 19))
    assert state_on(done_in_april, facts, later) is Tracking.DONE_LATE
    # Delivered on 12/03, before its due day: done on time by 14/03.
    on_time = MilestoneFacts(evidence=(delivered(date(2026, 3, 12), on_time=True),))
    assert state_on(row(MilestoneStatus.DONE_ON_TIME, due(date(2026, 3, 31))), on_time, CLOCK) is (
        Tracking.DONE_ON_TIME
    )


def test_rejected_evidence_never_counts() -> None:
    reopened = row(MilestoneStatus.OVERDUE, due(date(2026, 3, 10)))
    facts = MilestoneFacts(evidence=(delivered(date(2026, 3, 9), on_time=True, rejected=True),))
    assert state_on(reopened, facts, CLOCK) is Tracking.OVERDUE
    # A later delivery that was not rejected counts, as late as it came.
    again = MilestoneFacts(
        evidence=(
            delivered(date(2026, 3, 9), on_time=True, rejected=True),
            delivered(date(2026, 3, 12), on_time=False),
        )
    )
    assert state_on(reopened, again, CLOCK) is Tracking.DONE_LATE
    # A rejection answers the latest delivery before it, never a later one.
    first, second = (
        local_instant(date(2026, 3, 9), time(9)),
        local_instant(date(2026, 3, 12), time(9)),
    )
    assert rejected_by([first, second], [first + timedelta(hours=2)]) == {first}
    assert rejected_by([first, second], []) == frozenset()


def test_an_extension_granted_after_the_date_does_not_move_the_due_date_then() -> None:
    original, extended = due(date(2026, 3, 10)), due(date(2026, 4, 30))
    # Today the projection holds the extended due date; the extension came on 20/03.
    now_open = row(MilestoneStatus.OPEN, extended)
    granted_later = MilestoneFacts(
        extensions=(ExtensionFact(local_instant(date(2026, 3, 20), time(9)), original, extended),)
    )
    assert due_as_of(now_open, granted_later, AS_OF) == original
    assert state_on(now_open, granted_later, CLOCK) is Tracking.OVERDUE
    # Granted on 05/03, before the due date passed: in time on 14/03.
    granted_before = MilestoneFacts(
        extensions=(ExtensionFact(local_instant(date(2026, 3, 5), time(9)), original, extended),)
    )
    assert due_as_of(now_open, granted_before, AS_OF) == extended
    assert state_on(now_open, granted_before, CLOCK) is Tracking.IN_PROGRESS
    # Two extensions, the second after the date: the due date the first one gave.
    middle = due(date(2026, 3, 18))
    both = MilestoneFacts(
        extensions=(
            ExtensionFact(local_instant(date(2026, 3, 5), time(9)), original, middle),
            ExtensionFact(local_instant(date(2026, 3, 17), time(9)), middle, extended),
        )
    )
    assert due_as_of(now_open, both, AS_OF) == middle
    assert state_on(now_open, both, CLOCK) is Tracking.DUE_SOON


def test_an_event_recorded_after_the_date_has_not_started_its_clock_then() -> None:
    started = row(
        MilestoneStatus.OVERDUE,
        due(date(2026, 3, 12)),
        kind="after_event",
        event_key="ubnd-tinh-ban-hanh",
    )
    recorded_later = MilestoneFacts(event_recorded_at=local_instant(date(2026, 3, 16), time(8)))
    assert state_on(started, recorded_later, CLOCK) is Tracking.WAITING_EVENT
    recorded_before = MilestoneFacts(event_recorded_at=local_instant(date(2026, 2, 2), time(8)))
    assert state_on(started, recorded_before, CLOCK) is Tracking.OVERDUE
    # An occurrence of a recurring event recorded later did not exist on the date.
    occurrence = row(
        MilestoneStatus.OPEN,
        due(date(2026, 4, 1)),
        key="1@2026-03-16",
        kind="recurring_event",
        event_key="co-van-ban-moi",
    )
    assert state_on(occurrence, recorded_later, CLOCK) is None
    assert state_on(occurrence, recorded_before, CLOCK) is Tracking.IN_PROGRESS


def test_what_closed_later_was_open_then_and_a_plan_started_later_had_not_started() -> None:
    cancelled_in_may = row(
        MilestoneStatus.CANCELLED, due(date(2026, 9, 30)), closed_at=due(date(2026, 5, 4))
    )
    assert state_on(cancelled_in_may, MilestoneFacts(), CLOCK) is Tracking.IN_PROGRESS
    cancelled_in_march = cancelled_in_may._replace(closed_at=due(date(2026, 3, 2)))
    assert state_on(cancelled_in_march, MilestoneFacts(), CLOCK) is Tracking.CANCELLED
    scheduled = row(MilestoneStatus.SCHEDULED, due(date(2026, 12, 14)))
    assert state_on(scheduled, MilestoneFacts(), CLOCK) is Tracking.NOT_DUE
    assert state_on(row(None, None), MilestoneFacts(), CLOCK) is Tracking.NOT_STARTED
    started_april = datetime(2026, 4, 1, 3, tzinfo=UTC)
    assert (
        state_on(scheduled, MilestoneFacts(), CLOCK, plan_started_at=started_april)
        is Tracking.NOT_STARTED
    )
