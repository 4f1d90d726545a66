"""How fast the engine runs a plan, and how much memory: `python benchmarks/simulate_year.py`.

Simulates the whole of 2023 for the seed plan (32 tasks) and for COPIES copies of it as
separate plans (the same worker, one time-skipping server), with the real workflows and
activities and a recorder in place of the channels. Prints wall time, workflows, timeline
entries and the process's peak memory. No targets are asserted: compare the figures over time.
"""

from __future__ import annotations

import argparse
import asyncio
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


async def run(copies: int) -> None:
    start = datetime(2022, 12, 31, 17, 0, tzinfo=UTC)
    began = time.perf_counter()
    async with simulated_plan(SEED, start_at=start, settings=get_settings(), year=2023) as sim:
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
        ready = time.perf_counter()
        await sim.sleep_until(local_start(date(2024, 1, 1)))
        finished = time.perf_counter()
        entries = len(sim.recorder.entries)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"plans: {copies}  task workflows: {started}")
    print(f"start all: {ready - began:.1f} s   one simulated year: {finished - ready:.1f} s")
    print(f"notifications recorded: {entries}  ({entries / (finished - ready):.0f} per second)")
    print(f"peak memory of the worker process: {peak_mib:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=1, help="how many copies of the plan")
    asyncio.run(run(parser.parse_args().copies))
    exit_without_finalizing(0)


if __name__ == "__main__":
    main()
