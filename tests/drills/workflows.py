"""The drills' own workflows: one message, sent the way the engine's workflows send theirs (the
same activity, timeouts, heartbeat and retry policy), after an optional timer; and a task's
batch of messages sent by the task workflow's own sender (workflows.sending: from 1.1.0 a local
activity, retried on the outbox's timers)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.payloads import MessageResult, NotificationRequest
    from models.workflow_messages import QueuedMessage
    from workflows import markers
    from workflows.notification_calls import send_notification
    from workflows.outbox import Outbox
    from workflows.sending import Sender


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


@workflow.defn(name="DrillLocalSend")
class DrillLocalSendWorkflow:
    """Messages of one instant, queued as a task queues them and sent by the task's sender
    until each has an outcome; returns what each came to."""

    @workflow.run
    async def run(self, requests: list[NotificationRequest]) -> list[str]:
        generation = markers.generation()
        queue = [QueuedMessage(request=r, not_before=workflow.now()) for r in requests]
        outcomes: list[str] = []

        def settled(message: QueuedMessage, result: MessageResult | None) -> None:
            outcomes.append("failed" if result is None else str(result.result))

        sender = Sender(lambda: Outbox(queue), settled, lambda: generation)
        sending = asyncio.create_task(sender.run())
        await workflow.wait_condition(sender.done)
        sending.cancel()
        return outcomes

    @workflow.update
    def ping(self) -> str:
        """An update that asks nothing: answered as soon as a workflow task can take it."""
        return "pong"
