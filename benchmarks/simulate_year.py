"""How fast the engine runs a plan, and how much memory: `python benchmarks/simulate_year.py`.

Simulates the whole of 2023 for the seed plan (32 tasks) and for COPIES copies of it as
separate plans (the same worker, one time-skipping server), with the real workflows and
activities and a recorder in place of the channels. Prints wall time, workflows, timeline
entries, the CPU seconds of this process and of the test server over the year, and the
process's peak memory. No targets are asserted: compare the figures over time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from control import starting  # noqa: E402
from control.runtime import exit_without_finalizing  # noqa: E402
from settings import get_settings  # noqa: E402
from simulation.run import local_start, simulated_plan  # noqa: E402

SEED = ROOT / "data" / "plans" / "snv-binh-dinh-cchc-2023.txt"
TICKS = os.sysconf("SC_CLK_TCK")


def children_cpu_s() -> float:
    """CPU seconds so far of this process's children (the test server, under its launcher)."""
    total = 0.0
    for tasks in Path("/proc/self/task").iterdir():
        for pid in (tasks / "children").read_text().split():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except FileNotFoundError:
                continue
            total += (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return total


async def run(copies: int, *, sandboxed: bool) -> None:
    start = datetime(2022, 12, 31, 17, 0, tzinfo=UTC)
    began = time.perf_counter()
    async with simulated_plan(
        SEED, start_at=start, settings=get_settings(), year=2023, sandboxed=sandboxed
    ) as sim:
        started = len(sim.report.started)
        folder = Path(tempfile.mkdtemp(prefix="nhachan-bench-"))
        for copy in range(1, copies):
            # The same appendix under another title gives another plan key.
            text = SEED.read_text(encoding="utf-8").replace(
                "Cải cách hành chính Sở Nội vụ năm 2023",
                f"Cải cách hành chính bản sao {copy} năm 2023",
            )
            path = folder / f"copy-{copy}.txt"
            path.write_text(text, encoding="utf-8")
            report = await starting.start_plan(
                sim.client, sim.settings, path, year=2023, with_digest=False
            )
            started += len(report.started)
        ready, cpu, server_cpu = time.perf_counter(), time.process_time(), children_cpu_s()
        await sim.sleep_until(local_start(date(2024, 1, 1)))
        finished = time.perf_counter()
        cpu, server_cpu = time.process_time() - cpu, children_cpu_s() - server_cpu
        entries = len(sim.recorder.entries)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"plans: {copies}  task workflows: {started}")
    print(f"start all: {ready - began:.1f} s   one simulated year: {finished - ready:.1f} s")
    print(f"CPU over the year: this process {cpu:.1f} s, the test server {server_cpu:.1f} s")
    print(f"notifications recorded: {entries}  ({entries / (finished - ready):.0f} per second)")
    print(f"peak memory of the worker process: {peak_mib:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=1, help="how many copies of the plan")
    parser.add_argument(
        "--sandboxed",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="run the workflows in the SDK's sandbox, as the worker does (`simulate` does not)",
    )
    arguments = parser.parse_args()
    asyncio.run(run(arguments.copies, sandboxed=arguments.sandboxed))
    exit_without_finalizing(0)


if __name__ == "__main__":
    main()
