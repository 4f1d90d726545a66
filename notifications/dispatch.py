"""One log row sent on the channel its failures point to, under a claim so that two workers
never send it at once; a unit given up on is reported to the coordinator, once per outage.

The row is updated in the same breath as the send, and the two run as one unbroken block (the
caller's `unbroken`: for the engine, it keeps telling Temporal the activity is alive and holds
any cancellation until the block ends): a database that refuses the write (locked by another
process, a connection lost) is waited for rather than the message sent again later. What cannot
be known (the process ended between the channel's answer and the write) is sent again under the
same Message-ID and counted on the row as an uncertain attempt.

A batch (a task's messages of one instant, `notifications.delivery`) claims its rows in one
transaction (`claim`), sends them in one unbroken block over shared connections and records
their answers together (`deliver_claimed`): on SQLite every transaction that writes waits its
turn for the file, and a burst of thousands of messages was bound by those turns.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from deadlines.local_time import local_day
from models.payloads import DeliveryOutcome, MessageKind
from models.tables import NotificationLog
from notifications.channels import ChannelSender, DeliveryAttempt, describe_channel
from notifications.contacts import ContactBook, UnitContacts, UnitLookup
from notifications.formatting import format_day
from notifications.lines import MessageLines
from notifications.links import plan_link
from notifications.messages import (
    DeliveryFailureLine,
    MessageContext,
    MilestoneLine,
    RenderedMessage,
)
from notifications.outcomes import settled
from notifications.rendering import MessageRenderer
from storage import notifications as log
from storage.db import session_scope
from storage.notifications import Claim

logger = logging.getLogger(__name__)


def _plain_block() -> AbstractContextManager[None]:
    return nullcontext()


@dataclass(frozen=True)
class DeliveryRules:
    # Failed sends on the main channel before the fallbacks are tried.
    main_channel_failures: int = 3
    # Failed sends in all before the unit is given up on and the coordinator told.
    max_failures: int = 6
    # How long a send holds its row: longer than a send takes (apprise's SMTP operations time
    # out after 15 s), and shorter than the engine takes to retry the activity of a worker that
    # died (its heartbeat timeout and the first retry interval, workflows/notification_calls.py),
    # so that the retry finds the row free and sends within a minute.
    claim_for: timedelta = timedelta(seconds=30)
    # How long the log write after a send is retried while the database refuses it.
    record_for: timedelta = timedelta(minutes=2)
    # A batch's answers are recorded together once all are sent, or once its sends have taken
    # this long: a worker that dies loses at most this much of its record (those rows are sent
    # again under their Message-ID, marked uncertain), and a batch is one write on a fast channel
    # (NHACHAN_NOTIFY_RECORD_WITHIN; 0: each answer recorded as it comes, as before batches).
    record_within: timedelta = timedelta(seconds=0.2)

    def __post_init__(self) -> None:
        if self.main_channel_failures < 1 or self.max_failures < 1:
            raise ValueError(
                "notify_main_channel_failures and notify_max_failures must be at least 1, "
                f"not {self.main_channel_failures} and {self.max_failures}"
            )
        if self.record_within < timedelta(0):
            raise ValueError(
                f"notify_record_within must be 0 or more seconds, not {self.record_within}"
            )


def outage_prefix(unit_code: str) -> str:
    """The key prefix of the alerts that `unit_code` could not be reached."""
    return f"{MessageKind.DELIVERY_FAILURE}/{unit_code}/"


@dataclass(frozen=True)
class Claimed:
    """A row taken for one send: what the send needs of it."""

    key: str
    claim: Claim
    # Failed sends so far, which pick the channel.
    failures: int
    reply_to: str


@dataclass(frozen=True)
class About:
    """What a delivery is about, for the coordinator's alert if it fails for good."""

    kind: MessageKind
    plan_key: str
    plan_title: str
    milestone: MilestoneLine | None = None


@dataclass(frozen=True)
class Delivery:
    """A claimed row, the message to send for it and to whom."""

    claimed: Claimed
    message: RenderedMessage
    contacts: UnitContacts
    about: About
    last_attempt: bool


