"""Replies as the coordinator handles them: every reply received (matched or not, with what
was done), and one attached by hand to the milestone it was meant for."""

from __future__ import annotations

from sqlmodel import Session
from temporalio.client import Client

from control.permissions import Action, Actor, NotPermitted, check_permitted
from models.tables import ReceivedReply
from replies.handling import ReplyDesk
from replies.tokens import ReplySubject
from settings import Settings
from storage import replies as store
from storage.agencies import unit_agency_code
from storage.db import session_scope, upgrade_schema
from storage.plans import get_agency, get_plan


class OtherAgency(NotPermitted):
    """The reply is of another agency than the account's."""


def reply_agency(session: Session, row: ReceivedReply, known: dict[str, str | None]) -> str | None:
    """The agency a reply is of: its plan's, else its sender unit's; None when it matched
    neither (`known` keeps what was looked up, by plan key or unit code)."""
    if row.plan_key:
        key = f"plan:{row.plan_key}"
        if key not in known:
            plan = get_plan(session, row.plan_key)
            known[key] = get_agency(session, plan).code if plan is not None else None
        if known[key] is not None:
            return known[key]
    if row.unit_code:
        key = f"unit:{row.unit_code}"
        if key not in known:
            known[key] = unit_agency_code(session, row.unit_code)
        return known[key]
    return None


def received_replies(
    settings: Settings,
    *,
    agency: str = "",
    plan_key: str | None = None,
    task_code: str | None = None,
) -> list[ReceivedReply]:
    """The newest first; for an account of one `agency`, that agency's replies only (of its
    plans, or sent by its units): one that matched no plan or unit is for the accounts of
    every agency ("" for those)."""
    url = settings.resolved_database_url()
    upgrade_schema(url)
    with session_scope(url) as session:
        rows = store.list_replies(session, plan_key=plan_key, task_code=task_code)
        known: dict[str, str | None] = {}
        if agency:
            rows = [row for row in rows if reply_agency(session, row, known) == agency]
        for row in rows:
            session.expunge(row)
        return rows


def check_reply_agency(settings: Settings, reply_id: int, agency: str) -> None:
    """Raises OtherAgency unless an account of `agency` ("" for every agency) may see and
    attach reply `reply_id`, as `received_replies` shows it."""
    if not agency:
        return
    with session_scope(settings.resolved_database_url()) as session:
        row = store.reply_by_id(session, reply_id)
        if row is None:
            raise LookupError(f"no received reply {reply_id}")
        of = reply_agency(session, row, {})
    if of != agency:
        raise OtherAgency(f"reply {reply_id} is not of agency {agency}")


async def attach_reply(
    settings: Settings,
    client: Client,
    reply_id: int,
    *,
    plan_key: str,
    task_code: str,
    milestone_key: str,
    unit_code: str,
    actor: Actor,
) -> ReceivedReply:
    """The coordinator records reply `reply_id` as the evidence `unit_code` delivered for the
    milestone; refused when it was recorded already or holds nothing to record (the agency
    is `check_reply_agency`'s, before the engine is called)."""
    check_permitted(actor, Action.SUBMIT_EVIDENCE, for_unit=unit_code)
    desk = ReplyDesk(settings, client)
    return await desk.attach(
        reply_id, ReplySubject(unit_code, plan_key, task_code, milestone_key), actor=actor
    )
