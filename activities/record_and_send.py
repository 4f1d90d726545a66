"""`record_and_send`: a task's round written, then its messages due at once sent, by one local
activity (marker "record-and-send", workflows/sending.py).

Record first, tell later still holds inside it: the projection's write (the same batching
writer as `record_task_state`) ends before the first message leaves, and a write that fails
fails the call before anything is sent. The send is whichever `send_messages` the worker runs
(the product's, or a simulation's recorder), called as that activity would be: each message's
outcome comes back as a result, nothing is raised for quiet hours or a unit not reached. A call
run again (a worker gone mid-call, a failed write) writes the same snapshot again and finds in
the notification log what was sent already, as a retried `send_messages` does.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import cast

from temporalio import activity

from activities.records import SnapshotWriter
from models.payloads import MessageBatch, MessageResult
from models.workflow_messages import RecordedBatch

SyncSend = Callable[[MessageBatch], list[MessageResult]]
AsyncSend = Callable[[MessageBatch], Awaitable[list[MessageResult]]]


def record_and_send_activity(
    writer: SnapshotWriter, send: SyncSend | AsyncSend, executor: Executor
) -> Callable[..., object]:
    """The activity, run the way `send` runs: in a thread for a function (the product's send,
    which blocks on its channels), on the event loop for a coroutine (a simulation's recorder),
    the write then handed to `executor`'s threads."""
    if inspect.iscoroutinefunction(send):
        send_async = cast(AsyncSend, send)

        @activity.defn(name="record_and_send")
        async def record_and_send_on_the_loop(job: RecordedBatch) -> list[MessageResult]:
            await asyncio.get_running_loop().run_in_executor(executor, writer.save, job.snapshot)
            return await send_async(job.batch)

        return record_and_send_on_the_loop

    send_sync = cast(SyncSend, send)

    @activity.defn(name="record_and_send")
    def record_and_send(job: RecordedBatch) -> list[MessageResult]:
        writer.save(job.snapshot)
        return send_sync(job.batch)

    return record_and_send
