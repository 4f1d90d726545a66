"""A workflow for the tests only: it asks for a notification on the coming Saturday morning and
returns the instant the activity finally completed."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from deadlines.local_time import local_day, local_instant
    from models.payloads import NotificationOutcome, NotificationRequest


def coming_saturday_morning(now: datetime) -> datetime:
    today = local_day(now)
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    return local_instant(saturday, time(10, 0))


@workflow.defn
class SaturdayNotificationWorkflow:
    @workflow.run
    async def run(self, request: NotificationRequest) -> datetime:
        saturday = coming_saturday_morning(workflow.now())
        await workflow.sleep(saturday - workflow.now())
        await workflow.execute_activity(
            "send_notification",
            dataclasses.replace(request, scheduled_at=saturday, key=f"{request.key}/{saturday}"),
            result_type=NotificationOutcome,
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=30), maximum_attempts=8),
        )
        return workflow.now()
