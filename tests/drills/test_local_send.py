"""A worker killed while it sends a task's messages by a local activity (marker "local-send").

The drill: a few workflows, each with a batch of messages of one instant queued as a task
queues them and sent by the task workflow's own sender (workflows.sending), the product's worker
in a process of its own and a real SMTP server on loopback. Once the burst has begun, the worker
is killed (SIGKILL) in the middle of a send, and another one started. A local activity has no
heartbeat and no record on the server until it ends: what tells the engine the worker died is
its workflow task's timeout; the next worker replays the history and runs the send again. What
must hold: each message reaches the server once, a second copy only where the kill fell between
the server's acceptance and the log write (then under the same Message-ID, and marked in the
log); every workflow ends with every message sent; and the sends resume within the workflow
task's timeout and one retry of the outbox (a row the dead worker had claimed is held until
its claim runs out: notifications/dispatch.py).
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType

from models.payloads import SendResult
from tests.drills.harness import DevServer, DrillProduct, eventually, patience, worker_log
from tests.drills.test_drills import check_once_each
from workflows.outbox import FIRST_RETRY

pytestmark = pytest.mark.slow

WORKFLOWS = 4
PER_BATCH = 12
# What the engine takes, at most, to send again what a dead worker was sending by a local
# activity: the workflow task's timeout (Temporal's default, 10 s), the sticky queue's wait
# for the dead worker (the SDK's default, 10 s), then a claimed row's retry on the outbox's
# first interval (30 s, longer than the claim's 30 s counted from before the kill).
WORKFLOW_TASK_TIMEOUT = timedelta(seconds=10)
STICKY_WAIT = timedelta(seconds=10)
DEAD_WORKER_RESENT = WORKFLOW_TASK_TIMEOUT + STICKY_WAIT + FIRST_RETRY
PATIENCE = patience(DEAD_WORKER_RESENT, FIRST_RETRY * 2)


@pytest.fixture
async def product(tmp_path: Path) -> AsyncIterator[DrillProduct]:
    server = DevServer(tmp_path / "temporal")
    server.start()
    product = DrillProduct("local-send", tmp_path / "product", server)
    try:
        yield product
    finally:
        product.close()
        server.kill()


async def kill_mid_local_send(product: DrillProduct) -> dict[str, Any]:
    client = await product.server.client(product.settings)
    worker = product.worker()
    await product.polled(client)
    requests = product.requests(WORKFLOWS * PER_BATCH, tag="local")
    batches = [requests[i::WORKFLOWS] for i in range(WORKFLOWS)]
    handles = [
        await client.start_workflow(
            "DrillLocalSend",
            batch,
            id=f"drill-local-send/{number}",
            task_queue=product.settings.task_queue,
            result_type=list[str],
        )
        for number, batch in enumerate(batches)
    ]
    await eventually(
        lambda: len(product.smtp.mails) >= 8, seconds=PATIENCE, what="the burst starts"
    )
    worker.signal(signal.SIGKILL)
    worker.wait()
    killed = time.monotonic()
    before = len(product.smtp.mails)
    assert before < len(requests), "the burst was over before the kill"
    product.worker()

    expected = product.expected_ids(requests)
    await eventually(
        lambda: set(product.copies()) >= expected, seconds=PATIENCE, what="every message"
    )
    recovery = time.monotonic() - killed
    outcomes = await asyncio.wait_for(
        asyncio.gather(*(handle.result() for handle in handles)), PATIENCE
    )
    assert [sorted(o) for o in outcomes] == [[str(SendResult.SETTLED)] * PER_BATCH] * WORKFLOWS
    extra = check_once_each(product, requests)
    assert recovery < patience(DEAD_WORKER_RESENT), f"recovery took {recovery:.0f} s"
    # Sent by local activities (markers), no activity scheduled; the dead worker's workflow task
    # timed out.
    kinds = {event.event_type async for event in handles[0].fetch_history_events()}
    assert EventType.EVENT_TYPE_MARKER_RECORDED in kinds
    assert EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED not in kinds
    timed_out = [
        EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT
        in {event.event_type async for event in handle.fetch_history_events()}
        for handle in handles
    ]
    return {
        "messages": len(requests),
        "accepted before the kill": before,
        "accepted in all": len(product.smtp.mails),
        "second copies (same Message-ID, marked uncertain)": sum(extra.values()),
        "rows marked uncertain": len(product.uncertain()),
        "kill to last message (s)": round(recovery, 1),
        "workflow tasks timed out with the worker": sum(timed_out),
    }


async def test_a_worker_killed_mid_local_send_sends_each_message_once(
    product: DrillProduct,
) -> None:
    try:
        measures = await kill_mid_local_send(product)
    except BaseException as error:
        error.add_note(worker_log(product))
        raise
    print(f"\nworker killed mid local send: {measures}")
