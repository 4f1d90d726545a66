"""The drills' own workflow: one message, sent the way the engine's workflows send theirs (the
same activity, timeouts, heartbeat and retry policy), after an optional timer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.payloads import NotificationRequest
    from workflows.notification_calls import send_notification


@dataclass(frozen=True)
class DrillSendInput:
    request: NotificationRequest
    # A timer before the send, to drill timers across a server restart.
    wait_seconds: float = 0.0


@workflow.defn(name="DrillSend")
class DrillSendWorkflow:
    @workflow.run
    async def run(self, input: DrillSendInput) -> str:
        if input.wait_seconds > 0:
            await workflow.sleep(timedelta(seconds=input.wait_seconds))
        await send_notification(input.request)
        return input.request.key
