"""Messages given up on during an outage, sent once the unit can be reached again.

A unit given up on (its channels failed `max_failures` times) is reported to the coordinator
once per outage; what it missed is not lost. As soon as a message reaches the unit again, and
on every working day's digest run, the messages about milestones still open that were given up
on go out together, in one message listing them (the digest's form), and their rows are marked
sent with it; those whose milestone closed meanwhile are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime

from deadlines.local_time import local_day
from models.payloads import DeliveryOutcome
from models.tables import NotificationStatus
from notifications.dispatch import Dispatcher
from notifications.kinds import MILESTONE_KINDS
from notifications.listing import Listing, send_listing
from notifications.outcomes import settled
from storage import notifications as log
from storage.db import session_scope

logger = logging.getLogger(__name__)


class CatchUp:
    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatch = dispatcher

    def units(self) -> list[str]:
        """Units with messages given up on, waiting for their channel."""
        with session_scope(self._dispatch.database_url) as session:
            rows = log.given_up(session, kinds=MILESTONE_KINDS)
        return list(dict.fromkeys(row.unit_code for row in rows))

    def after_deliveries(self, units: Iterable[str], *, now: datetime) -> None:
        """Messages just reached `units`: those that missed some get them now (one read for
        all, since a burst reaches hundreds of units that missed nothing)."""
        reached = list(dict.fromkeys(units))
        if not reached:
            return
        try:
            with session_scope(self._dispatch.database_url) as session:
                missed = log.units_given_up(session, kinds=MILESTONE_KINDS, units=reached)
        except Exception as error:  # the callers' own messages are delivered and logged
            logger.warning("catching units up failed, the digest run retries: %s", error)
            return
        for unit in reached:
            if unit in missed:
                self.after_delivery(unit, now=now)

    def after_delivery(self, unit: str, *, now: datetime) -> None:
        """A message just reached `unit`: what it missed goes out now. Never fails the delivery
        that called it; the next digest run tries again."""
        try:
            self.send(unit, local_day(now), now=now, last_attempt=False)
        except Exception as error:  # the caller's own message is delivered and logged
            logger.warning("catching %s up failed, the digest run retries: %s", unit, error)

    def send(
        self, unit: str, day: date, *, now: datetime, last_attempt: bool
    ) -> DeliveryOutcome | None:
        """One message to `unit` listing what it missed (at most one a day); None when it
        missed nothing."""
        dispatch = self._dispatch
        key = f"catch_up/{day.isoformat()}|{unit}"
        with session_scope(dispatch.database_url) as session:
            missed = log.given_up(session, kinds=MILESTONE_KINDS, unit_code=unit)
            if not missed:
                return None
            existing = log.find_log(session, key=key)
            done = settled(existing) if existing is not None else None
            if done is not None:
                return done
        listing = Listing(
            key=key,
            unit=unit,
            day=day,
            held=NotificationStatus.FAILED,
            skipped_answer="the milestone closed before the unit could be reached again",
            sent_answer=f"in {key}, once the unit could be reached again",
        )
        return send_listing(dispatch, listing, missed, now=now, last_attempt=last_attempt)
