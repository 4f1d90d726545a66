"""One message to a unit listing log rows held back from it: the daily digest (rows held for
it) and the catch-up after an outage (rows given up on). The rows whose milestone has closed
meanwhile are skipped; the others go out together, in the digest's form, and are closed with the
message once it is sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from models.payloads import DeliveryOutcome, MessageKind
from models.tables import NotificationLog, NotificationStatus
from models.workflow_ids import DAILY_DIGEST_WORKFLOW_ID
from notifications.dispatch import About, Dispatcher
from notifications.formatting import format_day
from notifications.links import plan_link
from notifications.messages import MessageContext
from storage import notifications as log
from storage.db import session_scope


@dataclass(frozen=True)
class Listing:
    """Which message lists the rows, and what the rows it lists say once it is done."""

    # The listing's own log row.
    key: str
    unit: str
    day: date
    # The status of the rows it lists while they wait for it.
    held: NotificationStatus
    # The answer of a listed row whose milestone closed before the listing went out.
    skipped_answer: str
    # The answer of a listed row once the listing is sent.
    sent_answer: str


def send_listing(
    dispatch: Dispatcher,
    listing: Listing,
    rows: list[NotificationLog],
    *,
    now: datetime,
    last_attempt: bool,
) -> DeliveryOutcome:
    """Skip the rows whose milestone closed and write the listing's row (one transaction), send
    it, and close the rows it listed with it (another, once it is sent)."""
    with session_scope(dispatch.database_url) as session:
        keep = [row for row in rows if not log.milestone_closed(session, row)]
        log.close_held(
            session,
            keys=[row.key for row in rows if row not in keep],
            status=NotificationStatus.SKIPPED,
            answer=listing.skipped_answer,
            now=dispatch.clock(),
            held=listing.held,
        )
        if not keep:
            return DeliveryOutcome.SKIPPED
        plans = list(dict.fromkeys(row.plan_key for row in keep))
        title = log.plan_title(session, plan_key=plans[0]) or plans[0]
        log.ensure_log(
            session,
            log.new_log(
                key=listing.key,
                workflow_id=DAILY_DIGEST_WORKFLOW_ID,
                plan_key=plans[0] if len(plans) == 1 else "",
                task_code="",
                milestone_key="",
                kind=MessageKind.DIGEST,
                unit_code=listing.unit,
                scheduled_at=now,
                details={},
                now=dispatch.clock(),
            ),
        )
    message = dispatch.render(
        MessageContext(
            kind=MessageKind.DIGEST,
            recipient_name=dispatch.lines.unit_name(listing.unit),
            plan_title=title,
            day_text=format_day(listing.day),
            milestones=[dispatch.lines.held_line(row, now) for row in keep],
            overview_link=plan_link(dispatch.lines.public_url, plans[0]),
        )
    )
    result = dispatch.deliver(
        listing.key,
        message,
        dispatch.contacts.for_unit(listing.unit),
        about=About(MessageKind.DIGEST, plans[0], title),
        now=now,
        last_attempt=last_attempt,
        details={"items": [row.key for row in keep]},
    )
    if result is DeliveryOutcome.SENT:
        with session_scope(dispatch.database_url) as session:
            log.close_held(
                session,
                keys=[row.key for row in keep],
                status=NotificationStatus.SENT,
                answer=listing.sent_answer,
                now=dispatch.clock(),
                held=listing.held,
            )
    return result
