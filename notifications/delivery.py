"""Delivering notifications: once, on a channel that works, and never silently lost.

For each recipient unit of a request:

1. Its log row (key: the request's key and the unit) is found, or written `queued`. A row
   already `sent` is not sent again (`already_sent`); one given up on stays `failed`.
2. A unit that reads a daily digest gets its reminders, check-ins and nudges held for the
   digest (`queued`); `send_daily_digests` sends one message per unit and working day.
3. Outside office hours on working days nothing is sent: `QuietHours` says until when, and the
   workflow waits on a timer until then (see activities/notify.py).
4. Each attempt sends once per unit, on the channel its failures so far point to: the main
   channel until it has failed `main_channel_failures` times, then the fallbacks and the main
   channel again, in turn. A unit still undelivered makes the attempt end in
   `DeliveryIncomplete`, so that Temporal retries it with backoff.
5. After `max_failures` failed sends (or on the engine's last attempt) the unit is given up on
   (`failed`) and the coordinator is told, once per outage, by a message of its own kind
   (`delivery_failure`); the coordinator's own failures go to the leadership.
6. What a unit missed goes out in one message as soon as a message reaches it again, or with
   the next working day's digest run (`recovery`).

The leadership's escalation is one summary per leadership unit and working day, listing every
overdue milestone of the plan; escalations asked for after that day's summary went out wait for
the next working day's (sent by `send_daily_digests`).

Two workers never send the same row at once: a send claims its row for `claim_for` first. A
claim found expired is a send whose outcome nobody knows: the row is sent again, under the same
Message-ID, and counts an uncertain attempt (`dispatch`).

A task's messages of one instant are one batch (`send_batch`, the `send_messages` activity; a
request alone is a batch of one): the reads and the rendering first, then the rows of every
message written and claimed in one transaction, the sends over the worker's kept SMTP
connections (`smtp_connections`), and the answers recorded in one transaction (`dispatch`). A
burst of 2,000 reminders was four SQLite write turns and a new connection per message.

The parts: `requests` (checking a request, its log rows), `dispatch` (one row on its channel,
under a claim; the coordinator's alert), `lines` (what messages say of milestones),
`leadership` (the summary), `digest`, `recovery` (what an outage held back), `samples`
(`notify-test`), `outcomes` (what each comes to).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial

from sqlmodel import Session

from deadlines import StepAudience
from deadlines.local_time import local_day
from models.payloads import DeliveryOutcome, MessageKind, NotificationOutcome, NotificationRequest
from models.tables import NotificationLog
from notifications.channels import ChannelSender, DeliveryAttempt
from notifications.contacts import ContactBook, UnitContacts, UnitLookup
from notifications.digest import DailyDigests
from notifications.dispatch import About, Claimed, Delivery, DeliveryRules, Dispatcher
from notifications.formatting import format_day
from notifications.kinds import DIGEST_KINDS, TASKS_KINDS
from notifications.leadership import LeadershipSummaries
from notifications.lines import Facts, MessageLines, facts_key
from notifications.links import UnitLinks, plan_link
from notifications.messages import MessageContext, RenderedMessage
from notifications.office_hours import CalendarOfYear, wait_for_office_hours
from notifications.outcomes import (
    DeliveryIncomplete,
    InvalidNotification,
    QuietHours,
    finished,
    settled,
)
from notifications.recovery import CatchUp
from notifications.rendering import MessageRenderer
from notifications.requests import check_request, request_audience, request_log, unit_log_key
from notifications.samples import SampleDelivery, Samples
from notifications.unit_link import UnitLinkMessages
from storage import notifications as log
from storage.db import session_scope

# What one message of a batch came to: its outcome, or what `send` raises for it.
Sent = NotificationOutcome | QuietHours | DeliveryIncomplete | InvalidNotification


def _wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Message:
    """One request of a batch, as delivery works through it."""

    index: int
    request: NotificationRequest
    kind: MessageKind
    last_attempt: bool
    recipients: list[str] = field(init=False)
    per_unit: dict[str, DeliveryOutcome] = field(default_factory=dict)
    # By unit: the message, the unit's contacts and what it is about.
    rendered: dict[str, tuple[RenderedMessage, UnitContacts, About]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.recipients = list(dict.fromkeys(self.request.recipients))


def _outcome_of(send: Callable[[], NotificationOutcome]) -> Sent:
    try:
        return send()
    except (QuietHours, DeliveryIncomplete) as ended:
        return ended


class NotificationService:
    def __init__(
        self,
        *,
        database_url: str,
        directory: UnitLookup,
        contacts: ContactBook,
        calendar: CalendarOfYear,
        public_url: str,
        channels: ChannelSender,
        rules: DeliveryRules | None = None,
        renderer: MessageRenderer | None = None,
        clock: Callable[[], datetime] = _wall_clock,
        unbroken: Callable[[], AbstractContextManager[None]] | None = None,
        unit_links: UnitLinks | None = None,
    ) -> None:
        self._calendar = calendar
        self._lines = MessageLines(
            directory=directory,
            calendar=calendar,
            public_url=public_url,
            database_url=database_url,
            unit_links=unit_links,
        )
        self._dispatch = Dispatcher(
            database_url=database_url,
            directory=directory,
            contacts=contacts,
            channels=channels,
            lines=self._lines,
            renderer=renderer or MessageRenderer(),
            rules=rules or DeliveryRules(),
            clock=clock,
            unbroken=unbroken,
        )
        self._leadership = LeadershipSummaries(self._dispatch, calendar)
        self._catch_up = CatchUp(self._dispatch)
        self._digests = DailyDigests(self._dispatch, self._leadership, self._catch_up, calendar)
        self._samples = Samples(self._dispatch)
        self._unit_links = UnitLinkMessages(self._dispatch)

    @property
    def contacts(self) -> ContactBook:
        return self._dispatch.contacts

    @property
    def directory(self) -> UnitLookup:
        return self._dispatch.directory

    def send(
        self, request: NotificationRequest, *, now: datetime, last_attempt: bool = False
    ) -> NotificationOutcome:
        """Deliver `request` to each of its recipients once; see the module's docstring.

        Raises `QuietHours` (retry at its `until`), `DeliveryIncomplete` (retry with backoff)
        or `InvalidNotification` (do not retry). `last_attempt` sends even in quiet hours and
        gives up on every unit still undelivered, telling the coordinator.
        """
        [sent] = self.send_batch([(request, last_attempt)], now=now)
        if isinstance(sent, Exception):
            raise sent
        return sent

    def send_batch(
        self, messages: Sequence[tuple[NotificationRequest, bool]], *, now: datetime
    ) -> list[Sent]:
        """Deliver each request (with whether it is its last attempt) as `send` does, in order,
        and say what each came to, its `send` exception included. The log rows of the batch are
        written and claimed in one transaction and the answers recorded in one (see
        `notifications.dispatch`); an escalation to the leadership goes into its summary."""
        results: dict[int, Sent] = {}
        together: list[_Message] = []
        for index, (request, last_attempt) in enumerate(messages):
            try:
                kind = check_request(request, now)
            except InvalidNotification as invalid:
                results[index] = invalid
                continue
            message = _Message(index, request, kind, last_attempt)
            if kind is not MessageKind.ESCALATION_LEADERSHIP:
                together.append(message)
                continue
            results |= self._send_together(together, now=now)
            together = []
            results[index] = _outcome_of(
                partial(
                    self._leadership.send,
                    request,
                    message.recipients,
                    now=now,
                    last_attempt=last_attempt,
                )
            )
        results |= self._send_together(together, now=now)
        return [results[index] for index in range(len(messages))]

    def _send_together(self, messages: list[_Message], *, now: datetime) -> dict[int, Sent]:
        if not messages:
            return {}
        dispatch = self._dispatch
        try:
            wait_for_office_hours(self._calendar, now)
            quiet: QuietHours | None = None
        except QuietHours as outside:
            quiet = outside
        results: dict[int, Sent] = {}
        deliveries: list[tuple[_Message, str, Delivery]] = []
        # Kept alive as the sends are: a locked database holds the claiming write as long as
        # it holds the answers' (the activity would be taken for dead, cancelled mid-claim and
        # run again beside itself), and a cancellation waits for the claim to commit or not.
        with dispatch.unbroken(), session_scope(dispatch.database_url) as session:
            # The reads (and the rendering) first: a transaction holds the SQLite file's
            # writer lock from its first write to its commit.
            known: dict[tuple[str, str, str], Facts] = {}
            for message in messages:
                if quiet is None or message.last_attempt:
                    self._render(session, message, now, known)
            existing = self._batch_rows(session, messages)
            to_claim: list[tuple[_Message, str, NotificationLog]] = []
            for message in messages:
                to_send = self._rows(session, message, existing)
                if not to_send:
                    continue
                if quiet is not None and not message.last_attempt:
                    results[message.index] = quiet
                    continue
                to_claim += [(message, unit, row) for unit, row in to_send]
            claims = dispatch.claim_rows(session, [row for _, _, row in to_claim])
            for (message, unit, _row), claimed in zip(to_claim, claims, strict=True):
                if not isinstance(claimed, Claimed):
                    message.per_unit[unit] = claimed
                    continue
                rendered, contacts, about = message.rendered[unit]
                delivery = Delivery(claimed, rendered, contacts, about, message.last_attempt)
                deliveries.append((message, unit, delivery))
        if deliveries:
            outcomes = dispatch.deliver_claimed([d for _, _, d in deliveries], now=now)
            for (message, unit, _), outcome in zip(deliveries, outcomes, strict=True):
                message.per_unit[unit] = outcome
            reached = [u for m, u, _ in deliveries if m.per_unit[u] is DeliveryOutcome.SENT]
            self._catch_up.after_deliveries(reached, now=now)
        for message in messages:
            if message.index not in results:
                results[message.index] = _outcome_of(
                    partial(finished, message.request.key, message.per_unit)
                )
        return results

    def _batch_rows(self, session: Session, messages: list[_Message]) -> dict[str, NotificationLog]:
        """Every log row of the batch's messages, by key: read in one statement, and the new
        ones written `queued` in one flush."""
        keys = {
            unit_log_key(message.request.key, unit): (message, unit)
            for message in messages
            for unit in message.recipients
        }
        rows = log.find_logs(session, keys=keys)
        now = self._dispatch.clock()
        new = [
            request_log(message.request, unit, message.kind, now=now)
            for key, (message, unit) in keys.items()
            if key not in rows
        ]
        return rows | {row.key: row for row in log.add_logs(session, new)}

    def _rows(
        self, session: Session, message: _Message, existing: dict[str, NotificationLog]
    ) -> list[tuple[str, NotificationLog]]:
        """The units of the message still to send, with their rows (`existing`: the batch's,
        `_batch_rows`); a row held for the unit's digest is marked so."""
        dispatch = self._dispatch
        to_send: list[tuple[str, NotificationLog]] = []
        for unit in message.recipients:
            row = existing[unit_log_key(message.request.key, unit)]
            done = settled(row)
            if done is not None:
                message.per_unit[unit] = done
                continue
            if self._held_for_digest(unit, message.kind):
                log.hold_for_digest(session, key=row.key, now=dispatch.clock())
                message.per_unit[unit] = DeliveryOutcome.QUEUED
                continue
            to_send.append((unit, row))
        return to_send

    def _held_for_digest(self, unit: str, kind: MessageKind) -> bool:
        return self._dispatch.contacts.for_unit(unit).digest and kind in DIGEST_KINDS

    def _render(
        self,
        session: Session,
        message: _Message,
        now: datetime,
        known: dict[tuple[str, str, str], Facts],
    ) -> None:
        """The message for each recipient it may be sent to (not held for a digest); `known`:
        the facts already read for the batch's other messages."""
        request, kind, lines = message.request, message.kind, self._lines
        key = facts_key(request, kind)
        facts = known.get(key)
        if facts is None:
            facts = known[key] = lines.facts(session, request, kind)
        year = (
            lines.year_summary(
                session, request.plan_key, now, key=request.key, year=request.summary_year
            )
            if kind is MessageKind.YEAR_SUMMARY
            else None
        )
        # A message about the whole task lists its milestones as recorded; one about several
        # tasks, the recipient's own (the request names them).
        task_milestones = lines.task_lines(session, request, kind, now)
        event_milestones = lines.event_lines(session, request, kind, now)
        line = (
            lines.request_line(request, now, facts.lead_unit_names)
            if kind is not MessageKind.YEAR_SUMMARY and kind not in TASKS_KINDS
            else None
        )
        audience, note = request_audience(request)
        about = About(kind, request.plan_key, facts.plan_title, line)
        for unit in message.recipients:
            if self._held_for_digest(unit, kind):
                continue
            rendered = self._dispatch.render(
                MessageContext(
                    kind=kind,
                    recipient_name=lines.unit_name(unit),
                    plan_title=facts.plan_title,
                    day_text=format_day(local_day(now)),
                    milestone=lines.for_unit(line, unit) if line is not None else None,
                    milestones=(
                        year[1]
                        if year
                        else [lines.for_unit(m, unit) for m in task_milestones + event_milestones]
                    ),
                    evidence=facts.evidence,
                    tally=year[0] if year else None,
                    extension=lines.extension_line(request, kind, note),
                    decision=lines.decision_line(request, kind),
                    overview_link=plan_link(lines.public_url, request.plan_key),
                    note=note,
                    recipient_leads=unit in facts.lead_units or audience == StepAudience.LEAD,
                    recipient_coordinates=audience == StepAudience.COORDINATING
                    and unit not in facts.lead_units,
                )
            )
            message.rendered[unit] = (rendered, self._dispatch.contacts.for_unit(unit), about)

    def send_daily_digests(self, day: date, *, now: datetime, last_attempt: bool = False) -> int:
        """The day's digests and the leadership summaries that waited for it (see
        `notifications.digest`). Returns how many went out."""
        return self._digests.send(day, now=now, last_attempt=last_attempt)

    def send_unit_link(self, unit_code: str, link: str, *, now: datetime) -> list[DeliveryAttempt]:
        """The unit's own link, sent again now (see `notifications.unit_link`)."""
        return self._unit_links.send(unit_code, link, now=now)

    def send_samples(
        self, unit_code: str, kinds: Iterable[MessageKind], *, now: datetime
    ) -> list[SampleDelivery]:
        """One sample of each kind on every channel of the unit (see `notifications.samples`)."""
        return self._samples.send(unit_code, kinds, now=now)
