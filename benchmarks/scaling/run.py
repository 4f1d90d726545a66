"""The scale benchmark's command line: the phases asked for, the table and the JSON line."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import benchmarks.scaling as scaling
from benchmarks.scaling.common import SEED, SIMULATED_YEAR, Figures, row, say
from benchmarks.scaling.dev_server import on_dev_server
from benchmarks.scaling.lateness import lateness_phase
from control.runtime import exit_without_finalizing
from settings import Settings, get_settings
from simulation.run import local_start, simulated_plan


async def seed_year(settings: Settings) -> float:
    start = local_start(date(SIMULATED_YEAR, 1, 1))
    async with simulated_plan(SEED, start_at=start, settings=settings, year=SIMULATED_YEAR) as sim:
        began = time.perf_counter()
        await sim.sleep_until(local_start(date(SIMULATED_YEAR + 1, 1, 1)))
        return time.perf_counter() - began


async def run(args: argparse.Namespace, folder: Path) -> tuple[Figures, list[str]]:
    figures = Figures(tasks=args.tasks)
    lines = await on_dev_server(args, figures, folder) if set("abc") & set(args.phases) else []
    if "d" in args.phases:
        lines.append(await lateness_phase(args, figures, folder))

    if args.seed_year and "e" in args.phases:
        try:
            figures.seed_year_s = await seed_year(get_settings())
        except Exception as error:
            say(f"(e) failed: {error!r}")
            lines.append(row("(e) a simulated year of the seed", "failed", repr(error)))
        else:
            say(f"(e) one simulated year of the seed: {figures.seed_year_s:.1f} s")
            lines.append(row("(e) a simulated year of the seed", f"{figures.seed_year_s:.1f} s"))
    return figures, lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=scaling.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=500, help="tasks in the synthetic plan")
    parser.add_argument("--fanout", type=int, default=1000, help="tasks waiting on one event")
    parser.add_argument(
        "--in-flight", type=int, default=32, help="starts in flight for the concurrent anchor"
    )
    parser.add_argument(
        "--lateness-days",
        type=int,
        default=31,
        help="simulated days over which lateness is measured",
    )
    parser.add_argument(
        "--year",
        type=int,
        default=date.today().year + 1,
        help="the year the dev-server plans run in (default: next year, see docs/BENCHMARKS.md)",
    )
    parser.add_argument(
        "--lateness-clock",
        choices=("real", "skipping"),
        default="real",
        help="(d) on a dev server of its own, on the real clock, every task's reminder due at "
        "one instant (real), or on the time-skipping test server over --lateness-days days "
        "(skipping; it gives way at a few thousand tasks)",
    )
    parser.add_argument(
        "--lateness-window",
        type=float,
        default=0,
        help="(d) on the real clock: seconds from the start to the reminders' instant, longer "
        "than the tasks take to plan themselves (default: 180, or 0.4 s a task if more)",
    )
    parser.add_argument(
        "--lateness-tasks",
        type=int,
        default=0,
        help="tasks of the plan whose lateness (d) is measured (default: --tasks)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="(d) on the real clock: worker processes on the task queue, as `docker compose up "
        "--scale worker=N` runs them (default: 1)",
    )
    parser.add_argument(
        "--worker-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting of the product's worker for this run, e.g. "
        "worker_max_cached_workflows=2000 (repeatable)",
    )
    parser.add_argument(
        "--phases",
        default="abcde",
        help="the phases to run, e.g. `c` for the fan-out alone (default: abcde); figures of "
        "phases left out stay 0 or null",
    )
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds to wait for any one phase"
    )
    parser.add_argument(
        "--seed-year",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="(e) one simulated year of the seed (left out by the smoke test)",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="nhachan-scale-"))
    say(f"working in {folder}")
    # The Temporal servers write their logs to the standard output they inherit: into a file,
    # so that the table and the JSON line stand alone.
    table = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    with (folder / "servers.log").open("wb") as servers_log:
        os.dup2(servers_log.fileno(), sys.stdout.fileno())
        figures, lines = asyncio.run(run(args, folder))
    print(row("measure", "figure", "detail"), file=table)
    print("-" * 100, file=table)
    for line in lines:
        print(line, file=table)
    print(json.dumps(dataclasses.asdict(figures)), file=table)
    table.flush()
    exit_without_finalizing(0)


if __name__ == "__main__":
    main()
