"""`notify-test UNIT [--kind KIND]`: one sample of each message kind on every channel of a unit,
for an operator to see which channels work (and what the messages look like); `notify-log`:
what was sent to whom, when, and what each channel answered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from activities.notify import notification_service
from commands.output import ExitCode, console, errors, fail
from deadlines.local_time import in_vietnam
from models.payloads import MessageKind
from notifications.channels import register_outbox
from notifications.contacts import ContactsError, UnitLookup
from notifications.kinds import ENGINE_KINDS, parse_kind
from notifications.outcomes import status_text
from plan_import.units import UnitDirectoryError
from settings import get_settings
from storage.db import session_scope, upgrade_schema
from storage.notifications import notification_history
from storage.plans import find_unit_code

# The kinds the issue names, in the order of a milestone's life; the others on request.
SAMPLE_KINDS = (
    MessageKind.REMINDER,
    MessageKind.CHECK_IN,
    MessageKind.ESCALATION_COORDINATOR,
    MessageKind.ESCALATION_LEADERSHIP,
    MessageKind.NUDGE,
    MessageKind.CLOSING,
)
assert set(SAMPLE_KINDS) <= ENGINE_KINDS


def notify_test_command(
    unit: Annotated[
        str, typer.Argument(help="The unit: its code, name or short form ('Văn phòng Sở').")
    ],
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            help="Only this kind (repeatable): reminder, check_in, escalation_coordinator, "
            "escalation_leadership, nudge, closing; also year_summary, delivery_failure, digest, "
            "and the decisions: extension_request, extension_granted, extension_refused, "
            "reassigned, cancelled, carried_over, clock_started, clocks_started, "
            "evidence_received, catch_up.",
        ),
    ] = None,
) -> None:
    """Send one sample of each kind of message to a unit's contacts (NHACHAN_CONTACTS), on
    every channel it has, marked as a sample, and show what each channel answered.

    Uses the plan imported into NHACHAN_DATABASE_URL for a real task of the unit; every sample
    is in the notification log. Exit code 1 when a channel failed, 2 for an unknown unit or kind.
    """
    settings = get_settings()
    try:
        kinds = [parse_kind(value) for value in kind] if kind else list(SAMPLE_KINDS)
    except ValueError as error:
        raise fail(str(error), code=ExitCode.USAGE) from error
    upgrade_schema(settings.resolved_database_url())
    register_outbox()
    try:
        service = notification_service(settings)
    except (ContactsError, UnitDirectoryError) as error:
        raise fail(str(error)) from error
    code = _unit_code(service.directory, unit, settings.resolved_database_url())
    contacts = service.contacts.for_unit(code)
    source = settings.contacts or "no NHACHAN_CONTACTS: the local outbox"
    console.print(
        f"Samples for [bold]{_name(service.directory, code)}[/bold] ({code}), "
        f"{len(kinds)} kind(s) on {len(contacts.channels)} channel(s); contacts: {source}"
        + ("" if contacts.listed else " (the unit is not listed: default channels)")
    )

    results = service.send_samples(code, kinds, now=datetime.now(UTC))

    table = Table(show_lines=False)
    for column in ("kind", "channel", "result", "answer"):
        table.add_column(column, overflow="fold")
    for result in results:
        delivered = result.attempt.delivered
        table.add_row(
            result.kind.value,
            result.attempt.channel,
            Text("sent", style="green") if delivered else Text("failed", style="bold red"),
            result.attempt.answer,
        )
    console.print(table)
    if any(channel.startswith("outbox://") for channel in contacts.channels):
        console.print(f"Outbox: {settings.var_dir / 'outbox'} (or the folder in the URL)")
    failed = [r for r in results if not r.attempt.delivered]
    if failed:
        errors.print(f"[red]{len(failed)} of {len(results)} sample(s) failed.[/red]")
        raise typer.Exit(code=ExitCode.FAILED)


def notify_log_command(
    unit: Annotated[
        str | None, typer.Option("--unit", help="Only this unit (code, name or short form).")
    ] = None,
    task: Annotated[str | None, typer.Option("--task", help="Only this task, e.g. III.1.")] = None,
    limit: Annotated[int, typer.Option(help="How many rows, newest first.")] = 50,
) -> None:
    """The notification log: each message's life (queued, sent, failed or skipped), when, on
    which channel (secrets hidden), after how many attempts, and what the channel answered. A
    message sent again after a send whose outcome nobody could know (the worker stopped between
    the two) shows "sent (uncertain, resent)": the unit may have it twice."""
    settings = get_settings()
    url = settings.resolved_database_url()
    upgrade_schema(url)
    code = None
    if unit is not None:
        register_outbox()
        try:
            directory = notification_service(settings).directory
        except (ContactsError, UnitDirectoryError) as error:
            raise fail(str(error)) from error
        code = _unit_code(directory, unit, url)
    with session_scope(url) as session:
        rows = notification_history(session, unit_code=code, task_code=task, limit=limit)
    table = Table(title=f"Notification log ({len(rows)} newest)")
    for column in ("updated", "kind", "unit", "task", "status", "tries", "channel", "answer"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            f"{in_vietnam(row.updated_at):%d/%m/%Y %H:%M}",
            row.kind,
            row.unit_code,
            f"{row.task_code}#{row.milestone_key}" if row.task_code else "",
            Text(status_text(row), style=STATUS_STYLES.get(row.status.value, "")),
            str(row.attempts),
            row.channel,
            row.answer,
        )
    console.print(table)


STATUS_STYLES = {"sent": "green", "failed": "bold red", "queued": "yellow", "skipped": "dim"}


def _unit_code(directory: UnitLookup, name: str, database_url: str) -> str:
    try:
        return directory.find(name).code
    except LookupError as error:
        with session_scope(database_url) as session:
            stored = find_unit_code(session, name)
        if stored is None:
            raise fail(str(error), code=ExitCode.USAGE) from error
        return stored


def _name(directory: UnitLookup, code: str) -> str:
    try:
        return directory.get(code).name
    except LookupError:
        return code


def register(app: typer.Typer) -> None:
    app.command("notify-test")(notify_test_command)
    app.command("notify-log")(notify_log_command)
