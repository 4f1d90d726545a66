"""Which clock a batch of a task's messages is sent by (quiet hours are decided by it): a local
activity's info carries the worker's clock, the batch the workflow's (activities/notify.py)."""

import dataclasses
from datetime import UTC, datetime, timedelta

from temporalio.testing import ActivityEnvironment

from activities.notify import SAME_CLOCK, _batch_now
from models.payloads import MessageBatch

# 16:59 in Vietnam, a minute before the office closes.
ASKED = datetime(2026, 12, 4, 9, 59, tzinfo=UTC)


def started_at(instant: datetime) -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, started_time=instant, is_local=True)
    return env


def test_an_activity_goes_by_its_own_start() -> None:
    env = started_at(ASKED + timedelta(seconds=3))
    assert _batch_now(MessageBatch(messages=[]), env.info) == ASKED + timedelta(seconds=3)


def test_a_local_send_run_again_hours_later_goes_by_the_worker_clock_not_the_asking() -> None:
    # The worker died at 16:59 and the next one ran the send again at 20:00: quiet hours.
    again = ASKED + timedelta(hours=3)
    assert _batch_now(MessageBatch(messages=[], at=ASKED), started_at(again).info) == again


def test_on_a_skipped_clock_the_batch_instant_is_temporals() -> None:
    # The time-skipping test server runs 2023 while the worker's clock says today.
    skipped = datetime(2023, 3, 1, 11, 0, tzinfo=UTC)
    info = started_at(ASKED).info
    assert _batch_now(MessageBatch(messages=[], at=skipped), info) == skipped
    # ... and ahead of the worker's clock as well.
    ahead = ASKED + SAME_CLOCK
    assert _batch_now(MessageBatch(messages=[], at=ahead), info) == ahead
