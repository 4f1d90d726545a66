"""The task workflow's sender: the one coroutine that sends what its outbox holds.

The main loop owns it (starts it with the run, waits for it to be idle before continuing as new
and for the outbox to be empty before ending). Whatever is due goes in one activity call, in the
order it was queued; what comes back held (outside office hours: the activity says until when,
from the calendar) or failed waits on a durable timer, and meanwhile the main loop goes on
deciding: nothing the task does waits behind a message.

Runs that took the marker "local-send" send a batch by a local activity, in the workflow task
that queued it (workflows.notification_calls says what that changes in production): a step's
instant, or a task's reaction to an event, is then one workflow task, not two. A batch that a
round answering an update queued (`wake(answering=True)`), or that is due while an update is
being handled, still goes by the activity: the update's answer leaves with the workflow task
that gives it, and must not wait for a send. (An update that arrives while a local send runs is
taken when it ends, or when its attempt gives way after LOCAL_SEND_LIMIT: see
workflows.notification_calls.)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from models.payloads import MessageResult
    from models.workflow_messages import QueuedMessage, RecordedBatch, TaskSnapshot
    from workflows import markers
    from workflows.activity_calls import tell_locally
    from workflows.notification_calls import record_and_send, send_messages
    from workflows.outbox import Outbox

LOCAL_SEND = "local-send"
RECORD_AND_SEND = markers.RECORD_AND_SEND

Settled = Callable[[QueuedMessage, MessageResult | None], None]


class Sender:
    def __init__(
        self, outbox: Callable[[], Outbox], settled: Settled, generation: Callable[[], str]
    ) -> None:
        # The task's queue as it stands (its state is replaced when the first run plans it).
        self._outbox = outbox
        # Told of each message that left the queue, and what it came to.
        self._settled = settled
        # The run's generation (markers.generation, asked at its start): which paths it takes.
        self._generation = generation
        self.busy = False
        self._queued = False
        # A round that answered an update queued something since the last batch left.
        self._answering = False

    def wake(self, *, answering: bool = False) -> None:
        """Something was queued: look again now rather than at the next timer. `answering`: by
        a round that answers an update (its batch goes by the activity: see above)."""
        self._queued = True
        self._answering = self._answering or answering

    def idle(self) -> bool:
        return not self.busy

    def done(self) -> bool:
        return not self.busy and not self._outbox()

    def carries_record(self) -> bool:
        """Whether the round ending now may write its projection and send what it queued in one
        local activity (`send_recorded`): runs that took the marker "record-and-send", no update
        in flight, no batch of the sender's own in flight."""
        return (
            markers.taken(RECORD_AND_SEND, self._generation())
            and not self.busy
            and not self._answering
            and workflow.all_handlers_finished()
        )

    async def send_recorded(self, snapshot: TaskSnapshot) -> None:
        """The round's projection written, then every message due sent, by one local activity
        (`carries_record` said it may): a step's instant is one activation for the write and the
        send, not one for each. The sender's own loop waits meanwhile (`busy`)."""
        self.busy = True
        try:
            due = self._outbox().due(workflow.now())
            if due:
                await self._send(due, local=True, record=snapshot)
            else:  # queued already under the same key: nothing of this round to send now
                await tell_locally("record_task_state", snapshot)
        finally:
            self.busy = False

    async def run(self) -> None:
        local = markers.taken(LOCAL_SEND, self._generation())
        while True:
            if self.busy:
                # The main loop sends a round's messages with its record (`send_recorded`).
                await workflow.wait_condition(self.idle)
                continue
            now = workflow.now()
            outbox = self._outbox()
            due = outbox.due(now)
            if not due:
                # What an answering round queued is not due yet (held): it leaves later, in a
                # workflow task that answers nothing.
                self._answering = False
                next_at = outbox.next_at()
                timeout = None if next_at is None else max(next_at - now, timedelta(seconds=1))
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(lambda: self._queued, timeout=timeout)
                self._queued = False
                continue
            self.busy = True
            # An update in flight in this workflow task (its handler waits for the main loop)
            # would be answered in it too, behind the send: the activity then, as for a round
            # that answered one.
            in_workflow_task = local and not self._answering and workflow.all_handlers_finished()
            self._answering = False
            await self._send(due, local=in_workflow_task)
            self.busy = False

    async def _send(
        self, due: list[QueuedMessage], *, local: bool, record: TaskSnapshot | None = None
    ) -> None:
        """One batch: sent (with `record` written first, when given), and each message settled
        by what it came to."""
        outbox = self._outbox()
        results: list[MessageResult] = []
        try:
            batch = outbox.batch(due, at=workflow.now() if local else None)
            if record is None:
                results = await send_messages(batch, local=local)
            else:
                results = await record_and_send(RecordedBatch(snapshot=record, batch=batch))
        except ActivityError as error:
            # Not one message's failure but the call's (a worker gone too often): each
            # counts a failed attempt and is tried again later.
            workflow.logger.warning("sending %d message(s) failed: %s", len(due), error.cause)
            if record is not None:
                # Whether the write was done is not known: done again, retried until it is, as
                # a round's own write is.
                await tell_locally("record_task_state", record)
        now = workflow.now()
        # One result per message, in the batch's order (None for all when the call failed).
        answers: list[MessageResult | None] = (
            list(results) if len(results) == len(due) else [None] * len(due)
        )
        for queued, result in zip(due, answers, strict=True):
            if outbox.settle(queued, result, now):
                self._settled(queued, result)
