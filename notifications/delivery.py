"""Delivering notifications: once, on a channel that works, and never silently lost.

For each recipient unit of a request:

1. Its log row (key: the request's key and the unit) is found, or written `queued`. A row
   already `sent` is not sent again (`already_sent`); one given up on stays `failed`.
2. A unit that reads a daily digest gets its reminders, check-ins and nudges held for the
   digest (`queued`); `send_daily_digests` sends one message per unit and working day.
3. Outside office hours on working days nothing is sent: `QuietHours` says until when, and the
   activity asks Temporal to retry then (see activities/notify.py).
4. Each attempt sends once per unit, on the channel its failures so far point to: the main
   channel until it has failed `main_channel_failures` times, then the fallbacks and the main
   channel again, in turn. A unit still undelivered makes the attempt end in
   `DeliveryIncomplete`, so that Temporal retries it with backoff.
5. After `max_failures` failed sends (or on the engine's last attempt) the unit is given up on
   (`failed`) and the coordinator is told, once, by a message of its own kind
   (`delivery_failure`); the coordinator's own failures go to the leadership.

The leadership's escalation is one summary per leadership unit and working day, listing every
overdue milestone of the plan; escalations asked for after that day's summary went out wait for
the next working day's (sent by `send_daily_digests`).

Two workers never send the same row at once: a send claims its row for `claim_for` first.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from sqlmodel import Session

from deadlines.local_time import local_day, local_instant
from models.payloads import NotificationOutcome, NotificationRequest
from models.statuses import CLOSED_MILESTONE_STATUSES, MilestoneStatus
from models.tables import Milestone, NotificationLog, NotificationStatus, Task
from notifications.channels import DeliveryAttempt, describe_channel, send_message
from notifications.contacts import ContactBook, UnitContacts, UnitLookup
from notifications.formatting import format_day, format_due
from notifications.kinds import DIGEST_KINDS, ENGINE_KINDS, MessageKind, parse_kind
from notifications.links import evidence_link, plan_link
from notifications.messages import (
    DeliveryFailureLine,
    EvidenceLine,
    ExtensionLine,
    MessageContext,
    MilestoneLine,
    RenderedMessage,
    YearTally,
)
from notifications.rendering import MessageRenderer
from storage import notifications as log
from storage.db import session_scope

logger = logging.getLogger(__name__)

# What `NotificationOutcome.per_unit` says of each unit.
SENT = "sent"
ALREADY_SENT = "already_sent"
# Held: for the unit's daily digest, or for the next working day's leadership summary.
QUEUED = "queued"
# Nothing to send any more: every milestone it was about has closed.
SKIPPED = "skipped"
FAILED = "failed"
# Only inside an attempt: not delivered yet, the attempt will be retried.
PENDING = "pending"

DIGEST_WORKFLOW_ID = "nhachan-daily-digest"
SAMPLE_WORKFLOW_ID = "notify-test"
# The made-up plan of the samples sent before any plan is imported.
SAMPLE_PLAN_KEY = "mau"


class WorkingDays(Protocol):
    """What delivery needs of the calendar (`deadlines.workdays.WorkingCalendar`)."""

    def is_working_day(self, day: date) -> bool: ...

    def next_working_day(self, day: date) -> date: ...

    def working_days_between(self, start: date, end: date) -> int: ...

    def is_office_hours(self, instant: datetime) -> bool: ...

    def opening(self, day: date) -> datetime: ...


@dataclass(frozen=True)
class DeliveryRules:
    # Failed sends on the main channel before the fallbacks are tried.
    main_channel_failures: int = 3
    # Failed sends in all before the unit is given up on and the coordinator told.
    max_failures: int = 6
    # How long a send holds its row; longer than any send takes.
    claim_for: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        if self.main_channel_failures < 1 or self.max_failures < 1:
            raise ValueError(
                "notify_main_channel_failures and notify_max_failures must be at least 1, "
                f"not {self.main_channel_failures} and {self.max_failures}"
            )


class InvalidNotification(ValueError):
    """A request that no retry can make sendable: the message says what is wrong."""


class QuietHours(Exception):
    """Outside office hours: the message waits until `until` (UTC)."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(f"outside office hours: waiting until {format_due(until)}")


class DeliveryIncomplete(Exception):
    """Some units are not reached yet; retrying later may reach them."""

    def __init__(self, outcome: NotificationOutcome, pending: Sequence[str]) -> None:
        self.outcome = outcome
        self.pending = list(pending)
        super().__init__(
            f"notification {outcome.key}: not delivered yet to {', '.join(self.pending)}; "
            "the log has each channel's answer"
        )


@dataclass(frozen=True)
class SampleDelivery:
    """One sample message on one channel, sent by `notify-test`."""

    kind: MessageKind
    subject: str
    attempt: DeliveryAttempt


