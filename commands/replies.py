"""The replies' verbs: `mail` reads the inbox (and the Zalo bot) alone, `replies` lists every
reply received and what was done with it, `reply-attach` records one by hand."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.table import Table

from commands.output import console, fail
from commands.running import ByOption, PlanOption, acting, resolve_plan, resolve_unit, with_client
from control import replies as control_replies
from control.permissions import Action
from deadlines.local_time import local_display
from replies.mailbox import shown_inbox
from replies.running import start_readers, zalo_polls
from settings import get_settings


def mail_command(
    once: Annotated[bool, typer.Option("--once", help="Read what is unread, then stop.")] = False,
) -> None:
    """Read the replies units send to NHACHAN_INBOX_URL (IMAP) and the Zalo bot, and record them
    (the engine must be running: `scheduler.py run` reads them itself when the inbox is set)."""
    settings = get_settings()
    if not settings.inbox_url and not zalo_polls(settings):
        raise fail("no inbox: set NHACHAN_INBOX_URL (imaps://user:password@host/INBOX)")

    async def read(client: object) -> None:
        from temporalio.client import Client

        from replies.handling import ReplyDesk
        from replies.mailbox import MailboxReader, read_inbox_url

        assert isinstance(client, Client)
        if once:
            if settings.inbox_url:
                desk = ReplyDesk(settings, client)
                reader = MailboxReader(
                    read_inbox_url(settings.inbox_url), desk.take_email, give_up=desk.give_up_email
                )
                taken = await reader.read_once()
                console.print(f"{taken} message(s) read from {shown_inbox(settings.inbox_url)}")
            return
        stop = asyncio.Event()
        tasks = start_readers(settings, client, stop)
        for task in tasks:
            console.print(f"Reading {task.get_name()}; Ctrl-C stops.")
        await asyncio.gather(*tasks)

    with_client(settings, read)


def replies_command(plan: PlanOption = None) -> None:
    """Every reply received by email or Zalo, the newest first: matched or not, what was done."""
    settings = get_settings()
    rows = control_replies.received_replies(settings, plan_key=plan)
    table = Table(title=f"{len(rows)} replies")
    for column in ("id", "received", "channel", "from", "task", "milestone", "state", "why"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.id),
            local_display(row.received_at),
            row.channel,
            row.sender,
            row.task_code,
            row.milestone_key,
            row.state.value,
            row.reason,
        )
    console.print(table)


def reply_attach_command(
    reply_id: Annotated[int, typer.Argument(help="The reply's id (see `replies`).")],
    task: Annotated[str, typer.Option(help="The task's code.")],
    milestone: Annotated[str, typer.Option(help="The milestone's key.")],
    unit: Annotated[str, typer.Option("--unit", help="The lead unit it is evidence of.")],
    by: ByOption,
    plan: PlanOption = None,
) -> None:
    """Record a reply that matched nothing as the evidence of the milestone it was meant for."""
    settings = get_settings()
    plan_key = resolve_plan(settings, plan)
    unit_code = resolve_unit(settings, unit, plan_key=plan_key)
    actor = acting(settings, by, Action.SUBMIT_EVIDENCE, plan_key=plan_key)
    try:
        row = with_client(
            settings,
            lambda client: control_replies.attach_reply(
                settings,
                client,
                reply_id,
                plan_key=plan_key,
                task_code=task,
                milestone_key=milestone,
                unit_code=unit_code,
                actor=actor,
            ),
        )
    except (LookupError, ValueError) as error:
        raise fail(str(error)) from error
    console.print(f"Reply {row.id} recorded as the evidence of {task} / {milestone}.")


def register(app: typer.Typer) -> None:
    app.command("mail")(mail_command)
    app.command("replies")(replies_command)
    app.command("reply-attach")(reply_attach_command)
