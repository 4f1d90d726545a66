"""The notification activities the engine's workflows call.

`send_messages` delivers a task's messages of one instant, in order, and says what each came
to, raising nothing: held until the next office opening, not reached yet, settled, or given up
(the task workflow waits for the opening and retries on durable timers of its own, and says on
each message whether it is its last attempt). `send_notification` delivers one request to its
units once (the log makes a retry find what was sent) and `send_daily_digests` sends the day's
digests and the leadership summaries that waited for the day; these two tell Temporal how to go
on by what they raise:

- outside office hours (evenings, weekends, holidays) an `ApplicationError` of type
  `QuietHours` whose first detail is the next office opening (and `next_retry_delay` until
  then): the plan and digest workflows make it non-retryable and wait for the opening on a
  timer (workflows.notification_calls.wait_for_opening);
- a unit not reached yet: `DeliveryIncomplete`, retried with the policy's backoff;
- tasks an event reached that have not recorded their reaction (`send_clocks_started` waits for
  them): `TasksNotReacted`, retried the same way;
- a request no retry can fix: `InvalidNotification`, non-retryable.

The first two are expected (marked benign: the worker logs them without a traceback).

On the retry policy's last attempt nothing waits any more: quiet hours are ignored and every
unit still undelivered is given up on, with the coordinator told, so the result is an outcome
and never a silent loss. The instant an attempt runs at is Temporal's (the attempt's
`started_time`), so time-skipping tests see their own clock.

The worker builds `NotifyActivities` once, from its settings: the unit directory and the contacts
file are read then, so an edited file takes effect when the worker restarts. The schema is the
starter's business (worker.py, `scheduler.py run` and the commands migrate before they build).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from models.payloads import (
    DeliveryOutcome,
    MessageBatch,
    MessageResult,
    NotificationOutcome,
    NotificationRequest,
    SendResult,
)
from models.workflow_messages import EventDelivery
from notifications.delivery import NotificationService, Sent
from notifications.event_telling import EventTelling, TasksNotReacted
from notifications.outcomes import DeliveryIncomplete, InvalidNotification, QuietHours
from notifications.service import notification_service as build_service
from plan_import.agency import agency_directories
from settings import Settings

T = TypeVar("T")
# Well inside the heartbeat timeout of the activity calls (workflows/notification_calls.py).
HEARTBEAT_EVERY = timedelta(seconds=5)


def notification_service(settings: Settings) -> NotificationService:
    """The service these settings describe, each send kept alive in an activity (see
    `notifications.service`)."""
    directory = agency_directories(settings.units_file, settings.agencies_dir)
    return build_service(settings, directory, unbroken=_unbroken)


@contextmanager
def _unbroken() -> Iterator[None]:
    """A send and its log write as one block: while it runs, a thread of its own tells the
    engine every few seconds that the activity is alive (a channel or a locked database may hold
    it longer than the heartbeat timeout), and a cancellation waits for its end, so that neither
    cuts between the channel's answer and the log. A worker that dies stops the heartbeats: the
    engine retries its sends within the heartbeat timeout."""
    if not activity.in_activity():
        yield
        return
    stop = threading.Event()
    context = contextvars.copy_context()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_EVERY.total_seconds()):
            try:
                context.run(activity.heartbeat)
            except Exception:  # the activity has ended: nothing more to tell
                return

    with activity.shield_thread_cancel_exception():
        activity.heartbeat()
        thread = threading.Thread(target=beat, name="nhachan-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


class NotifyActivities:
    def __init__(self, settings: Settings) -> None:
        self._service = notification_service(settings)
        self._telling = EventTelling(self._service, settings.resolved_database_url())

    @activity.defn(name="send_notification")
    def send_notification(self, request: NotificationRequest) -> NotificationOutcome:
        info = activity.info()
        now = _now(info)
        return _as_temporal_errors(
            now, lambda: self._service.send(request, now=now, last_attempt=_is_last_attempt(info))
        )

    @activity.defn(name="send_clocks_started")
    def send_clocks_started(self, delivery: EventDelivery) -> NotificationOutcome:
        """Each lead unit of the tasks an event reached, told once of its due dates, once the
        tasks recorded their reaction (notifications.event_telling)."""
        info = activity.info()
        now = _now(info)
        return _as_temporal_errors(
            now,
            lambda: self._telling.send(
                delivery,
                workflow_id=info.workflow_id or delivery.plan_key,
                now=now,
                last_attempt=_is_last_attempt(info),
                beat=activity.heartbeat,
            ),
        )

    @activity.defn(name="send_messages")
    def send_messages(self, batch: MessageBatch) -> list[MessageResult]:
        """The messages of one task due at one instant, in order: what each came to. Nothing is
        raised for quiet hours or a unit not reached: the task's sender waits for those on
        timers of its own (workflows.sending), so no activity is held in retry."""
        now = _batch_now(batch, activity.info())
        sent = self._service.send_batch(
            [(message.request, message.last_attempt) for message in batch.messages], now=now
        )
        return [
            _result(message.request, came_to)
            for message, came_to in zip(batch.messages, sent, strict=True)
        ]

    @activity.defn(name="send_daily_digests")
    def send_daily_digests(self, day: date) -> int:
        info = activity.info()
        now = _now(info)
        return _as_temporal_errors(
            now,
            lambda: self._service.send_daily_digests(
                day, now=now, last_attempt=_is_last_attempt(info)
            ),
        )

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.send_notification,
            self.send_clocks_started,
            self.send_messages,
            self.send_daily_digests,
        ]


def _result(request: NotificationRequest, sent: Sent) -> MessageResult:
    if isinstance(sent, QuietHours):
        return MessageResult(request.key, SendResult.HELD, held_until=sent.until)
    if isinstance(sent, DeliveryIncomplete):
        return MessageResult(request.key, SendResult.RETRY, error=str(sent))
    if isinstance(sent, InvalidNotification):
        return MessageResult(request.key, SendResult.GIVEN_UP, error=str(sent))
    failed = [u for u, result in sent.per_unit.items() if result is DeliveryOutcome.FAILED]
    return MessageResult(request.key, SendResult.SETTLED, failed_units=failed)


def _is_last_attempt(info: activity.Info) -> bool:
    maximum = info.retry_policy.maximum_attempts if info.retry_policy else 0
    return maximum > 0 and info.attempt >= maximum


def _now(info: activity.Info) -> datetime:
    # When this attempt started, on Temporal's clock. Not `current_attempt_scheduled_time`:
    # for a retry that is when the previous attempt failed, before the retry's delay.
    started = info.started_time
    return started if started.tzinfo is not None else started.replace(tzinfo=UTC)


# How far ahead of a batch's instant the worker's own clock may be and still be Temporal's.
SAME_CLOCK = timedelta(days=7)


def _batch_now(batch: MessageBatch, info: activity.Info) -> datetime:
    """The instant a batch is sent at, on Temporal's clock. A local activity's info carries the
    worker's own clock: Temporal's in production, but not on the time-skipping test server,
    where only the batch's instant (the workflow's clock when it asked) is. That instant is
    older than the attempt when the send runs again (a worker died, a retry waited): the
    worker's clock, when it is that much later and no more, is the one to decide quiet hours by."""
    own = _now(info)
    if batch.at is None or timedelta(0) <= own - batch.at <= SAME_CLOCK:
        return own
    return batch.at


def _as_temporal_errors(now: datetime, call: Callable[[], T]) -> T:
    try:
        return call()
    except QuietHours as quiet:
        raise ApplicationError(
            str(quiet),
            quiet.until.isoformat(),
            type="QuietHours",
            next_retry_delay=max(quiet.until - now, timedelta(seconds=1)),
            category=ApplicationErrorCategory.BENIGN,
        ) from None
    except DeliveryIncomplete as incomplete:
        raise ApplicationError(
            str(incomplete),
            incomplete.outcome.per_unit,
            type="DeliveryIncomplete",
            category=ApplicationErrorCategory.BENIGN,
        ) from None
    except TasksNotReacted as waiting:
        raise ApplicationError(
            str(waiting),
            waiting.waiting,
            type="TasksNotReacted",
            category=ApplicationErrorCategory.BENIGN,
        ) from None
    except InvalidNotification as invalid:
        raise ApplicationError(
            str(invalid), type="InvalidNotification", non_retryable=True
        ) from None
