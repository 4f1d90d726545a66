"""The scale benchmark's anchor: a workflow that only waits, started the way a plan's task is.

`python -m benchmarks.anchor ADDRESS TASK_QUEUE` runs its worker, a process of its own like the
product's worker, so the two do not share a CPU's time with the benchmark's client.

The anchor takes the task's own input and, in its first workflow task, marks itself planned the
way a task does once it has planned itself (a search attribute, with no round trip of its own),
so that the benchmark can count how many have got that far. It then waits for the event a task
waits on (the task's signal) and marks that it took it the same way: the fan-out's anchor.
"""

from __future__ import annotations

import asyncio
import sys

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # As in workflows/task.py: pydantic resolves the input's annotations in the modules that
    # define them, looked up by name in the sandbox.
    import deadlines.language
    import deadlines.planning
    import deadlines.schedule  # noqa: F401
    import models.payloads
    import models.statuses
    import models.workflow_messages  # noqa: F401
    from models.statuses import DisplayStatus
    from models.workflow_messages import EventOccurrence, TaskWorkflowInput
    from workflows import search_attributes as sa

ANCHOR_WORKFLOW = "BenchmarkAnchorWorkflow"


@workflow.defn(name=ANCHOR_WORKFLOW)
class AnchorWorkflow:
    def __init__(self) -> None:
        self._event: EventOccurrence | None = None

    @workflow.run
    async def run(self, input: TaskWorkflowInput) -> None:
        workflow.upsert_search_attributes(
            [
                sa.NEXT_DUE.value_set(workflow.now()),
                sa.STATUS.value_set(DisplayStatus.WAITING_EVENT),
            ]
        )
        await workflow.wait_condition(lambda: self._event is not None)
        workflow.upsert_search_attributes([sa.STATUS.value_set(DisplayStatus.ACTIVE)])
        await workflow.wait_condition(lambda: False)

    @workflow.signal(name="event_occurred")
    def event_occurred(self, event: EventOccurrence) -> None:
        self._event = event


async def serve(address: str, task_queue: str) -> None:
    from temporalio.client import Client
    from temporalio.worker import Worker

    from control.runtime import DATA_CONVERTER, quiet_runtime

    client = await Client.connect(address, data_converter=DATA_CONVERTER, runtime=quiet_runtime())
    await Worker(client, task_queue=task_queue, workflows=[AnchorWorkflow]).run()


if __name__ == "__main__":
    # Imported again by its name: the workflow sandbox imports a workflow's module by name, and
    # cannot import `__main__`.
    from benchmarks.anchor import serve as serve_anchor

    asyncio.run(serve_anchor(sys.argv[1], sys.argv[2]))