@dataclass(frozen=True)
class _About:
    """What a delivery is about, for the coordinator's alert if it fails for good."""

    kind: MessageKind
    plan_key: str
    plan_title: str
    milestone: MilestoneLine | None = None


@dataclass
class _Facts:
    """What the database adds to a request: the plan's title, the lead units, the evidence."""

    plan_title: str
    lead_units: list[str] = field(default_factory=list)
    lead_unit_names: list[str] = field(default_factory=list)
    evidence: EvidenceLine | None = None


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def unit_log_key(request_key: str, unit_code: str) -> str:
    return f"{request_key}|{unit_code}"


def request_details(request: NotificationRequest) -> dict[str, Any]:
    """What the log keeps of a request, to render it again for a digest or a summary."""
    return {
        "plan_key": request.plan_key,
        "task_title": request.task_title,
        "milestone_label": request.milestone_label,
        "due_at": request.due_at.astimezone(UTC).isoformat() if request.due_at else None,
        "evidence_hint": request.evidence_hint,
        "note": request_audience(request)[1],
    }


# The engine's words for whom a step is for; a request that carries one in `note` (before
# `audience` existed) is read the same way, and the word is not shown as a note.
AUDIENCES = frozenset({"lead", "coordinating", "coordinator", "leadership"})


def request_audience(request: NotificationRequest) -> tuple[str, str]:
    """The request's audience and the note meant for people."""
    if request.audience:
        return request.audience, request.note
    if request.note in AUDIENCES:
        return request.note, ""
    return "", request.note


def _milestone_ref(task_code: str, milestone_key: str) -> str:
    return f"{task_code}#{milestone_key}"


