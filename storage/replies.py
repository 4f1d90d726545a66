"""Received replies: claimed once by their message's key before anything is done with them,
then settled with what was done."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.tables import NotificationLog, ReceivedReply, ReplyState


def claim_reply(
    session: Session,
    *,
    channel: str,
    message_key: str,
    sender: str,
    subject: str,
    now: datetime,
) -> tuple[ReceivedReply, bool]:
    """The row of this message, written `handling` when new; True when this call wrote it.
    The same message delivered again finds its row (settled or not)."""
    found = find_reply(session, message_key)
    if found is not None:
        return found, False
    row = ReceivedReply(
        channel=channel,
        message_key=message_key,
        sender=sender,
        subject=subject[:300],
        received_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # Another reader claimed it between the look and the write.
        found = find_reply(session, message_key)
        assert found is not None
        return found, False
    return row, True


def find_reply(session: Session, message_key: str) -> ReceivedReply | None:
    return session.exec(
        select(ReceivedReply).where(ReceivedReply.message_key == message_key)
    ).first()


def reply_by_id(session: Session, reply_id: int) -> ReceivedReply | None:
    return session.get(ReceivedReply, reply_id)


def update_reply(
    session: Session,
    reply_id: int,
    *,
    now: datetime,
    state: ReplyState | None = None,
    reason: str | None = None,
    about: tuple[str, str, str, str] | None = None,
    details: dict[str, Any] | None = None,
    answered: bool = False,
) -> ReceivedReply:
    row = session.get(ReceivedReply, reply_id)
    if row is None:
        raise LookupError(f"no received reply {reply_id}")
    if state is not None:
        row.state = state
    if reason is not None:
        row.reason = reason[:1000]
    if about is not None:
        row.unit_code, row.plan_key, row.task_code, row.milestone_key = about
    if details is not None:
        row.details = {**row.details, **details}
    if answered:
        row.answered_at = now
    row.updated_at = now
    session.add(row)
    session.flush()
    return row


def unmatched_answered_since(session: Session, sender: str, since: datetime) -> bool:
    """Whether `sender` was told how to reply since `since` (once per sender per day)."""
    found = session.exec(
        select(ReceivedReply.id).where(
            ReceivedReply.sender == sender,
            ReceivedReply.state == ReplyState.UNMATCHED,
            col(ReceivedReply.answered_at) >= since,
        )
    ).first()
    return found is not None


def list_replies(
    session: Session, *, plan_key: str | None = None, task_code: str | None = None, limit: int = 500
) -> list[ReceivedReply]:
    query = select(ReceivedReply)
    if plan_key is not None:
        query = query.where(ReceivedReply.plan_key == plan_key)
    if task_code is not None:
        query = query.where(ReceivedReply.task_code == task_code)
    query = query.order_by(col(ReceivedReply.received_at).desc()).limit(limit)
    return list(session.exec(query))


def log_row(session: Session, row_id: int) -> NotificationLog | None:
    return session.get(NotificationLog, row_id)


def milestone_rows_of_units(
    session: Session, unit_codes: list[str], *, since: datetime
) -> list[NotificationLog]:
    """The log rows about a milestone sent to these units since `since`: what a reply's
    In-Reply-To may point to."""
    return list(
        session.exec(
            select(NotificationLog).where(
                col(NotificationLog.unit_code).in_(unit_codes),
                NotificationLog.milestone_key != "",
                col(NotificationLog.created_at) >= since,
            )
        )
    )


def last_reminder_of_unit(
    session: Session, unit_code: str, kinds: Collection[str]
) -> NotificationLog | None:
    """The last message of these kinds (the reminders') about a milestone sent to the unit."""
    return session.exec(
        select(NotificationLog)
        .where(
            NotificationLog.unit_code == unit_code,
            NotificationLog.milestone_key != "",
            col(NotificationLog.kind).in_(list(kinds)),
        )
        .order_by(col(NotificationLog.created_at).desc())
    ).first()


def last_asked(session: Session, chat: str) -> ReceivedReply | None:
    """The chat's last reply that was answered with a question (which milestone?)."""
    return session.exec(
        select(ReceivedReply)
        .where(ReceivedReply.sender == chat, ReceivedReply.state == ReplyState.ASKED)
        .order_by(col(ReceivedReply.received_at).desc())
    ).first()
