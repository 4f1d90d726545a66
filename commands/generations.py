"""`scheduler.py generations`: the open runs of each generation of the workflow code, which an
upgrade that retires a marker waits on (docs/DEPLOY.md)."""

from __future__ import annotations

import typer
from rich import box
from rich.table import Table
from temporalio.client import Client

from commands.output import JsonOption, console, print_json
from commands.running import with_client
from control.generations import GenerationCount, open_runs_by_generation
from settings import get_settings
from workflows import markers


def generations_command(as_json: JsonOption = False) -> None:
    """How many workflow runs of each generation are open (from the engine's visibility)."""
    settings = get_settings()

    async def ask(client: Client) -> list[GenerationCount]:
        return await open_runs_by_generation(client)

    counts = with_client(settings, ask, needs_worker=False)
    if as_json:
        print_json({"current": current(), "generations": counts})
        return
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("Thế hệ")
    table.add_column("Đang chạy", justify="right")
    for count in counts:
        name = count.generation or "(không ghi thế hệ: trước 1.0.0)"
        if count.generation == current():
            name += " (mã hiện tại)"
        table.add_row(name, str(count.open_runs))
    console.print(table)


def current() -> str:
    """The generation a run started by this code is of."""
    return markers.generations()[-1]


def register(app: typer.Typer) -> None:
    app.command("generations")(generations_command)
