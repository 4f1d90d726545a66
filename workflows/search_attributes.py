"""Typed search attributes: what `temporal workflow list --query` and the Temporal UI filter on.

The dev server must know them before a workflow sets them: `runtime.temporal` registers every
key of ALL when it starts the server.
"""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeKey

PLAN = SearchAttributeKey.for_keyword("NhachanPlan")
TASK_CODE = SearchAttributeKey.for_keyword("NhachanTaskCode")
LEAD_UNITS = SearchAttributeKey.for_keyword_list("NhachanLeadUnits")
# active | waiting_event | overdue | done | cancelled | carried_over
STATUS = SearchAttributeKey.for_keyword("NhachanStatus")
NEXT_DUE = SearchAttributeKey.for_datetime("NhachanNextDue")

ALL: tuple[SearchAttributeKey[Any], ...] = (PLAN, TASK_CODE, LEAD_UNITS, STATUS, NEXT_DUE)
