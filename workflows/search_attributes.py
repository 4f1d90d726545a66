"""Typed search attributes: what `temporal workflow list --query` and the Temporal UI filter on.

The dev server must know them before a workflow sets them: `runtime.temporal` registers every
key of ALL when it starts the server.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    TypedSearchAttributes,
)

from models.statuses import DisplayStatus

if TYPE_CHECKING:
    from models.workflow_messages import TaskSnapshot, TaskWorkflowInput

PLAN = SearchAttributeKey.for_keyword("NhachanPlan")
TASK_CODE = SearchAttributeKey.for_keyword("NhachanTaskCode")
LEAD_UNITS = SearchAttributeKey.for_keyword_list("NhachanLeadUnits")
# A DisplayStatus.
STATUS = SearchAttributeKey.for_keyword("NhachanStatus")
NEXT_DUE = SearchAttributeKey.for_datetime("NhachanNextDue")
# The code of the agency whose plan it is ("snv-binh-dinh"): a province's deployment runs the
# plans of many agencies side by side. Set when a task or plan starts, never changed after.
AGENCY = SearchAttributeKey.for_keyword("NhachanAgency")
# The generation of the workflow code a run follows ("1.0.0", workflows/markers.py): set by the
# run itself at its start, so that an upgrade can wait until no run of an old generation is open.
GENERATION = SearchAttributeKey.for_keyword("NhachanGeneration")

ALL: tuple[SearchAttributeKey[Any], ...] = (
    PLAN,
    TASK_CODE,
    LEAD_UNITS,
    STATUS,
    NEXT_DUE,
    AGENCY,
    GENERATION,
)


def initial_search_attributes(input: TaskWorkflowInput) -> TypedSearchAttributes:
    """What a task carries from the moment it starts, before its first run sets the rest. The
    agency is set only here: the workflow's own updates leave it as it started."""
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(PLAN, input.plan_key),
        SearchAttributePair(TASK_CODE, input.task_code),
        SearchAttributePair(LEAD_UNITS, list(input.lead_units)),
        SearchAttributePair(STATUS, DisplayStatus.ACTIVE),
    ]
    if input.agency:
        pairs.append(SearchAttributePair(AGENCY, input.agency))
    return TypedSearchAttributes(pairs)


def plan_search_attributes(plan_key: str, agency: str) -> TypedSearchAttributes:
    """What a plan's own workflow carries from its start: which plan, of which agency."""
    return TypedSearchAttributes(
        [SearchAttributePair(PLAN, plan_key), SearchAttributePair(AGENCY, agency)]
    )


def task_updates(
    snapshot: TaskSnapshot, next_due: datetime | None, generation: str
) -> list[SearchAttributeUpdate[Any]]:
    """A running task's attributes as they stand: the workflow upserts them when they change."""
    return [
        GENERATION.value_set(generation),
        PLAN.value_set(snapshot.plan_key),
        TASK_CODE.value_set(snapshot.task_code),
        LEAD_UNITS.value_set(list(snapshot.lead_units)),
        STATUS.value_set(snapshot.display_status),
        NEXT_DUE.value_set(next_due) if next_due else NEXT_DUE.value_unset(),
    ]