@dataclass(frozen=True)
class _Answer:
    key: str
    attempt: DeliveryAttempt
    give_up: bool
    # When the channel answered: the row's `sent_at` if it delivered.
    at: datetime


class Dispatcher:
    """Sends rows of the log; the parts of delivery share it, with what it is built from."""

    def __init__(
        self,
        *,
        database_url: str,
        directory: UnitLookup,
        contacts: ContactBook,
        channels: ChannelSender,
        lines: MessageLines,
        renderer: MessageRenderer,
        rules: DeliveryRules,
        clock: Callable[[], datetime],
        unbroken: Callable[[], AbstractContextManager[None]] | None = None,
    ) -> None:
        self.database_url = database_url
        self.directory = directory
        self.contacts = contacts
        self.lines = lines
        self.rules = rules
        # Record times (created, updated, sent, claims) are wall-clock; decisions (quiet hours,
        # working days, which day's digest) use the `now` each call is given: Temporal's time.
        self.clock = clock
        self._channels = channels
        self._renderer = renderer
        # Wraps each send and its log write (see the module's docstring).
        self.unbroken = unbroken or _plain_block

    def render(self, context: MessageContext) -> RenderedMessage:
        return self._renderer.render(context)

    def claim(
        self,
        session: Session,
        key: str,
        *,
        details: dict[str, Any] | None = None,
    ) -> Claimed | DeliveryOutcome:
        """The row `key` taken for one send, in the caller's transaction (a batch claims all its
        rows in one); or what it already came to, or `PENDING` while another worker holds it.
        `details` (what the message contains) are recorded by whoever holds the claim."""
        wall = self.clock()
        row = log.find_log(session, key=key)
        if row is None:
            raise LookupError(f"no notification {key!r} in the log")
        done = settled(row)
        if done is not None:
            return done
        claim = log.claim_log(session, key=key, now=wall, until=wall + self.rules.claim_for)
        if not claim.taken:
            logger.info("notification %s is being sent by another worker", key)
            return DeliveryOutcome.PENDING
        if details is not None:
            log.set_details(session, key=key, details=details, now=wall)
        return Claimed(key, claim, row.attempts, self.lines.reply_to(row, issued_at=wall))

    def claim_rows(
        self, session: Session, rows: Sequence[NotificationLog]
    ) -> list[Claimed | DeliveryOutcome]:
        """`claim` of each row (read in this transaction, not settled), in the caller's
        transaction and two statements at most: a batch's rows."""
        wall = self.clock()
        claims = log.claim_logs(
            session, keys=[row.key for row in rows], now=wall, until=wall + self.rules.claim_for
        )
        taken: list[Claimed | DeliveryOutcome] = []
        for row in rows:
            claim = claims[row.key]
            if claim.taken:
                reply_to = self.lines.reply_to(row, issued_at=wall)
                taken.append(Claimed(row.key, claim, row.attempts, reply_to))
                continue
            # Sent or given up by another worker since it was read, or being sent by one now.
            session.expire(row)
            done = settled(row)
            if done is None:
                logger.info("notification %s is being sent by another worker", row.key)
            taken.append(done if done is not None else DeliveryOutcome.PENDING)
        return taken

    def deliver(
        self,
        key: str,
        message: RenderedMessage,
        contacts: UnitContacts,
        *,
        about: About,
        now: datetime,
        last_attempt: bool,
        details: dict[str, Any] | None = None,
    ) -> DeliveryOutcome:
        """One send of the row `key` on the channel its failures point to; `details` (what the
        message contains) are recorded by whoever holds the claim, in the same transaction."""
        with session_scope(self.database_url) as session:
            claimed = self.claim(session, key, details=details)
        if not isinstance(claimed, Claimed):
            return claimed
        [outcome] = self.deliver_claimed(
            [Delivery(claimed, message, contacts, about, last_attempt)], now=now
        )
        return outcome

    def deliver_claimed(
        self, deliveries: Sequence[Delivery], *, now: datetime
    ) -> list[DeliveryOutcome]:
        """Send each claimed row once, in order, on the channel its failures point to, the
        emails to one server over one connection; their answers are recorded together, in one
        transaction once all are sent, or sooner when the sends have taken `record_within`
        (what a worker that dies loses: sends not recorded yet go again, marked uncertain)."""
        answers: list[_Answer] = []
        rows: list[NotificationLog] = []
        with self.unbroken(), self._channels.connections():
            unrecorded_since: float | None = None
            try:
                for delivery in deliveries:
                    attempt = self._send_claimed(delivery)
                    answers.append(self._answer(delivery, attempt))
                    if unrecorded_since is None:
                        unrecorded_since = time.monotonic()
                    waited = time.monotonic() - unrecorded_since
                    if waited >= self.rules.record_within.total_seconds():
                        rows += self._record(answers[len(rows) :])
                        unrecorded_since = None
            except Exception:
                # What went out before the error is recorded, not sent again later.
                if len(rows) < len(answers):
                    self._record(answers[len(rows) :])
                raise
            if len(rows) < len(answers):
                rows += self._record(answers[len(rows) :])
        return [
            self._conclude(delivery, answer, row, now=now)
            for delivery, answer, row in zip(deliveries, answers, rows, strict=True)
        ]

    def _send_claimed(self, delivery: Delivery) -> DeliveryAttempt:
        claimed = delivery.claimed
        if claimed.claim is Claim.TAKEN_AFTER_UNKNOWN:
            logger.warning(
                "notification %s: an earlier send may have gone out (its worker stopped before "
                "logging it); sending again under the same Message-ID",
                claimed.key,
            )
        return self._channels.send(
            self._pick_channel(delivery.contacts, claimed.failures),
            delivery.message,
            key=claimed.key,
            reply_to=claimed.reply_to,
        )

    def _answer(self, delivery: Delivery, attempt: DeliveryAttempt) -> _Answer:
        failures_after = delivery.claimed.failures + (0 if attempt.delivered else 1)
        give_up = not attempt.delivered and (
            failures_after >= self.rules.max_failures or delivery.last_attempt
        )
        return _Answer(delivery.claimed.key, attempt, give_up, self.clock())

    def _conclude(
        self, delivery: Delivery, answer: _Answer, row: NotificationLog, *, now: datetime
    ) -> DeliveryOutcome:
        attempt = answer.attempt
        if attempt.delivered:
            return DeliveryOutcome.SENT
        logger.warning(
            "notification %s: %s failed (%d of %d): %s",
            answer.key,
            attempt.channel,
            row.attempts,
            self.rules.max_failures,
            attempt.answer,
        )
        if answer.give_up:
            self._alert(row, delivery.message, delivery.contacts, about=delivery.about, now=now)
            return DeliveryOutcome.FAILED
        return DeliveryOutcome.PENDING

    def send_recorded(
        self, key: str, channel: str, message: RenderedMessage, *, give_up_on_failure: bool
    ) -> DeliveryAttempt:
        """One try on one channel, and its answer in the log row `key`."""
        with session_scope(self.database_url) as session:
            row = log.find_log(session, key=key)
            reply_to = "" if row is None else self.lines.reply_to(row, issued_at=self.clock())
        with self.unbroken():
            attempt = self._channels.send(channel, message, key=key, reply_to=reply_to)
            self._record([_Answer(key, attempt, give_up_on_failure, self.clock())])
        return attempt

    def plan_directory(self, plan_key: str) -> UnitLookup:
        return self.lines.plan_directory(plan_key)

    def _record(self, answers: Sequence[_Answer]) -> list[NotificationLog]:
        """The answers in their rows, in one transaction. A database that refuses the write is
        waited for (up to `record_for`): the sends happened, and a row left claimed would be
        sent again."""
        give_up_at = time.monotonic() + self.rules.record_for.total_seconds()
        pause = 0.5
        while True:
            try:
                with session_scope(self.database_url) as session:
                    return log.record_attempts(
                        session,
                        [
                            log.Attempt(
                                key=answer.key,
                                channel=answer.attempt.channel,
                                answer=answer.attempt.answer,
                                delivered=answer.attempt.delivered,
                                give_up=answer.give_up,
                                at=answer.at,
                            )
                            for answer in answers
                        ],
                    )
            except OperationalError as error:
                if time.monotonic() >= give_up_at:
                    raise
                reason = str(error.orig).splitlines()[0] if error.orig else "refused"
                keys = ", ".join(answer.key for answer in answers)
                logger.warning("notifications %s: the log write waits (%s)", keys, reason)
                time.sleep(pause)
                pause = min(pause * 2, 5.0)

    def _pick_channel(self, contacts: UnitContacts, failures: int) -> str:
        """The main channel first; once it has failed enough, the fallbacks and then the main
        channel again, in turn (a channel that was down may be back)."""
        if failures < self.rules.main_channel_failures or not contacts.fallbacks:
            return contacts.main
        turn = [*contacts.fallbacks, contacts.main]
        return turn[(failures - self.rules.main_channel_failures) % len(turn)]

    def _alert(
        self,
        failed: NotificationLog,
        message: RenderedMessage,
        contacts: UnitContacts,
        *,
        about: About,
        now: datetime,
    ) -> None:
        """Tell the coordinator of the plan's own agency, once per outage, that a unit could not
        be reached (the coordinator's own failures go to the leadership). Every channel is tried
        in turn, now: nothing retries this later."""
        roles = self.plan_directory(failed.plan_key)
        coordinator = roles.coordinator
        alert_unit = coordinator if failed.unit_code != coordinator else roles.leadership
        with session_scope(self.database_url) as session:
            # One alert per outage of the unit: every message given up on since the unit was
            # last reached shares this key, so concurrent give-ups write one row and send once.
            reached = log.last_delivered_at(session, unit_code=failed.unit_code)
            since = reached.isoformat() if reached is not None else "start"
            key = f"{outage_prefix(failed.unit_code)}{since}|{alert_unit}"
            row = log.ensure_log(
                session,
                log.new_log(
                    key=key,
                    workflow_id=failed.workflow_id,
                    plan_key=failed.plan_key,
                    task_code=failed.task_code,
                    milestone_key=failed.milestone_key,
                    kind=MessageKind.DELIVERY_FAILURE,
                    unit_code=alert_unit,
                    scheduled_at=now,
                    details={"failed": failed.key},
                    now=self.clock(),
                ),
            )
            if settled(row) is not None:
                return
        unit_name = self.lines.unit_name
        alert = self.render(
            MessageContext(
                kind=MessageKind.DELIVERY_FAILURE,
                recipient_name=unit_name(alert_unit),
                plan_title=about.plan_title,
                day_text=format_day(local_day(now)),
                milestone=about.milestone,
                failure=DeliveryFailureLine(
                    unit_code=failed.unit_code,
                    unit_name=unit_name(failed.unit_code),
                    original_kind=about.kind,
                    original_subject=message.subject,
                    channels=[describe_channel(url) for url in contacts.channels],
                    failures=failed.attempts,
                    last_answer=failed.answer,
                ),
                overview_link=plan_link(self.lines.public_url, about.plan_key),
            )
        )
        self._deliver_on_every_channel(key, alert, self.contacts.for_unit(alert_unit).channels)

    def _deliver_on_every_channel(
        self, key: str, message: RenderedMessage, channels: Sequence[str]
    ) -> None:
        """Try each channel once, in order, until one delivers; the row ends sent or failed."""
        for position, channel in enumerate(channels, start=1):
            wall = self.clock()
            with session_scope(self.database_url) as session:
                claim = log.claim_log(session, key=key, now=wall, until=wall + self.rules.claim_for)
                if not claim.taken:
                    return
            attempt = self.send_recorded(
                key, channel, message, give_up_on_failure=position == len(channels)
            )
            if attempt.delivered:
                return
