"""Verbs that run a plan: the whole engine on this machine, a plan started on a running
engine, or a span of its year simulated in seconds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from temporalio.client import Client, WorkflowUpdateFailedError

from commands.corrections import SetOption, UntilOption, corrections_of
from commands.output import ExitCode, JsonOption, console, errors, fail, print_json
from commands.running import update_refusal, with_client
from control import starting
from control.permissions import NotPermitted
from control.preflight import NAMED_FAILURES, check_configuration
from control.serving import check_ports_free, serve_locally
from deadlines.local_time import local_iso
from plan_import import PlanImportError
from plan_import.units import load_unit_directory
from settings import get_settings
from simulation.run import simulate
from simulation.scenario import ScenarioError, load_scenario

# What `run` says in one line and stops on, before or after the dev server started.
STARTUP_FAILURES: tuple[type[Exception], ...] = (*NAMED_FAILURES, starting.PlanNotStartable)


def run_command(
    plan_file: Annotated[
        Path | None, typer.Argument(help="The plan to run (default: the bundled plan).")
    ] = None,
    year: Annotated[int | None, typer.Option(help="Plan year (default: this year).")] = None,
) -> None:
    """Run everything on this machine: the Temporal dev server (state under var/), the worker,
    the plan started for this year, and the web app on NHACHAN_PUBLIC_URL. Ctrl-C (or SIGTERM)
    stops all of it; run again to pick up. The configuration and the plan are checked before
    anything starts."""
    settings = get_settings()
    path = plan_file or settings.plan_file
    plan_year = year or date.today().year
    # The web app's task, held so that it lives as long as the loop.
    served: list[asyncio.Task[None]] = []

    async def start(client: Client) -> None:
        # Here, not at the top: the other verbs need not load the web app.
        from replies.running import start_readers
        from web.server import serve_beside, welcome

        with start_progress() as on_progress:
            report = await starting.start_plan(
                client, settings, path, year=plan_year, on_progress=on_progress
            )
        _print_start(report)
        # Served from this loop: it stops with the worker when `run` ends.
        served.append(await serve_beside(settings, client))
        # The units' replies (NHACHAN_INBOX_URL, the Zalo bot), read from this loop too.
        served.extend(start_readers(settings, client, asyncio.Event()))
        for line in welcome(settings):
            console.print(line, highlight=False, soft_wrap=True)
        console.print(
            f"Temporal UI: http://127.0.0.1:{settings.temporal_ui_port}  ·  "
            f"outbox: {settings.var_dir / 'outbox'}  ·  Ctrl-C stops everything."
        )

    try:
        check_configuration(settings, year=plan_year)
        directory = load_unit_directory(settings.units_file)
        imported = starting.load_plan_for_start(path, year=plan_year, directory=directory)
        starting.event_subscriptions(imported, settings)
        check_ports_free(settings)
        console.print(f"Starting the Temporal dev server on {settings.temporal_address} …")
        asyncio.run(serve_locally(settings, start))
    except STARTUP_FAILURES as error:
        raise fail(str(error)) from error
    console.print("Stopped: the worker and the dev server are down; state is in var/.")


def _print_start(report: starting.StartReport) -> None:
    console.print(
        f"Plan [bold]{report.plan_key}[/bold] ({report.year}): "
        f"{len(report.started)} task(s) started, {len(report.already_running)} already running, "
        f"{len(report.already_closed)} already closed."
    )


@contextmanager
def start_progress(*, shown: bool = True) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar of the tasks started, on stderr (stdout stays the report's); gone once
    every task has started."""
    if not shown:
        yield None
        return
    with Progress(
        TextColumn("starting tasks"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as progress:
        bar = progress.add_task("start", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(bar, completed=done, total=total)

        yield advance


def start_command(
    plan_file: Annotated[Path, typer.Argument(help="The plan: .txt, .csv, .xlsx or .docx.")],
    year: Annotated[int | None, typer.Option(help="Move the plan to this year.")] = None,
    as_json: JsonOption = False,
    corrected: SetOption = None,
    until: UntilOption = None,
) -> None:
    """Import the plan when needed and start every task (nothing is started twice)."""
    settings = get_settings()
    corrections = corrections_of(corrected)
    try:
        # The file first: a broken one is named whether the engine is up or not.
        imported = starting.plan_for_start(
            settings, plan_file, year=year, corrections=corrections, until=until
        )
        # Tasks started without a worker wait for one: nothing is lost.
        with start_progress(shown=not as_json) as on_progress:
            report = with_client(
                settings,
                lambda client: starting.start_plan(
                    client,
                    settings,
                    plan_file,
                    year=year,
                    on_progress=on_progress,
                    imported=imported,
                ),
                needs_worker=False,
            )
    except (starting.PlanNotStartable, PlanImportError) as error:
        raise fail(str(error)) from error
    if as_json:
        print_json(report)
    else:
        _print_start(report)


def simulate_command(
    plan_file: Annotated[Path, typer.Argument(help="The plan to simulate.")],
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"])],
    end: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"])],
    scenario: Annotated[
        Path | None, typer.Option(help="YAML: events and evidence on given days.")
    ] = None,
    year: Annotated[int | None, typer.Option(help="Move the plan to this year.")] = None,
    as_json: JsonOption = False,
    corrected: SetOption = None,
    until: UntilOption = None,
) -> None:
    """Run the plan over --from..--to in seconds on the time-skipping test server, and print
    every reminder, check-in, escalation and closing with its instant and recipients. A refused
    cell is corrected in place with --set, as for start."""
    settings = get_settings()
    corrections = corrections_of(corrected)
    try:
        steps = load_scenario(scenario) if scenario else []
        result = asyncio.run(
            simulate(
                plan_file,
                start=start.date(),
                end=end.date(),
                scenario=steps,
                settings=settings,
                year=year,
                corrections=corrections,
                until=until,
            )
        )
    except (ScenarioError, starting.PlanNotStartable, PlanImportError, NotPermitted) as error:
        raise fail(str(error)) from error
    except LookupError as error:  # a scenario's `by` that names no unit
        raise fail(str(error), code=ExitCode.USAGE) from error
    except WorkflowUpdateFailedError as error:
        raise fail(update_refusal(error)) from error
    if as_json:
        print_json(result.as_json())
        return
    table = Table(title=f"Simulation of {result.plan_key}, {start.date()} – {end.date()}")
    for column in ("at", "task", "milestone", "action", "to"):
        table.add_column(column)
    for entry in result.timeline:
        table.add_row(
            local_iso(entry.at), entry.task, entry.milestone, entry.action, ", ".join(entry.to)
        )
    console.print(table)
    for line in result.scenario_log:
        console.print(line)
    final = Table(title="At the end")
    final.add_column("task")
    final.add_column("status")
    for code, status in result.final:
        final.add_row(code, status)
    console.print(final)


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
    app.command("start")(start_command)
    app.command("simulate")(simulate_command)
