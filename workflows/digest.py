"""The daily digest: each day at the digest time (Vietnam), one activity sends every unit that
reads a digest its held reminders, check-ins and nudges, and the leadership summaries that
waited for the day. Working days, quiet hours and what to send are the activity's business;
this workflow keeps the time, and outside office hours waits for the opening on a durable
timer (the activity names it, from the calendar) rather than holding the activity in retry.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from deadlines.local_time import local_day, local_instant
    from models.workflow_messages import DailyDigestInput as DailyDigestInput
    from workflows.notification_calls import QUIET_HOURS, wait_for_opening

DIGEST_TIMEOUT = timedelta(minutes=10)
# The activity heartbeats before each message it sends: a worker that dies is noticed in this.
DIGEST_HEARTBEAT = timedelta(seconds=20)
# Quiet hours end an attempt at once: the workflow waits for the opening on a timer.
DIGEST_RETRY = RetryPolicy(
    initial_interval=timedelta(minutes=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=30),
    maximum_attempts=8,
    non_retryable_error_types=[QUIET_HOURS],
)


@workflow.defn(name="DailyDigestWorkflow")
class DailyDigestWorkflow:
    @workflow.run
    async def run(self, input: DailyDigestInput) -> None:
        last_day = input.last_day
        for _ in range(max(input.days_per_run, 1)):
            day = local_day(workflow.now())
            if last_day is not None and day <= last_day:
                day = last_day + timedelta(days=1)
            # A digest time already past today (a late start, a worker that was down) sends
            # today's digest at once rather than holding it a day.
            wait = local_instant(day, input.digest_time) - workflow.now()
            if wait > timedelta(0):
                await workflow.sleep(wait)
            await self._send(day)
            last_day = day
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(dataclasses.replace(input, last_day=last_day))

    async def _send(self, day: date) -> None:
        while True:
            try:
                await workflow.execute_activity(
                    "send_daily_digests",
                    day,
                    result_type=int,
                    start_to_close_timeout=DIGEST_TIMEOUT,
                    heartbeat_timeout=DIGEST_HEARTBEAT,
                    retry_policy=DIGEST_RETRY,
                )
                return
            except ActivityError as error:
                if await wait_for_opening(error):
                    continue
                # The log holds each failure and the coordinator was told; tomorrow's digest
                # carries what is still held.
                workflow.logger.warning("the digest of %s failed: %s", day, error.cause)
                return
