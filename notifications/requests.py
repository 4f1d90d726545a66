"""A request as delivery reads it: checked once, its audience, and its row in the log for each
unit (key: the request's key and the unit)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from sqlmodel import Session

from deadlines import StepAudience
from models.payloads import MessageKind, NotificationRequest
from models.tables import NotificationLog
from notifications.kinds import ENGINE_KINDS, parse_kind
from notifications.outcomes import InvalidNotification
from storage import notifications as log

# Before `audience` existed the engine put it in `note`: such a note is read as the audience.
_AUDIENCE_WORDS = frozenset(StepAudience)

# Stored as it always was: `2023-04-28T10:00:00+00:00`.
_UtcInstant = Annotated[
    datetime, PlainSerializer(lambda instant: instant.astimezone(UTC).isoformat(), return_type=str)
]


class RequestDetails(BaseModel):
    """What the log keeps of a request, to render it again for a digest or a summary."""

    model_config = ConfigDict(frozen=True)

    plan_key: str = ""
    task_title: str = ""
    milestone_label: str = ""
    due_at: _UtcInstant | None = None
    evidence_hint: str = ""
    # The note meant for people (never the audience).
    note: str = ""
    # The event the milestone waits on: its key and the plan's words for it.
    event_key: str = ""
    event_text: str = ""
    # An extension granted: the due instant before it (a report of an earlier date uses it).
    previous_due_at: _UtcInstant | None = None
    # A message about several tasks (clocks_started): the tasks it lists to its unit, so that
    # each task's page shows it among the task's messages.
    task_codes: list[str] = Field(default_factory=list)


def unit_log_key(request_key: str, unit_code: str) -> str:
    return f"{request_key}|{unit_code}"


def request_audience(request: NotificationRequest) -> tuple[StepAudience | Literal[""], str]:
    """The request's audience and the note meant for people."""
    if request.audience:
        return request.audience, request.note
    if request.note in _AUDIENCE_WORDS:
        return StepAudience(request.note), ""
    return "", request.note


def check_request(request: NotificationRequest, now: datetime) -> MessageKind:
    """The request's kind, once the request is one the engine may send."""
    try:
        # A request built in Python (not read from the wire) may carry any string.
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
        ("previous_due_at", request.decision.previous_due_at if request.decision else None),
        ("now", now),
    ):
        if instant is not None and instant.utcoffset() is None:
            raise InvalidNotification(
                f"notification {request.key}: {name} {instant.isoformat()} has no timezone"
            )
    if not request.key:
        raise InvalidNotification("a notification needs a key")
    return kind


def request_row(
    session: Session,
    request: NotificationRequest,
    unit: str,
    kind: MessageKind,
    *,
    now: datetime,
) -> NotificationLog:
    """The unit's row of the request, written `queued` the first time."""
    found = log.find_log(session, key=unit_log_key(request.key, unit))
    if found is not None:
        return found
    [row] = log.add_logs(session, [request_log(request, unit, kind, now=now)])
    return row


def request_log(
    request: NotificationRequest, unit: str, kind: MessageKind, *, now: datetime
) -> NotificationLog:
    """The unit's row of the request as it is first written (`storage.notifications.add_logs`
    writes a batch's together)."""
    return log.new_log(
        key=unit_log_key(request.key, unit),
        workflow_id=request.workflow_id,
        plan_key=request.plan_key,
        task_code=request.task_code,
        milestone_key=request.milestone_key,
        kind=kind,
        unit_code=unit,
        scheduled_at=request.scheduled_at,
        details=RequestDetails(
            plan_key=request.plan_key,
            task_title=request.task_title,
            milestone_label=request.milestone_label,
            due_at=request.due_at,
            evidence_hint=request.evidence_hint,
            note=request_audience(request)[1],
            event_key=request.event_key,
            event_text=request.event_text,
            previous_due_at=request.decision.previous_due_at if request.decision else None,
            task_codes=list(request.task_codes),
        ).model_dump(mode="json"),
        now=now,
    )
