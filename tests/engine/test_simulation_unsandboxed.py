"""`simulate` runs the workflows without the SDK's sandbox, on the worker's event loop (for
speed); the product's worker runs the plan's and the digest's workflows sandboxed (the task's
outside it too, by its definition: tests/engine/test_replay.py replays its histories in the
sandbox). Both must decide the same: the same months of the seed plan give the same timeline
and the same final state either way."""

from datetime import date

from control import operations
from deadlines.local_time import local_iso
from settings import PROJECT_ROOT, get_settings
from simulation.run import local_start, simulated_plan

SEED = PROJECT_ROOT / "data" / "plans" / "snv-binh-dinh-cchc-2023.txt"


Timeline = list[tuple[str, str, str, str, str]]


async def _months(*, sandboxed: bool) -> tuple[Timeline, dict[str, str]]:
    async with simulated_plan(
        SEED,
        start_at=local_start(date(2023, 1, 1)),
        settings=get_settings(),
        year=2023,
        sandboxed=sandboxed,
    ) as sim:
        await sim.sleep_until(local_start(date(2023, 3, 1)))
        plan = sim.report.plan_key
        statuses = {
            code: str((await operations.task_snapshot(sim.client, plan, code)).display_status)
            for code in sim.report.started
        }
        timeline = sorted(
            (local_iso(e.at), e.task, e.milestone, e.action, ",".join(e.to))
            for e in sim.recorder.entries
        )
    return timeline, statuses


async def test_the_unsandboxed_simulation_decides_as_the_sandboxed_worker() -> None:
    sandboxed = await _months(sandboxed=True)
    unsandboxed = await _months(sandboxed=False)
    timeline, statuses = unsandboxed
    # Two months of the seed: IV.1, due 31/01, is reminded, then escalated from 01/02.
    assert {"reminder", "escalation", "nudge"} <= {entry[3] for entry in timeline}
    assert statuses["IV.1"] == "overdue"
    assert unsandboxed == sandboxed
