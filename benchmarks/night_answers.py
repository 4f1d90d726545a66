"""How long a decision takes to be answered outside office hours:
`python benchmarks/night_answers.py`.

Starts the dev server and the product's worker (the real notification activity) with office
hours set around the present to exclude it (today made a working day), starts a plan of seven
tasks, and times each kind of decision through the control operations the CLI and the web use:
evidence, a reassignment, a cancellation, a carry-over, an event. Each is answered once recorded;
its messages wait in the task's outbox for the opening. Prints one line per decision. No targets
are asserted: the issue asks for well under a second on an idle machine.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pendulum

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from control import operations, starting  # noqa: E402
from control.permissions import Actor  # noqa: E402
from control.runtime import build_worker, exit_without_finalizing, start_dev_server  # noqa: E402
from models.tables import UnitRole  # noqa: E402
from models.workflow_messages import (  # noqa: E402
    Closure,
    EventOccurrence,
    EvidenceSubmission,
    Reassignment,
)
from storage.db import upgrade_schema  # noqa: E402
from tests.engine.test_night_on_the_dev_server import night_settings  # noqa: E402

LEAD = Actor("van-phong", UnitRole.UNIT)
COORDINATOR = Actor("cchc-vtlt", UnitRole.COORDINATOR)


async def timed(what: str, call: Awaitable[object]) -> None:
    began = time.perf_counter()
    await call
    print(f"{what:<14} {1000 * (time.perf_counter() - began):6.0f} ms")


async def main() -> None:
    today = pendulum.now("Asia/Ho_Chi_Minh").date()
    tasks = "".join(
        f"{n},Việc {n},Văn phòng Sở,,Tháng {today.month}/{today.year},\n" for n in range(1, 7)
    )
    tasks += "7,Thực hiện theo quyết định,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,\n"
    settings = night_settings(Path(tempfile.mkdtemp(prefix="nhachan-night-")), tasks)
    print(
        f"office hours {settings.office_opens:%H:%M}-{settings.office_closes:%H:%M}, now "
        f"{pendulum.now('Asia/Ho_Chi_Minh'):%H:%M} (Vietnam)"
    )
    upgrade_schema(settings.resolved_database_url())
    env = await start_dev_server(settings)
    async with env:
        with ThreadPoolExecutor(max_workers=8) as executor:
            async with build_worker(env.client, settings, executor=executor):
                client = env.client
                report = await starting.start_plan(
                    client, settings, settings.plan_file, year=today.year
                )
                key = report.plan_key
                # Every task planned (its snapshot has milestones) before the first decision.
                for code in report.started:
                    while not (await operations.task_snapshot(client, key, code)).milestones:
                        await asyncio.sleep(0.2)
                for n in (1, 2):
                    evidence = EvidenceSubmission("1", "van-phong", document_number=f"{n}/KH")
                    await timed(
                        "evidence",
                        operations.submit_evidence(client, key, f"I.{n}", evidence, actor=LEAD),
                    )
                handover = Reassignment(["phong-ccvc"], "benchmark", COORDINATOR.who)
                await timed(
                    "reassignment",
                    operations.reassign_lead(client, key, "I.3", handover, actor=COORDINATOR),
                )
                closure = Closure("benchmark", COORDINATOR.who)
                await timed(
                    "cancel",
                    operations.cancel_task(client, key, "I.4", closure, actor=COORDINATOR),
                )
                await timed(
                    "carry over",
                    operations.cancel_task(
                        client, key, "I.5", closure, actor=COORDINATOR, carry_over=True
                    ),
                )
                event = EventOccurrence("ubnd-tinh-ban-hanh", today, decision="1/QĐ")
                await timed(
                    "event", operations.trigger_event(client, key, event, actor=COORDINATOR)
                )


if __name__ == "__main__":
    asyncio.run(main())
    exit_without_finalizing(0)
