"""Record the histories the replay test replays: `python scripts/record_histories.py`.

Runs the seed plan from 1 January to 30 June 2023 on the time-skipping server with the test
scenario, and saves the history of one workflow of each kind (a fixed deadline closed on time,
one never done, an event-started one closed late, a compound one, a periodic report, a
recurring obligation, the plan, the daily digest) under tests/histories/. Run it again only
when a change is meant to break replay, and guard the change with `workflow.patched` first.

`python scripts/record_histories.py evidence-rejected` records only the history of a task whose
evidence the coordinator rejected (the `reject-evidence` patch: delivered, rejected, delivered
again late, then the review window), beside the others and leaving them as they are.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from temporalio import activity

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from control.operations import ensure_daily_digest, reject_evidence, submit_evidence  # noqa: E402
from control.runtime import exit_without_finalizing  # noqa: E402
from models.workflow_ids import DAILY_DIGEST_WORKFLOW_ID  # noqa: E402
from models.workflow_messages import EvidenceRejection, EvidenceSubmission  # noqa: E402
from plan_import import read_plan  # noqa: E402
from settings import get_settings  # noqa: E402
from simulation.run import local_start, perform_step, simulated_plan  # noqa: E402
from simulation.scenario import load_scenario  # noqa: E402
from workflows.plan import plan_workflow_id  # noqa: E402
from workflows.task import task_workflow_id  # noqa: E402

SEED = ROOT / "data" / "plans" / "snv-binh-dinh-cchc-2023.txt"
SCENARIO = ROOT / "tests" / "engine" / "data" / "year-2023.yaml"
OUT = ROOT / "tests" / "histories"
TASKS = {
    "II.3": "fixed-closed-on-time",
    "IV.1": "fixed-never-done",
    "I.2": "after-event-closed-late",
    "I.1": "compound",
    "I.7": "periodic-report",
    "III.2": "recurring-event",
    "I.3": "ongoing",
}
END = date(2023, 6, 30)


@activity.defn(name="send_daily_digests")
def digests_sent_nowhere(day: date) -> int:
    return 0


async def main() -> None:
    start = datetime(2022, 12, 31, 17, 0, tzinfo=UTC)  # 1 January 2023, 00:00 in Vietnam
    settings = get_settings()
    steps = [step for step in load_scenario(SCENARIO) if step.at < local_start(END)]
    async with simulated_plan(
        SEED, start_at=start, settings=settings, year=2023, stand_ins=[digests_sent_nowhere]
    ) as sim:
        key = sim.report.plan_key
        await ensure_daily_digest(sim.client, sim.settings)
        for step in steps:
            await sim.sleep_until(step.at)
            print(await perform_step(sim.client, key, step))
        await sim.sleep_until(local_start(END))
        targets = {task_workflow_id(key, code): name for code, name in TASKS.items()}
        targets[plan_workflow_id(key)] = "plan"
        targets[DAILY_DIGEST_WORKFLOW_ID] = "daily-digest"
        OUT.mkdir(parents=True, exist_ok=True)
        for workflow_id, name in targets.items():
            history = await sim.client.get_workflow_handle(workflow_id).fetch_history()
            (OUT / f"{name}.json").write_text(history.to_json(), encoding="utf-8")
            print(f"{name}: {len(history.events)} events")


# The task whose evidence is rejected ("Tháng 2/2023", due Tuesday 28/02/2023 17:00).
REJECTED_TASK = "II.2"


async def record_rejection() -> None:
    start = datetime(2022, 12, 31, 17, 0, tzinfo=UTC)
    settings = get_settings()
    task = next(t for t in read_plan(SEED, year=2023).tasks if t.code == REJECTED_TASK)
    lead = task.lead_units[0]
    async with simulated_plan(
        SEED, start_at=start, settings=settings, year=2023, stand_ins=[digests_sent_nowhere]
    ) as sim:
        key = sim.report.plan_key
        await sim.sleep_until(local_start(date(2023, 2, 20)))
        first = EvidenceSubmission("1", lead, document_number="05/KH-SNV")
        print(await submit_evidence(sim.client, key, REJECTED_TASK, first))
        await sim.sleep_until(local_start(date(2023, 2, 22)))
        rejection = EvidenceRejection("1", "Kế hoạch chưa có chữ ký", "cchc-vtlt")
        print(await reject_evidence(sim.client, key, REJECTED_TASK, rejection))
        await sim.sleep_until(local_start(date(2023, 3, 3)))
        again = EvidenceSubmission("1", lead, document_number="07/KH-SNV")
        print(await submit_evidence(sim.client, key, REJECTED_TASK, again))
        await sim.sleep_until(local_start(date(2023, 4, 15)))
        handle = sim.client.get_workflow_handle(task_workflow_id(key, REJECTED_TASK))
        history = await handle.fetch_history()
        (OUT / "evidence-rejected.json").write_text(history.to_json(), encoding="utf-8")
        print(f"evidence-rejected: {len(history.events)} events")


if __name__ == "__main__":
    if sys.argv[1:] == ["evidence-rejected"]:
        asyncio.run(record_rejection())
    else:
        asyncio.run(main())
    exit_without_finalizing(0)
