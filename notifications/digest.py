"""The daily digest: on each working day, one message per unit that reads a digest, listing the
reminders, check-ins and nudges held for it; the leadership summaries that waited for the day;
and, for each unit given up on, what it missed (`notifications.recovery`)."""

from __future__ import annotations

from datetime import date, datetime

from deadlines.local_time import local_day
from models.payloads import DeliveryOutcome, MessageKind
from models.tables import NotificationStatus
from notifications.dispatch import Dispatcher
from notifications.leadership import LeadershipSummaries
from notifications.listing import Listing, send_listing
from notifications.office_hours import CalendarOfYear, next_office_opening
from notifications.outcomes import QuietHours, finished, settled
from notifications.recovery import CatchUp
from storage import notifications as log
from storage.db import session_scope


class DailyDigests:
    def __init__(
        self,
        dispatcher: Dispatcher,
        leadership: LeadershipSummaries,
        catch_up: CatchUp,
        calendar: CalendarOfYear,
    ) -> None:
        self._dispatch = dispatcher
        self._leadership = leadership
        self._catch_up = catch_up
        self._calendar = calendar

    def send(self, day: date, *, now: datetime, last_attempt: bool) -> int:
        """On a working day: one message per digest unit listing what was held for it, and the
        leadership summaries that waited for this day. Returns how many went out."""
        if not self._calendar(day.year).is_working_day(day) or local_day(now) > day:
            # No digest on a day off; a day that has passed (a late start, a retry that ran
            # into the evening) leaves what it held to the next working day's digest.
            return 0
        with session_scope(self._dispatch.database_url) as session:
            digest_units = list(
                dict.fromkeys(r.unit_code for r in log.held_for_digest(session, until=now))
            )
            summaries = list(
                dict.fromkeys(
                    (r.plan_key, r.unit_code)
                    for r in log.queued_of_kind(session, kind=MessageKind.ESCALATION_LEADERSHIP)
                )
            )
        missed = self._catch_up.units()
        if not digest_units and not summaries and not missed:
            return 0
        opens = next_office_opening(self._calendar, now)
        if opens is not None and not last_attempt:
            if local_day(opens) != day:
                return 0
            raise QuietHours(opens)
        per_unit: dict[str, DeliveryOutcome] = {}
        for unit in digest_units:
            per_unit[f"digest:{unit}"] = self._send_digest(
                unit, day, now=now, last_attempt=last_attempt
            )
        for plan_key, unit in summaries:
            per_unit[f"summary:{plan_key}:{unit}"] = self._leadership.send_summary(
                plan_key, unit, day, now=now, last_attempt=last_attempt
            )
        for unit in missed:
            caught_up = self._catch_up.send(unit, day, now=now, last_attempt=last_attempt)
            if caught_up is not None:
                per_unit[f"catch_up:{unit}"] = caught_up
        outcome = finished(f"digest/{day.isoformat()}", per_unit)
        return sum(1 for result in outcome.per_unit.values() if result is DeliveryOutcome.SENT)

    def _send_digest(
        self, unit: str, day: date, *, now: datetime, last_attempt: bool
    ) -> DeliveryOutcome:
        dispatch = self._dispatch
        key = f"digest/{day.isoformat()}|{unit}"
        with session_scope(dispatch.database_url) as session:
            existing = log.find_log(session, key=key)
            done = settled(existing) if existing is not None else None
            if done is not None:
                # Sent today; or given up today, and what it held waits for the next digest.
                return done
            held = log.held_for_digest(session, unit_code=unit, until=now)
        listing = Listing(
            key=key,
            unit=unit,
            day=day,
            held=NotificationStatus.QUEUED,
            skipped_answer="the milestone closed before the digest went out",
            sent_answer=f"in {key}",
        )
        return send_listing(dispatch, listing, held, now=now, last_attempt=last_attempt)
