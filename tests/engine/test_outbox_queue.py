"""The outbox's queue without a server: each message queued once, sent in order, held until the
opening without an attempt counted, retried later after a failure, given up after the last."""

from datetime import UTC, datetime, timedelta

from models.payloads import MessageKind, MessageResult, NotificationRequest, SendResult
from workflows.outbox import LONGEST_RETRY, MAX_ATTEMPTS, Outbox, retry_delay

NIGHT = datetime(2023, 3, 3, 22, 19, tzinfo=UTC)
OPENING = datetime(2023, 3, 6, 0, 30, tzinfo=UTC)


def request(key: str) -> NotificationRequest:
    return NotificationRequest(
        key=key,
        workflow_id="plan/I.1",
        kind=MessageKind.EVIDENCE_RECEIVED,
        plan_key="plan",
        task_code="I.1",
        task_title="",
        milestone_key="1",
        milestone_label="",
        scheduled_at=NIGHT,
        recipients=["cchc-vtlt"],
    )


def test_a_message_is_queued_once_and_the_batch_keeps_the_order() -> None:
    outbox = Outbox([])
    assert outbox.add(request("a"), at=NIGHT)
    assert outbox.add(request("b"), at=NIGHT, action="closing")
    assert not outbox.add(request("a"), at=NIGHT + timedelta(minutes=1))
    due = outbox.due(NIGHT)
    assert [m.request.key for m in Outbox.batch(due).messages] == ["a", "b"]
    assert not any(m.last_attempt for m in Outbox.batch(due).messages)


def test_held_until_the_opening_costs_no_attempt() -> None:
    outbox = Outbox([])
    outbox.add(request("a"), at=NIGHT)
    [queued] = outbox.due(NIGHT)
    held = MessageResult("a", SendResult.HELD, held_until=OPENING)
    assert not outbox.settle(queued, held, NIGHT)
    assert (queued.attempts, outbox.next_at(), outbox.due(NIGHT)) == (0, OPENING, [])
    assert outbox.settle(queued, MessageResult("a", SendResult.SETTLED), OPENING)
    assert not outbox


def test_a_failed_send_waits_longer_each_time_then_is_given_up() -> None:
    outbox = Outbox([])
    outbox.add(request("a"), at=OPENING)
    now = OPENING
    waits = []
    for _ in range(MAX_ATTEMPTS - 1):
        [queued] = outbox.due(now)
        assert not outbox.settle(queued, MessageResult("a", SendResult.RETRY), now)
        next_at = outbox.next_at()
        assert next_at is not None
        waits.append(next_at - now)
        now = next_at
    assert waits == [retry_delay(n) for n in range(1, MAX_ATTEMPTS)]
    assert max(waits) == LONGEST_RETRY
    # The last attempt says so to the activity, which gives the units up and tells the
    # coordinator; the answer settles it.
    [queued] = outbox.due(now)
    assert [m.last_attempt for m in Outbox.batch([queued]).messages] == [True]
    assert outbox.settle(queued, MessageResult("a", SendResult.SETTLED, failed_units=["x"]), now)
    assert not outbox


def test_a_call_that_could_not_run_counts_an_attempt_and_the_last_drops_it() -> None:
    outbox = Outbox([])
    outbox.add(request("a"), at=OPENING)
    [queued] = outbox.due(OPENING)
    queued.attempts = MAX_ATTEMPTS - 1
    assert outbox.settle(queued, None, OPENING)
    assert not outbox
