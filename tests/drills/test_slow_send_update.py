"""An update that comes while a task's local send is held by a slow SMTP server.

The drill: a batch of messages sent by the task workflow's own sender (workflows.sending: a
local activity in the workflow task that queued them, marker "local-send") to a real SMTP server
on loopback that takes a second to accept each message, with the product's worker in a process
of its own. Once the first message has arrived, an update is sent to the workflow. A local
activity holds its workflow task open while it runs, and the update is taken only when that task
ends: before LOCAL_SEND_LIMIT, it waited for the whole batch (11 s here).
What must hold: the attempt gives way after LOCAL_SEND_LIMIT (its retry waits on a timer, in the
workflow task that began the send) and the update is answered then, while the server is still
taking the batch; every message reaches the server once and the workflow ends with each sent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType

from models.payloads import SendResult
from tests.drills.harness import DevServer, DrillProduct, eventually, patience, worker_log
from tests.drills.test_drills import check_once_each
from workflows.notification_calls import BATCH_RETRY, LOCAL_SEND_LIMIT
from workflows.outbox import FIRST_RETRY

pytestmark = pytest.mark.slow

MESSAGES = 12
# Seconds the server takes for each message: the batch takes 12 s, well past the limit, and
# each answer comes within apprise's 4 s.
SLOW_SERVER = 1.0
# The batch sent, its local retry's backoff, and the outbox's retry of what that retry found
# still being sent.
PATIENCE = patience(
    MESSAGES * SLOW_SERVER, LOCAL_SEND_LIMIT, BATCH_RETRY.initial_interval, FIRST_RETRY * 2
)


@pytest.fixture
async def product(tmp_path: Path) -> AsyncIterator[DrillProduct]:
    server = DevServer(tmp_path / "temporal")
    server.start()
    product = DrillProduct("slow-send", tmp_path / "product", server)
    product.smtp.inbox.delay = SLOW_SERVER
    try:
        yield product
    finally:
        product.close()
        server.kill()


async def test_an_update_is_answered_while_a_slow_server_holds_the_local_send(
    product: DrillProduct,
) -> None:
    try:
        client = await product.server.client(product.settings)
        product.worker()
        await product.polled(client)
        requests = product.requests(MESSAGES, tag="slow")
        handle = await client.start_workflow(
            "DrillLocalSend",
            requests,
            id="drill-slow-send",
            task_queue=product.settings.task_queue,
            result_type=list[str],
        )
        await eventually(
            lambda: len(product.smtp.mails) >= 1, seconds=PATIENCE, what="the first message"
        )
        asked = time.monotonic()
        answer = await asyncio.wait_for(
            handle.execute_update("ping", result_type=str), patience(LOCAL_SEND_LIMIT, 30)
        )
        answered_after = time.monotonic() - asked
        accepted_then = len(product.smtp.mails)
        events = [event async for event in handle.fetch_history_events()]
        outcomes = await asyncio.wait_for(handle.result(), PATIENCE)
    except BaseException as error:
        error.add_note(worker_log(product))
        raise
    print(
        f"\nupdate during a slow local send: answered {answered_after:.1f} s after it was sent, "
        f"{accepted_then} of {MESSAGES} messages accepted by then"
    )
    assert answer == "pong"
    kinds = [event.event_type for event in events]
    update = kinds.index(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)
    # The send's attempt gave way: its retry's timer, before the update was taken.
    assert EventType.EVENT_TYPE_TIMER_STARTED in kinds[:update]
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED not in kinds
    assert accepted_then < MESSAGES, "the batch was over before the update was answered"
    assert sorted(outcomes) == [str(SendResult.SETTLED)] * MESSAGES
    extra = check_once_each(product, requests)
    assert not extra
