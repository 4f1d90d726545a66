"""A task's outbox: the messages its decisions and its schedule caused, not sent yet.

Record first, tell later: a decision changes the task and writes it, then queues its messages
here and is done. The task workflow's sender (workflows.sending) sends what is due, all of one
instant in one activity call, and puts back what could not go: held until the office opens, or
tried again later after a failure, each on a timer of its own, so that no message waits behind
another and no decision waits behind a message. The queue is part of the task's state, so it
is carried across continue-as-new: a message is queued once (its key says which) and leaves the
queue only when its outcome is known.

No Temporal here: the clock is passed in, and tests drive the queue without a server.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from models.payloads import (
    MessageBatch,
    MessageResult,
    MessageToSend,
    NotificationRequest,
    SendResult,
)
from models.workflow_messages import QueuedMessage

# As the activity retry policy of a single send had it (workflows.notification_calls): the
# eighth attempt is the last, which gives up on every unit still undelivered and tells the
# coordinator, so a dead channel is given up on after about an hour, never held forever.
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(minutes=30)


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1, 2, ...): doubling, capped."""
    return min(FIRST_RETRY * (1 << max(attempts - 1, 0)), LONGEST_RETRY)


class Outbox:
    """The queue `messages` (a task state's list, changed in place)."""

    def __init__(self, messages: list[QueuedMessage]) -> None:
        self.messages = messages

    def __bool__(self) -> bool:
        return bool(self.messages)

    def add(
        self, request: NotificationRequest, *, at: datetime, action: str = "", detail: str = ""
    ) -> bool:
        """Queues `request`; False when a message of the same key is queued already (a decision
        replayed or a step asked for twice is sent once)."""
        if any(queued.request.key == request.key for queued in self.messages):
            return False
        self.messages.append(
            QueuedMessage(request=request, not_before=at, action=action, detail=detail)
        )
        return True

    def due(self, now: datetime) -> list[QueuedMessage]:
        """What may go now, in the order it was queued."""
        return [queued for queued in self.messages if queued.not_before <= now]

    def next_at(self) -> datetime | None:
        return min((queued.not_before for queued in self.messages), default=None)

    @staticmethod
    def batch(due: list[QueuedMessage], at: datetime | None = None) -> MessageBatch:
        """`at`: the clock the batch is sent at, for a local activity (see MessageBatch)."""
        return MessageBatch(
            at=at,
            messages=[
                MessageToSend(
                    request=queued.request, last_attempt=queued.attempts + 1 >= MAX_ATTEMPTS
                )
                for queued in due
            ],
        )

    def settle(self, queued: QueuedMessage, result: MessageResult | None, now: datetime) -> bool:
        """Applies what one attempt at `queued` came to (None: the activity itself failed);
        True when the message leaves the queue (its outcome is known)."""
        if (
            result is not None
            and result.result is SendResult.HELD
            and result.held_until is not None
        ):
            queued.not_before = max(result.held_until, now)
            return False
        if result is not None and result.result in (SendResult.SETTLED, SendResult.GIVEN_UP):
            self.messages.remove(queued)
            return True
        queued.attempts += 1
        if queued.attempts >= MAX_ATTEMPTS:  # the last attempt could not even run
            self.messages.remove(queued)
            return True
        queued.not_before = now + retry_delay(queued.attempts)
        return False