class NotificationService:
    def __init__(
        self,
        *,
        database_url: str,
        directory: UnitLookup,
        contacts: ContactBook,
        calendar: Callable[[int], WorkingDays],
        public_url: str,
        zalo_api_base: str = "",
        rules: DeliveryRules | None = None,
        renderer: MessageRenderer | None = None,
        clock: Callable[[], datetime] = _wall_clock,
    ) -> None:
        self._database_url = database_url
        self._directory = directory
        self._contacts = contacts
        # The calendar for a year (and its neighbours), with the office hours.
        self._calendar = calendar
        self._public_url = public_url
        self._zalo_api_base = zalo_api_base
        self._rules = rules or DeliveryRules()
        self._renderer = renderer or MessageRenderer()
        # Record times (created, updated, sent, claims) are wall-clock; decisions (quiet hours,
        # working days, which day's digest) use the `now` each call is given: Temporal's time.
        self._clock = clock

    @property
    def contacts(self) -> ContactBook:
        return self._contacts

    @property
    def directory(self) -> UnitLookup:
        return self._directory

    # ------------------------------------------------------------------------ one request

    def send(
        self, request: NotificationRequest, *, now: datetime, last_attempt: bool = False
    ) -> NotificationOutcome:
        """Deliver `request` to each of its recipients once; see the module's docstring.

        Raises `QuietHours` (retry at its `until`), `DeliveryIncomplete` (retry with backoff)
        or `InvalidNotification` (do not retry). `last_attempt` sends even in quiet hours and
        gives up on every unit still undelivered, telling the coordinator.
        """
        kind = self._check(request, now)
        recipients = list(dict.fromkeys(request.recipients))
        if kind is MessageKind.ESCALATION_LEADERSHIP:
            return self._send_leadership(request, recipients, now=now, last_attempt=last_attempt)

        per_unit: dict[str, str] = {}
        to_send: list[UnitContacts] = []
        with session_scope(self._database_url) as session:
            for unit in recipients:
                row = self._request_row(session, request, unit, kind)
                settled = _settled(row)
                if settled is not None:
                    per_unit[unit] = settled
                    continue
                contacts = self._contacts.for_unit(unit)
                if contacts.digest and kind in DIGEST_KINDS:
                    log.hold_for_digest(session, key=row.key, now=self._clock())
                    per_unit[unit] = QUEUED
                    continue
                to_send.append(contacts)
        if not to_send:
            return NotificationOutcome(key=request.key, per_unit=per_unit)
        if not last_attempt:
            self._wait_for_office_hours(now)

        facts = self._facts(request, kind)
        line = (
            self._request_line(request, now, facts.lead_unit_names)
            if kind is not MessageKind.YEAR_SUMMARY
            else None
        )
        year = (
            self._year_summary(request.plan_key, now, key=request.key)
            if kind is MessageKind.YEAR_SUMMARY
            else None
        )
        audience, note = request_audience(request)
        pending: list[str] = []
        for contacts in to_send:
            unit = contacts.unit_code
            message = self._renderer.render(
                MessageContext(
                    kind=kind,
                    recipient_name=self._unit_name(unit),
                    plan_title=facts.plan_title,
                    day_text=format_day(local_day(now)),
                    milestone=line,
                    milestones=year[1] if year else [],
                    evidence=facts.evidence,
                    tally=year[0] if year else None,
                    extension=self._extension_line(request, kind, note),
                    overview_link=plan_link(self._public_url, request.plan_key),
                    note=note,
                    recipient_leads=unit in facts.lead_units or audience == "lead",
                    recipient_coordinates=audience == "coordinating"
                    and unit not in facts.lead_units,
                )
            )
            about = _About(kind, request.plan_key, facts.plan_title, line)
            result = self._deliver(
                unit_log_key(request.key, unit),
                message,
                contacts,
                about=about,
                now=now,
                last_attempt=last_attempt,
            )
            per_unit[unit] = result
            if result == PENDING:
                pending.append(unit)
        outcome = NotificationOutcome(key=request.key, per_unit=per_unit)
        if pending:
            raise DeliveryIncomplete(outcome, pending)
        return outcome

    def _check(self, request: NotificationRequest, now: datetime) -> MessageKind:
        try:
            kind = parse_kind(request.kind)
        except ValueError as error:
            raise InvalidNotification(f"notification {request.key}: {error}") from None
        if kind not in ENGINE_KINDS:
            raise InvalidNotification(
                f"notification {request.key}: kind {kind.value!r} is not one the engine sends"
            )
        for name, instant in (
            ("scheduled_at", request.scheduled_at),
            ("due_at", request.due_at),
            ("requested_due_at", request.requested_due_at),
            ("now", now),
        ):
            if instant is not None and instant.utcoffset() is None:
                raise InvalidNotification(
                    f"notification {request.key}: {name} {instant.isoformat()} has no timezone"
                )
        if not request.key:
            raise InvalidNotification("a notification needs a key")
        return kind

    def _request_row(
        self, session: Session, request: NotificationRequest, unit: str, kind: MessageKind
    ) -> NotificationLog:
        return log.ensure_log(
            session,
            key=unit_log_key(request.key, unit),
            workflow_id=request.workflow_id,
            plan_key=request.plan_key,
            task_code=request.task_code,
            milestone_key=request.milestone_key,
            kind=kind.value,
            unit_code=unit,
            scheduled_at=request.scheduled_at,
            details=request_details(request),
            now=self._clock(),
        )

    # ----------------------------------------------------------------------- delivery

    def _deliver(
        self,
        key: str,
        message: RenderedMessage,
        contacts: UnitContacts,
        *,
        about: _About,
        now: datetime,
        last_attempt: bool,
        details: dict[str, Any] | None = None,
    ) -> str:
        """One send of the row `key` on the channel its failures point to; `details` (what the
        message contains) are recorded by whoever holds the claim, in the same transaction."""
        wall = self._clock()
        with session_scope(self._database_url) as session:
            row = log.find_log(session, key=key)
            if row is None:
                raise LookupError(f"no notification {key!r} in the log")
            settled = _settled(row)
            if settled is not None:
                return settled
            if not log.claim_log(session, key=key, now=wall, until=wall + self._rules.claim_for):
                logger.info("notification %s is being sent by another worker", key)
                return PENDING
            if details is not None:
                log.set_details(session, key=key, details=details, now=wall)
            failures = row.attempts
        attempt = send_message(
            self._pick_channel(contacts, failures), message, zalo_api_base=self._zalo_api_base
        )
        failures_after = failures + (0 if attempt.delivered else 1)
        give_up = not attempt.delivered and (
            failures_after >= self._rules.max_failures or last_attempt
        )
        with session_scope(self._database_url) as session:
            failed_row = log.record_attempt(
                session,
                key=key,
                channel=attempt.channel,
                answer=attempt.answer,
                delivered=attempt.delivered,
                give_up=give_up,
                now=self._clock(),
            )
        if attempt.delivered:
            return SENT
        logger.warning(
            "notification %s: %s failed (%d of %d): %s",
            key,
            attempt.channel,
            failures_after,
            self._rules.max_failures,
            attempt.answer,
        )
        if give_up:
            self._alert(failed_row, message, contacts, about=about, now=now)
            return FAILED
        return PENDING

    def _pick_channel(self, contacts: UnitContacts, failures: int) -> str:
        """The main channel first; once it has failed enough, the fallbacks and then the main
        channel again, in turn (a channel that was down may be back)."""
        if failures < self._rules.main_channel_failures or not contacts.fallbacks:
            return contacts.main
        turn = [*contacts.fallbacks, contacts.main]
        return turn[(failures - self._rules.main_channel_failures) % len(turn)]

    def _alert(
        self,
        failed: NotificationLog,
        message: RenderedMessage,
        contacts: UnitContacts,
        *,
        about: _About,
        now: datetime,
    ) -> None:
        """Tell the coordinator, once, that a unit could not be reached (the coordinator's own
        failures go to the leadership). Every channel is tried in turn, now: nothing retries
        this later."""
        coordinator = self._directory.coordinator
        alert_unit = coordinator if failed.unit_code != coordinator else self._directory.leadership
        key = f"delivery_failure/{failed.key}|{alert_unit}"
        with session_scope(self._database_url) as session:
            row = log.ensure_log(
                session,
                key=key,
                workflow_id=failed.workflow_id,
                plan_key=failed.plan_key,
                task_code=failed.task_code,
                milestone_key=failed.milestone_key,
                kind=MessageKind.DELIVERY_FAILURE.value,
                unit_code=alert_unit,
                scheduled_at=now,
                details={"failed": failed.key},
                now=self._clock(),
            )
            if _settled(row) is not None:
                return
        alert = self._renderer.render(
            MessageContext(
                kind=MessageKind.DELIVERY_FAILURE,
                recipient_name=self._unit_name(alert_unit),
                plan_title=about.plan_title,
                day_text=format_day(local_day(now)),
                milestone=about.milestone,
                failure=DeliveryFailureLine(
                    unit_code=failed.unit_code,
                    unit_name=self._unit_name(failed.unit_code),
                    original_kind=about.kind,
                    original_subject=message.subject,
                    channels=[describe_channel(url) for url in contacts.channels],
                    failures=failed.attempts,
                    last_answer=failed.answer,
                ),
                overview_link=plan_link(self._public_url, about.plan_key),
            )
        )
        self._deliver_on_every_channel(key, alert, self._contacts.for_unit(alert_unit).channels)

    def _deliver_on_every_channel(
        self, key: str, message: RenderedMessage, channels: Sequence[str]
    ) -> bool:
        """Try each channel once, in order, until one delivers; the row ends sent or failed."""
        for position, channel in enumerate(channels, start=1):
            wall = self._clock()
            with session_scope(self._database_url) as session:
                if not log.claim_log(
                    session, key=key, now=wall, until=wall + self._rules.claim_for
                ):
                    return False
            attempt = self._send_recorded(
                key, channel, message, give_up_on_failure=position == len(channels)
            )
            if attempt.delivered:
                return True
        return False

    def _wait_for_office_hours(self, now: datetime) -> None:
        opens = self.next_office_opening(now)
        if opens is not None:
            raise QuietHours(opens)

    def next_office_opening(self, now: datetime) -> datetime | None:
        """None inside office hours on a working day; otherwise when they next begin (UTC)."""
        today = local_day(now)
        calendar = self._calendar(today.year)
        if calendar.is_office_hours(now):
            return None
        if calendar.is_working_day(today) and now < calendar.opening(today):
            return calendar.opening(today)
        return calendar.opening(calendar.next_working_day(today))

    # ------------------------------------------------------------- the leadership summary

    def _send_leadership(
        self,
        request: NotificationRequest,
        recipients: Sequence[str],
        *,
        now: datetime,
        last_attempt: bool,
    ) -> NotificationOutcome:
        per_unit: dict[str, str] = {}
        pending: list[str] = []
        day = local_day(now)
        for unit in recipients:
            with session_scope(self._database_url) as session:
                row = self._request_row(session, request, unit, MessageKind.ESCALATION_LEADERSHIP)
            settled = _settled(row)
            if settled is not None:
                per_unit[unit] = settled
                continue
            summary = self._send_summary(
                request.plan_key, unit, day, now=now, last_attempt=last_attempt
            )
            with session_scope(self._database_url) as session:
                after = log.find_log(session, key=row.key)
            assert after is not None
            if after.status is NotificationStatus.SENT:
                per_unit[unit] = SENT if summary == SENT else ALREADY_SENT
            elif after.status is NotificationStatus.SKIPPED:
                per_unit[unit] = SKIPPED
            elif summary in (ALREADY_SENT, SKIPPED):
                # Today's summary went out before this milestone was overdue: tomorrow's.
                per_unit[unit] = QUEUED
            else:
                per_unit[unit] = summary
                if summary == PENDING:
                    pending.append(unit)
        outcome = NotificationOutcome(key=request.key, per_unit=per_unit)
        if pending:
            raise DeliveryIncomplete(outcome, pending)
        return outcome

    def _send_summary(
        self, plan_key: str, unit: str, day: date, *, now: datetime, last_attempt: bool
    ) -> str:
        """Today's summary of the plan's overdue milestones to one leadership unit, at most
        once; the queued escalations it covers are marked sent with it."""
        key = f"escalation_leadership/{plan_key}/{day.isoformat()}|{unit}"
        with session_scope(self._database_url) as session:
            held = log.queued_of_kind(
                session,
                kind=MessageKind.ESCALATION_LEADERSHIP.value,
                plan_key=plan_key,
                unit_code=unit,
            )
            summary = log.find_log(session, key=key)
            if summary is not None and summary.status is NotificationStatus.SENT:
                self._close_covered(session, summary, held)
                return ALREADY_SENT
            if summary is not None and summary.status is NotificationStatus.FAILED:
                return FAILED
            lines, refs, closed = self._summary_lines(session, plan_key, held, now)
            log.close_held(
                session,
                keys=closed,
                status=NotificationStatus.SKIPPED,
                answer="the milestone closed before the summary went out",
                now=self._clock(),
            )
            if not lines:
                return SKIPPED
            title = log.plan_title(session, plan_key=plan_key) or plan_key
            log.ensure_log(
                session,
                key=key,
                workflow_id=DIGEST_WORKFLOW_ID,
                plan_key=plan_key,
                task_code="",
                milestone_key="",
                kind=MessageKind.ESCALATION_LEADERSHIP.value,
                unit_code=unit,
                scheduled_at=now,
                details={},
                now=self._clock(),
            )
        if not last_attempt:
            self._wait_for_office_hours(now)
        message = self._renderer.render(
            MessageContext(
                kind=MessageKind.ESCALATION_LEADERSHIP,
                recipient_name=self._unit_name(unit),
                plan_title=title,
                day_text=format_day(day),
                milestones=lines,
                overview_link=plan_link(self._public_url, plan_key),
            )
        )
        result = self._deliver(
            key,
            message,
            self._contacts.for_unit(unit),
            about=_About(MessageKind.ESCALATION_LEADERSHIP, plan_key, title),
            now=now,
            last_attempt=last_attempt,
            # Written with the claim, so a later request can tell what the summary covered.
            details={"included": sorted(refs)},
        )
        if result in (SENT, ALREADY_SENT):
            # Sent now, or by another worker while this one composed the same summary.
            with session_scope(self._database_url) as session:
                sent = log.find_log(session, key=key)
                assert sent is not None
                self._close_covered(session, sent, held)
        return result

    def _close_covered(
        self, session: Session, summary: NotificationLog, held: Sequence[NotificationLog]
    ) -> None:
        """The held escalations a sent summary covered are sent with it; those whose milestone
        closed meanwhile need no summary any more."""
        included = set(summary.details.get("included", []))
        log.close_held(
            session,
            keys=[r.key for r in held if _row_ref(r) in included],
            status=NotificationStatus.SENT,
            answer=f"in {summary.key}",
            now=self._clock(),
        )
        log.close_held(
            session,
            keys=[r.key for r in held if self._closed(session, r)],
            status=NotificationStatus.SKIPPED,
            answer="the milestone closed before a summary could include it",
            now=self._clock(),
        )

    def _summary_lines(
        self, session: Session, plan_key: str, held: Sequence[NotificationLog], now: datetime
    ) -> tuple[list[MilestoneLine], set[str], list[str]]:
        """The overdue milestones the engine recorded, and any escalated one it has not
        recorded yet; plus the held rows whose milestone has closed meanwhile."""
        lines: list[MilestoneLine] = []
        refs: set[str] = set()
        for task, milestone in log.overdue_milestones(session, plan_key=plan_key):
            lines.append(self._stored_line(plan_key, task, milestone, now))
            refs.add(_milestone_ref(task.code, milestone.key))
        closed: list[str] = []
        for row in held:
            if self._closed(session, row):
                closed.append(row.key)
            elif _row_ref(row) not in refs:
                lines.append(self._held_line(row, now))
                refs.add(_row_ref(row))
        return lines, refs, closed

    # ------------------------------------------------------------------ the daily digest

    def send_daily_digests(self, day: date, *, now: datetime, last_attempt: bool = False) -> int:
        """On a working day: one message per digest unit listing what was held for it, and the
        leadership summaries that waited for this day. Returns how many went out."""
        if not self._calendar(day.year).is_working_day(day) or local_day(now) > day:
            # No digest on a day off; a day that has passed (a late start, a retry that ran
            # into the evening) leaves what it held to the next working day's digest.
            return 0
        with session_scope(self._database_url) as session:
            digest_units = list(
                dict.fromkeys(r.unit_code for r in log.held_for_digest(session, until=now))
            )
            summaries = list(
                dict.fromkeys(
                    (r.plan_key, r.unit_code)
                    for r in log.queued_of_kind(
                        session, kind=MessageKind.ESCALATION_LEADERSHIP.value
                    )
                )
            )
        if not digest_units and not summaries:
            return 0
        opens = self.next_office_opening(now)
        if opens is not None and not last_attempt:
            if local_day(opens) != day:
                return 0
            raise QuietHours(opens)
        per_unit: dict[str, str] = {}
        for unit in digest_units:
            per_unit[f"digest:{unit}"] = self._send_digest(
                unit, day, now=now, last_attempt=last_attempt
            )
        for plan_key, unit in summaries:
            per_unit[f"summary:{plan_key}:{unit}"] = self._send_summary(
                plan_key, unit, day, now=now, last_attempt=last_attempt
            )
        pending = [name for name, result in per_unit.items() if result == PENDING]
        if pending:
            outcome = NotificationOutcome(key=f"digest/{day.isoformat()}", per_unit=per_unit)
            raise DeliveryIncomplete(outcome, pending)
        return sum(1 for result in per_unit.values() if result == SENT)

    def _send_digest(self, unit: str, day: date, *, now: datetime, last_attempt: bool) -> str:
        key = f"digest/{day.isoformat()}|{unit}"
        with session_scope(self._database_url) as session:
            existing = log.find_log(session, key=key)
            if existing is not None and _settled(existing) is not None:
                # Sent today; or given up today, and what it held waits for the next digest.
                return _settled(existing) or FAILED
            held = log.held_for_digest(session, unit_code=unit, until=now)
            keep = [row for row in held if not self._closed(session, row)]
            log.close_held(
                session,
                keys=[row.key for row in held if row not in keep],
                status=NotificationStatus.SKIPPED,
                answer="the milestone closed before the digest went out",
                now=self._clock(),
            )
            if not keep:
                return SKIPPED
            plans = list(dict.fromkeys(row.plan_key for row in keep))
            title = log.plan_title(session, plan_key=plans[0]) or plans[0]
            log.ensure_log(
                session,
                key=key,
                workflow_id=DIGEST_WORKFLOW_ID,
                plan_key=plans[0] if len(plans) == 1 else "",
                task_code="",
                milestone_key="",
                kind=MessageKind.DIGEST.value,
                unit_code=unit,
                scheduled_at=now,
                details={},
                now=self._clock(),
            )
        message = self._renderer.render(
            MessageContext(
                kind=MessageKind.DIGEST,
                recipient_name=self._unit_name(unit),
                plan_title=title,
                day_text=format_day(day),
                milestones=[self._held_line(row, now) for row in keep],
                overview_link=plan_link(self._public_url, plans[0]),
            )
        )
        result = self._deliver(
            key,
            message,
            self._contacts.for_unit(unit),
            about=_About(MessageKind.DIGEST, plans[0], title),
            now=now,
            last_attempt=last_attempt,
            details={"items": [row.key for row in keep]},
        )
        if result == SENT:
            with session_scope(self._database_url) as session:
                log.close_held(
                    session,
                    keys=[row.key for row in keep],
                    status=NotificationStatus.SENT,
                    answer=f"in {key}",
                    now=self._clock(),
                )
        return result

    # -------------------------------------------------------------------------- samples

    def send_samples(
        self, unit_code: str, kinds: Iterable[MessageKind], *, now: datetime
    ) -> list[SampleDelivery]:
        """One sample of each kind on every channel of the unit, each logged, none retried:
        for an operator to see which channels work. Samples say they are samples."""
        contacts = self._contacts.for_unit(unit_code)
        plan_key, plan_title, line, overdue = self._sample_lines(unit_code, now)
        sample_tally = YearTally(
            year=local_day(now).year,
            tasks=1,
            milestones=1,
            done_on_time=0,
            done_late=0,
            overdue=0,
            in_progress=1,
            waiting_event=0,
            ended=0,
            cancelled=0,
        )
        year = sample_tally, [line]
        if plan_key != SAMPLE_PLAN_KEY:
            year = self._year_summary(plan_key, now)
        results: list[SampleDelivery] = []
        stamp = self._clock().strftime("%Y%m%dT%H%M%S.%f")
        for kind in kinds:
            context = MessageContext(
                kind=kind,
                recipient_name=self._unit_name(unit_code),
                plan_title=plan_title,
                day_text=format_day(local_day(now)),
                milestone=line,
                milestones=year[1] if kind is MessageKind.YEAR_SUMMARY else overdue,
                tally=year[0],
                evidence=EvidenceLine(
                    document_number="01/KH-SNV",
                    document_date_text=f"{local_day(now):%d/%m/%Y}",
                    submitted_by=self._unit_name(unit_code),
                    on_time=True,
                ),
                failure=DeliveryFailureLine(
                    unit_code=unit_code,
                    unit_name=self._unit_name(unit_code),
                    original_kind=MessageKind.REMINDER,
                    original_subject=f"[Nhắc hạn] {line.task_code}",
                    channels=[describe_channel(url) for url in contacts.channels],
                    failures=self._rules.max_failures,
                    last_answer="(mẫu)",
                ),
                extension=ExtensionLine(
                    requested_by_name=self._unit_name(unit_code),
                    new_due_text=line.due_text or format_day(local_day(now)),
                    reason="(mẫu)",
                ),
                overview_link=plan_link(self._public_url, plan_key),
                sample=True,
            )
            message = self._renderer.render(context)
            for position, channel in enumerate(contacts.channels, start=1):
                key = f"sample/{stamp}/{kind.value}/{position}|{unit_code}"
                with session_scope(self._database_url) as session:
                    log.ensure_log(
                        session,
                        key=key,
                        workflow_id=SAMPLE_WORKFLOW_ID,
                        plan_key=plan_key,
                        task_code=line.task_code,
                        milestone_key=line.milestone_key,
                        kind=kind.value,
                        unit_code=unit_code,
                        scheduled_at=now,
                        details={"sample": True},
                        now=self._clock(),
                    )
                attempt = self._send_recorded(key, channel, message, give_up_on_failure=True)
                results.append(SampleDelivery(kind, message.subject, attempt))
        return results

    def _extension_line(
        self, request: NotificationRequest, kind: MessageKind, reason: str
    ) -> ExtensionLine | None:
        if kind is not MessageKind.EXTENSION_REQUEST:
            return None
        if request.requested_due_at is None or not request.requested_by:
            raise InvalidNotification(
                f"notification {request.key}: an extension request needs who asks and until when"
            )
        return ExtensionLine(
            requested_by_name=self._unit_name(request.requested_by),
            new_due_text=format_due(request.requested_due_at),
            reason=reason,
        )

    def _send_recorded(
        self, key: str, channel: str, message: RenderedMessage, *, give_up_on_failure: bool
    ) -> DeliveryAttempt:
        """One try on one channel, and its answer in the log row `key`."""
        attempt = send_message(channel, message, zalo_api_base=self._zalo_api_base)
        with session_scope(self._database_url) as session:
            log.record_attempt(
                session,
                key=key,
                channel=attempt.channel,
                answer=attempt.answer,
                delivered=attempt.delivered,
                give_up=give_up_on_failure,
                now=self._clock(),
            )
        return attempt

    def _sample_lines(
        self, unit_code: str, now: datetime
    ) -> tuple[str, str, MilestoneLine, list[MilestoneLine]]:
        """A real task the unit leads when a plan has been imported; a made-up one before."""
        due = local_instant(local_day(now) + timedelta(days=7), time(17, 0))
        with session_scope(self._database_url) as session:
            found = log.latest_task_of_unit(session, unit_code=unit_code)
            if found is None:
                line = MilestoneLine(
                    task_code="I.1",
                    task_title="Nhiệm vụ mẫu để kiểm tra kênh nhận thông báo",
                    milestone_key="1",
                    milestone_label="Mốc mẫu",
                    due_text=format_due(due),
                    working_days_left=self._working_days_left(now, due),
                    evidence_hint="",
                    evidence_link=evidence_link(self._public_url, SAMPLE_PLAN_KEY, "I.1", "1"),
                    lead_unit_names=[self._unit_name(unit_code)],
                )
                return SAMPLE_PLAN_KEY, "Kế hoạch mẫu", line, [line]
            plan, task = found
            assert task.id is not None
            milestones = log.milestones_of_task(session, task_id=task.id)
            overdue = [
                self._stored_line(plan.key, t, m, now)
                for t, m in log.overdue_milestones(session, plan_key=plan.key)
            ]
        first = milestones[0] if milestones else None
        milestone_key = first.key if first is not None else "1"
        due_at = first.due_at if first is not None and first.due_at is not None else due
        line = MilestoneLine(
            task_code=task.code,
            task_title=task.title,
            milestone_key=milestone_key,
            milestone_label=(first.label or first.text)
            if first is not None
            else task.deadline_text,
            due_text=format_due(due_at),
            working_days_left=self._working_days_left(now, due_at),
            evidence_hint="",
            evidence_link=evidence_link(self._public_url, plan.key, task.code, milestone_key),
            lead_unit_names=[self._unit_name(code) for code in task.lead_units],
        )
        return plan.key, plan.title, line, overdue or [line]

    # ------------------------------------------------------------------ message content

    def _facts(self, request: NotificationRequest, kind: MessageKind) -> _Facts:
        with session_scope(self._database_url) as session:
            title = log.plan_title(session, plan_key=request.plan_key) or request.plan_key
            leads = log.task_lead_units(
                session, plan_key=request.plan_key, task_code=request.task_code
            )
            evidence = None
            if kind is MessageKind.CLOSING:
                stored = log.latest_evidence(
                    session,
                    plan_key=request.plan_key,
                    task_code=request.task_code,
                    milestone_key=request.milestone_key,
                )
                if stored is not None:
                    evidence = EvidenceLine(
                        document_number=stored.document_number,
                        document_date_text=(
                            f"{stored.document_date:%d/%m/%Y}" if stored.document_date else ""
                        ),
                        link=stored.link,
                        note=stored.note,
                        submitted_by=self._unit_name(stored.submitted_by),
                        on_time=stored.on_time,
                    )
        return _Facts(
            plan_title=title,
            lead_units=leads,
            lead_unit_names=[self._unit_name(code) for code in leads],
            evidence=evidence,
        )

    def _year_summary(
        self, plan_key: str, now: datetime, *, key: str = ""
    ) -> tuple[YearTally, list[MilestoneLine]]:
        """Where every milestone of the plan stands, and the unfinished ones, overdue first."""
        with session_scope(self._database_url) as session:
            found = log.plan_summary(session, plan_key=plan_key)
            if found is None:
                raise InvalidNotification(
                    f"notification {key}: no plan {plan_key!r} in the database"
                )
            plan, tasks = found
            milestones = log.milestones_of_plan(session, plan_key=plan_key)
        counts = Counter(milestone.status for _, milestone in milestones)
        tally = YearTally(
            year=plan.year,
            tasks=tasks,
            milestones=len(milestones),
            done_on_time=counts[MilestoneStatus.DONE_ON_TIME],
            done_late=counts[MilestoneStatus.DONE_LATE],
            overdue=counts[MilestoneStatus.OVERDUE],
            in_progress=counts[MilestoneStatus.OPEN] + counts[MilestoneStatus.SCHEDULED],
            waiting_event=counts[MilestoneStatus.WAITING_EVENT],
            ended=counts[MilestoneStatus.ENDED],
            cancelled=counts[MilestoneStatus.CANCELLED],
        )
        unfinished = sorted(
            (
                pair
                for pair in milestones
                if pair[1].status
                in (MilestoneStatus.OVERDUE, MilestoneStatus.OPEN, MilestoneStatus.SCHEDULED)
            ),
            key=lambda pair: pair[1].status is not MilestoneStatus.OVERDUE,
        )
        lines = [self._stored_line(plan.key, task, m, now) for task, m in unfinished]
        return tally, lines

    def _request_line(
        self, request: NotificationRequest, now: datetime, lead_unit_names: list[str]
    ) -> MilestoneLine:
        return MilestoneLine(
            task_code=request.task_code,
            task_title=request.task_title,
            milestone_key=request.milestone_key,
            milestone_label=request.milestone_label,
            due_text=format_due(request.due_at) if request.due_at else "",
            working_days_left=self._working_days_left(now, request.due_at),
            evidence_hint=request.evidence_hint,
            evidence_link=evidence_link(
                self._public_url, request.plan_key, request.task_code, request.milestone_key
            ),
            lead_unit_names=lead_unit_names,
        )

    def _held_line(self, row: NotificationLog, now: datetime) -> MilestoneLine:
        details = row.details
        due_text = details.get("due_at")
        due_at = datetime.fromisoformat(due_text) if due_text else None
        return MilestoneLine(
            task_code=row.task_code,
            task_title=str(details.get("task_title", "")),
            milestone_key=row.milestone_key,
            milestone_label=str(details.get("milestone_label", "")),
            due_text=format_due(due_at) if due_at else "",
            working_days_left=self._working_days_left(now, due_at),
            evidence_hint=str(details.get("evidence_hint", "")),
            evidence_link=evidence_link(
                self._public_url, row.plan_key, row.task_code, row.milestone_key
            ),
            kind=parse_kind(row.kind),
            note=str(details.get("note", "")),
        )

    def _stored_line(
        self, plan_key: str, task: Task, milestone: Milestone, now: datetime
    ) -> MilestoneLine:
        return MilestoneLine(
            task_code=task.code,
            task_title=task.title,
            milestone_key=milestone.key,
            milestone_label=milestone.label or milestone.text,
            due_text=format_due(milestone.due_at) if milestone.due_at else "",
            working_days_left=self._working_days_left(now, milestone.due_at),
            evidence_hint="",
            evidence_link=evidence_link(self._public_url, plan_key, task.code, milestone.key),
            lead_unit_names=[self._unit_name(code) for code in task.lead_units],
        )

    def _closed(self, session: Session, row: NotificationLog) -> bool:
        status = log.milestone_status(
            session, plan_key=row.plan_key, task_code=row.task_code, milestone_key=row.milestone_key
        )
        return status in CLOSED_MILESTONE_STATUSES

    def _working_days_left(self, now: datetime, due_at: datetime | None) -> int | None:
        """Working days from today to the due day: 0 on the day itself, negative after it."""
        if due_at is None:
            return None
        today = local_day(now)
        return self._calendar(today.year).working_days_between(today, local_day(due_at))

    def _unit_name(self, code: str) -> str:
        try:
            return self._directory.get(code).name
        except LookupError:
            return code


def _settled(row: NotificationLog) -> str | None:
    """What a row that needs no more sending says; None while it is still to send."""
    if row.status is NotificationStatus.SENT:
        return ALREADY_SENT
    if row.status is NotificationStatus.FAILED:
        return FAILED
    if row.status is NotificationStatus.SKIPPED:
        return SKIPPED
    return None


def _row_ref(row: NotificationLog) -> str:
    return _milestone_ref(row.task_code, row.milestone_key)
