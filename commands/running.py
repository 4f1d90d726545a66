"""What the verbs on a running plan share: the --plan and --by options (who acts, in the role
the unit directory gives them), and a client of the engine whose refusals end the verb with the
engine's own words, and whose other errors end it in one line saying whether anything was
recorded."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from temporalio.client import (
    Client,
    RPCTimeoutOrCancelledError,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode

from commands.output import ExitCode, fail
from control import operations
from control.permissions import Action, Actor, NotPermitted, check_permitted, unit_actor
from control.preflight import EngineUnavailable
from control.runtime import connect
from control.serving import require_worker
from settings import Settings

T = TypeVar("T")

PlanOption = Annotated[
    str | None,
    typer.Option("--plan", help="Plan key (default: the only plan running)."),
]
AgencyOption = Annotated[
    str | None,
    typer.Option(
        "--agency",
        help="Agency code (e.g. snv-binh-dinh): its only plan running, or its plans only.",
    ),
]
ByOption = Annotated[
    str,
    typer.Option(
        "--by",
        help="Who does it: a unit code or name (its role is the plan's agency directory's).",
    ),
]


def update_refusal(error: WorkflowUpdateFailedError) -> str:
    """Why a workflow refused an update, as the workflow said it."""
    return str(getattr(error.cause, "message", error.cause))


def engine_failure(error: Exception) -> str:
    """What an error of the engine means to whoever typed the verb, in one line: what happened,
    and whether what was asked is recorded. An update whose call timed out may be recorded (the
    server keeps an update it accepted and the task applies it); any other refusal of a call
    recorded nothing."""
    if isinstance(error, WorkflowUpdateRPCTimeoutOrCancelledError):
        return (
            "the engine did not answer in time; what was asked may be recorded already (the "
            "task applies it once it has it): see `scheduler.py history TASK` before asking again"
        )
    if isinstance(error, RPCTimeoutOrCancelledError):
        return "the engine did not answer in time; nothing was recorded: try again"
    if isinstance(error, WorkflowQueryFailedError | WorkflowQueryRejectedError):
        return f"the task could not answer ({_first_line(str(error))}); nothing was recorded"
    if isinstance(error, RPCError):
        said = _first_line(error.message) or error.status.name
        if error.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
            return (
                f"the engine did not answer in time ({said}); what was asked may be recorded "
                "already: see `scheduler.py history TASK` before asking again"
            )
        if error.status is RPCStatusCode.UNAVAILABLE:
            return f"the engine cannot be reached ({said}); nothing was recorded"
        return f"the engine refused it ({said}); nothing was recorded"
    raise TypeError(f"not an error of the engine: {type(error).__name__}")


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else ""


ENGINE_ERRORS = (
    RPCError,
    RPCTimeoutOrCancelledError,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
)


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
        except ENGINE_ERRORS as error:
            raise fail(engine_failure(error)) from error
        try:
            return await action(client)
        except WorkflowUpdateFailedError as error:
            raise fail(update_refusal(error)) from error
        except (NotPermitted, operations.NotRecorded) as error:
            raise fail(str(error)) from error
        except ENGINE_ERRORS as error:
            raise fail(engine_failure(error)) from error

    return asyncio.run(run())


def resolve_unit(settings: Settings, name: str, *, plan_key: str) -> str:
    """A unit named on the command line, by code or any name the directory of the plan's
    agency knows."""
    directory = operations.plan_directory(settings, plan_key)
    try:
        return operations.unit_code(directory, name)
    except LookupError as error:
        raise fail(str(error), code=ExitCode.USAGE) from error


def resolve_task(settings: Settings, code: str, *, plan_key: str) -> str:
    """A task named on the command line, once the plan has it: unknown, it is a usage error
    like an unknown unit, before the engine is reached."""
    try:
        return operations.task_code(settings, plan_key, code)
    except operations.UnknownTask as error:
        raise fail(str(error), code=ExitCode.USAGE) from error


def acting(
    settings: Settings, by: str, action: Action, *, plan_key: str, for_unit: str | None = None
) -> Actor:
    """Who acts (--by) on the plan, in the role the directory of the plan's agency gives them,
    once that role may do `action` (for `for_unit`): a refusal ends the verb before the engine
    is reached. What depends on the task is checked by the operation."""
    directory = operations.plan_directory(settings, plan_key)
    try:
        actor = unit_actor(directory, by)
    except LookupError as error:
        raise fail(str(error), code=ExitCode.USAGE) from error
    try:
        check_permitted(actor, action, for_unit=for_unit)
    except NotPermitted as error:
        raise fail(str(error)) from error
    return actor


def resolve_plan(settings: Settings, plan: str | None, agency: str | None = None) -> str:
    """The plan named by --plan, or the only plan running (of the --agency given); none or
    several: the verb stops, naming them."""
    try:
        return operations.running_plan_key(settings, plan, agency)
    except operations.NoPlanChosen as error:
        raise fail(str(error)) from error
