"""What the verbs on a running plan share: the --plan and --by options, and a client of the
engine whose refusals end the verb with the engine's own words."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from commands.output import ExitCode, fail
from control import operations
from control.preflight import EngineUnavailable
from control.runtime import connect
from control.serving import require_worker
from plan_import.units import load_unit_directory
from settings import Settings

T = TypeVar("T")

PlanOption = Annotated[
    str | None, typer.Option("--plan", help="Plan key (default: the plan imported last).")
]
ByOption = Annotated[str, typer.Option("--by", help="Who does it: a unit code or name.")]


def update_refusal(error: WorkflowUpdateFailedError) -> str:
    """Why a workflow refused an update, as the workflow said it."""
    return str(getattr(error.cause, "message", error.cause))


def with_client(
    settings: Settings, action: Callable[[Client], Awaitable[T]], *, needs_worker: bool = True
) -> T:
    """`action` on a client of the engine; unless `needs_worker` is False, only once a worker is
    known to answer, so that a verb never hangs (or is applied later) while the worker is down."""

    async def run() -> T:
        try:
            client = await connect(settings)
        except EngineUnavailable as error:
            raise fail(f"{error}; is `scheduler.py run` (or a server) running?") from error
        try:
            if needs_worker:
                await require_worker(client, settings)
        except EngineUnavailable as error:
            raise fail(str(error)) from error
        try:
            return await action(client)
        except WorkflowUpdateFailedError as error:
            raise fail(update_refusal(error)) from error
        except RPCError as error:
            raise fail(error.message) from error

    return asyncio.run(run())


def resolve_unit(settings: Settings, name: str) -> str:
    """A unit named on the command line, by code or any name the unit directory knows."""
    directory = load_unit_directory(settings.units_file)
    try:
        return operations.unit_code(directory, name)
    except LookupError as error:
        raise fail(str(error), code=ExitCode.USAGE) from error


def resolve_plan(settings: Settings, plan: str | None) -> str:
    """The plan named by --plan, or the plan imported last."""
    if plan:
        return plan
    try:
        return operations.current_plan_key(settings)
    except operations.PlanNotStartable as error:
        raise fail(str(error)) from error
