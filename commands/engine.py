"""Verbs that run a plan: the whole engine on this machine, a plan started on a running
engine, or a span of its year simulated in seconds."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from temporalio.client import WorkflowUpdateFailedError

from commands.output import JsonOption, console, fail, print_json
from commands.running import update_refusal, with_client
from control import operations
from control.runtime import build_worker, start_dev_server
from deadlines.local_time import local_iso
from settings import get_settings
from simulation.run import simulate
from simulation.scenario import ScenarioError, load_scenario
from storage.db import upgrade_schema


def run_command(
    plan_file: Annotated[
        Path | None, typer.Argument(help="The plan to run (default: the bundled plan).")
    ] = None,
    year: Annotated[int | None, typer.Option(help="Plan year (default: this year).")] = None,
) -> None:
    """Run everything on this machine: the Temporal dev server (state under var/), the worker,
    the plan started for this year, and the web app on NHACHAN_PUBLIC_URL. Ctrl-C stops all of
    it; run again to pick up."""
    settings = get_settings()
    path = plan_file or settings.plan_file
    plan_year = year or date.today().year

    async def main() -> None:
        # Here, not at the top: the other verbs need not load the web app.
        from web.server import serve_beside, welcome

        upgrade_schema(settings.resolved_database_url())
        console.print(f"Starting the Temporal dev server on {settings.temporal_address} …")
        env = await start_dev_server(settings)
        async with env:
            with ThreadPoolExecutor(max_workers=16) as executor:
                async with build_worker(env.client, settings, executor=executor):
                    report = await operations.start_plan(env.client, settings, path, year=plan_year)
                    _print_start(report)
                    await serve_beside(settings, env.client)
                    for line in welcome(settings):
                        console.print(line, highlight=False, soft_wrap=True)
                    console.print(
                        f"Temporal UI: http://127.0.0.1:{settings.temporal_ui_port}  ·  "
                        f"outbox: {settings.var_dir / 'outbox'}  ·  Ctrl-C stops everything."
                    )
                    await asyncio.Event().wait()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        console.print("Stopped: the worker and the dev server are down; state is in var/.")
    except operations.PlanNotStartable as error:
        raise fail(str(error)) from error


def _print_start(report: operations.StartReport) -> None:
    console.print(
        f"Plan [bold]{report.plan_key}[/bold] ({report.year}): "
        f"{len(report.started)} task(s) started, {len(report.already_running)} already running, "
        f"{len(report.already_closed)} already closed."
    )


def start_command(
    plan_file: Annotated[Path, typer.Argument(help="The plan: .txt, .csv, .xlsx or .docx.")],
    year: Annotated[int | None, typer.Option(help="Move the plan to this year.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Import the plan when needed and start every task (nothing is started twice)."""
    settings = get_settings()
    try:
        report = with_client(
            settings, lambda client: operations.start_plan(client, settings, plan_file, year=year)
        )
    except operations.PlanNotStartable as error:
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
) -> None:
    """Run the plan over --from..--to in seconds on the time-skipping test server, and print
    every reminder, check-in, escalation and closing with its instant and recipients."""
    settings = get_settings()
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
            )
        )
    except (ScenarioError, operations.PlanNotStartable) as error:
        raise fail(str(error)) from error
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
