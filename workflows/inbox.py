"""A task's inbox entry: a message its handler queued for the main loop (Temporal's
safe-message-handler pattern, workflows/task.py), and what came of it.

A module of its own, passed through the workflow sandbox: wherever the task workflow runs
sandboxed (the replay test; the worker did until 1.3.0), its module is executed afresh for
every run, and building this dataclass there (its generated methods compiled each time) was a
sixth of that work, about 0.8 ms a task. No Temporal and no state here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Queued:
    """A message its handler queued for the main loop, and what came of it."""

    check: Callable[[], None]
    apply: Callable[[], Awaitable[Any]]
    outcome: Any = None
    refusal: str | None = None
    done: bool = False
