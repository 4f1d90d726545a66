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

The parts: `requests` (checking a request, its log rows), `dispatch` (one row on its channel,
under a claim; the coordinator's alert), `lines` (what messages say of milestones),
`leadership` (the summary), `digest`, `recovery` (what an outage held back), `samples`
(`notify-test`), `outcomes` (what each comes to).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime

from deadlines import StepAudience
from deadlines.local_time import local_day
from models.payloads import DeliveryOutcome, MessageKind, NotificationOutcome, NotificationRequest
from notifications.channels import ChannelSender, DeliveryAttempt
from notifications.contacts import ContactBook, UnitContacts, UnitLookup
from notifications.digest import DailyDigests
from notifications.dispatch import About, DeliveryRules, Dispatcher
from notifications.formatting import format_day
from notifications.kinds import DIGEST_KINDS
from notifications.leadership import LeadershipSummaries
from notifications.lines import MessageLines
from notifications.links import UnitLinks, plan_link
from notifications.messages import MessageContext
from notifications.office_hours import CalendarOfYear, wait_for_office_hours
from notifications.outcomes import finished, settled
from notifications.recovery import CatchUp
from notifications.rendering import MessageRenderer
from notifications.requests import check_request, request_audience, request_row, unit_log_key
from notifications.samples import SampleDelivery, Samples
from notifications.unit_link import UnitLinkMessages
from storage import notifications as log
from storage.db import session_scope


def _wall_clock() -> datetime:
    return datetime.now(UTC)


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
        kind = check_request(request, now)
        recipients = list(dict.fromkeys(request.recipients))
        if kind is MessageKind.ESCALATION_LEADERSHIP:
            return self._leadership.send(request, recipients, now=now, last_attempt=last_attempt)

        dispatch = self._dispatch
        per_unit: dict[str, DeliveryOutcome] = {}
        to_send: list[UnitContacts] = []
        with session_scope(dispatch.database_url) as session:
            for unit in recipients:
                row = request_row(session, request, unit, kind, now=dispatch.clock())
                done = settled(row)
                if done is not None:
                    per_unit[unit] = done
                    continue
                contacts = dispatch.contacts.for_unit(unit)
                if contacts.digest and kind in DIGEST_KINDS:
                    log.hold_for_digest(session, key=row.key, now=dispatch.clock())
                    per_unit[unit] = DeliveryOutcome.QUEUED
                    continue
                to_send.append(contacts)
        if not to_send:
            return NotificationOutcome(key=request.key, per_unit=per_unit)
        if not last_attempt:
            wait_for_office_hours(self._calendar, now)

        lines = self._lines
        with session_scope(dispatch.database_url) as session:
            facts = lines.facts(session, request, kind)
            year = (
                lines.year_summary(
                    session, request.plan_key, now, key=request.key, year=request.summary_year
                )
                if kind is MessageKind.YEAR_SUMMARY
                else None
            )
            # A message about the whole task lists its milestones as recorded.
            task_milestones = lines.task_lines(session, request, kind, now)
        line = (
            lines.request_line(request, now, facts.lead_unit_names)
            if kind is not MessageKind.YEAR_SUMMARY
            else None
        )
        audience, note = request_audience(request)
        for contacts in to_send:
            unit = contacts.unit_code
            message = dispatch.render(
                MessageContext(
                    kind=kind,
                    recipient_name=lines.unit_name(unit),
                    plan_title=facts.plan_title,
                    day_text=format_day(local_day(now)),
                    milestone=lines.for_unit(line, unit) if line is not None else None,
                    milestones=(
                        year[1] if year else [lines.for_unit(m, unit) for m in task_milestones]
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
            per_unit[unit] = dispatch.deliver(
                unit_log_key(request.key, unit),
                message,
                contacts,
                about=About(kind, request.plan_key, facts.plan_title, line),
                now=now,
                last_attempt=last_attempt,
            )
            if per_unit[unit] is DeliveryOutcome.SENT:
                self._catch_up.after_delivery(unit, now=now)
        return finished(request.key, per_unit)

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
