import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """For module-scoped fixtures: one whole simulation on a loop of its own."""
    return asyncio.run(coroutine)
