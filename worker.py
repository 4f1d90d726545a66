"""`python worker.py`: the worker that runs every workflow and activity of nhachan, against the
Temporal server at NHACHAN_TEMPORAL_ADDRESS (`scheduler.py run` starts one of its own).

It checks its configuration first and says in one line what is wrong where; SIGTERM or SIGINT
stop it gracefully (a message being sent is sent and logged first)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from datetime import date

from control.preflight import NAMED_FAILURES, check_configuration
from control.runtime import exit_without_finalizing
from control.serving import run_worker
from settings import get_settings


def main(extra_workflows: Sequence[type] = ()) -> None:
    """`extra_workflows`: for the fault drills, which run this worker with a workflow of theirs."""
    try:
        settings = get_settings()
        check_configuration(settings, year=date.today().year)
        asyncio.run(run_worker(settings, extra_workflows=extra_workflows))
    except NAMED_FAILURES as error:
        print(f"worker.py: {error}", file=sys.stderr)
        exit_without_finalizing(1)
    exit_without_finalizing(0)


if __name__ == "__main__":
    main()
