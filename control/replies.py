"""Replies as the coordinator handles them: every reply received (matched or not, with what
was done), and one attached by hand to the milestone it was meant for."""

from __future__ import annotations

from temporalio.client import Client

from control.permissions import Action, Actor, check_permitted
from models.tables import ReceivedReply
from replies.handling import ReplyDesk
from replies.tokens import ReplySubject
from settings import Settings
from storage import replies as store
from storage.db import session_scope, upgrade_schema


def received_replies(
    settings: Settings, *, plan_key: str | None = None, task_code: str | None = None
) -> list[ReceivedReply]:
    """The newest first."""
    url = settings.resolved_database_url()
    upgrade_schema(url)
    with session_scope(url) as session:
        rows = store.list_replies(session, plan_key=plan_key, task_code=task_code)
        for row in rows:
            session.expunge(row)
        return rows


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
    milestone; refused when it was recorded already or holds nothing to record."""
    check_permitted(actor, Action.SUBMIT_EVIDENCE, for_unit=unit_code)
    desk = ReplyDesk(settings, client)
    return await desk.attach(
        reply_id, ReplySubject(unit_code, plan_key, task_code, milestone_key), actor=actor
    )
