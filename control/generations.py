"""How many open runs each generation of the workflow code has (workflows/markers.py).

An upgrade that deprecates or removes a marker waits until no run of an older generation is open
(docs/DEPLOY.md): this counts them, from the engine's visibility (the search attribute
`NhachanGeneration` each run sets at its start). Visibility is eventually consistent: a run
started a second ago may not be counted yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.client import Client

from workflows import markers
from workflows import search_attributes as sa

# The task and plan workflows carry their generation; the daily digest keeps no state that a
# change could trip on (it is one timer and one activity a day) and carries none.
_OPEN = (
    'ExecutionStatus = "Running" AND '
    '(WorkflowType = "TaskWorkflow" OR WorkflowType = "PlanWorkflow")'
)


@dataclass(frozen=True)
class GenerationCount:
    # A release ("1.0.0"); "" for open runs that carry no generation (started before 1.0.0).
    generation: str
    open_runs: int


async def open_runs_by_generation(client: Client) -> list[GenerationCount]:
    """Every generation the code knows, oldest first, then the task and plan runs that carry
    none (if any)."""
    counts = [
        GenerationCount(
            generation,
            (
                await client.count_workflows(f'{_OPEN} AND {sa.GENERATION.name} = "{generation}"')
            ).count,
        )
        for generation in markers.generations()
    ]
    every_open = (await client.count_workflows(_OPEN)).count
    unmarked = every_open - sum(count.open_runs for count in counts)
    if unmarked > 0:
        counts.append(GenerationCount("", unmarked))
    return counts
