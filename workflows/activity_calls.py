"""How workflow code calls the engine's own activities: by name (so no activity module is
imported into the sandbox), with one timeout and retry policy for all of them.

`ask` and `tell` go through the server; `compute` runs a short computation (the deadline
policy's dates) or a short read of the engine's own database (a plan's known events) as a local
activity, in the worker itself: no round trip, and its result is recorded in the history all
the same. `tell_locally` is `tell` run the same way, for a short write that may run twice (the
projection's snapshot)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

R = TypeVar("R")

TIMEOUT = timedelta(seconds=60)
# Planning and recording are idempotent: retried until they succeed, at most every 5 minutes.
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=5))


async def ask(activity: str, arg: object, result_type: type[R]) -> R:
    result: Any = await workflow.execute_activity(
        activity,
        arg,
        result_type=result_type,
        start_to_close_timeout=TIMEOUT,
        retry_policy=RETRY,
    )
    return result  # type: ignore[no-any-return]


async def tell(activity: str, arg: object) -> None:
    await workflow.execute_activity(
        activity, arg, start_to_close_timeout=TIMEOUT, retry_policy=RETRY
    )


async def compute(activity: str, arg: object, result_type: type[R]) -> R:
    result: Any = await workflow.execute_local_activity(
        activity,
        arg,
        result_type=result_type,
        start_to_close_timeout=TIMEOUT,
        retry_policy=RETRY,
    )
    return result  # type: ignore[no-any-return]


async def tell_locally(activity: str, arg: object) -> None:
    await workflow.execute_local_activity(
        activity, arg, start_to_close_timeout=TIMEOUT, retry_policy=RETRY
    )
