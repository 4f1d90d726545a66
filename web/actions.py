"""The one place the web app acts on the engine: every change goes through the `control/`
operations the CLI uses (workflow updates, so a validator's refusal comes back as words for
the form). Each call says who acts (`control.permissions.Actor`: a unit from its link, or the
office a signed-in account's role stands for), and the operations check what that actor may do.

Refusals come out as `EngineRefused` (the engine's own reason); an engine that does not
answer (Temporal down) as `EngineUnavailable`; one that took the request and did not answer
within `ANSWER_WITHIN` (no worker polling, or a slow one) as `EngineLate`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TypeVar

from temporalio.client import Client, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from control import operations, starting
from control.permissions import Actor, NotPermitted
from control.runtime import connect
from models.workflow_messages import (
    Closure,
    EventOccurrence,
    EventRouting,
    EvidenceRejection,
    EvidenceSubmission,
    ExtensionGrant,
    ExtensionRefusal,
    ExtensionRequest,
    HistoryEntry,
    MilestoneView,
    Reassignment,
    TaskSnapshot,
)
from plan_import import Correction, ImportedPlan
from settings import Settings
from storage.plans import PlanNotStorable

T = TypeVar("T")

# What a refusal says when the task's workflow is over.
ENDED = "the task has ended and takes no more changes"
# An update needs a worker to answer; a page does not wait longer than this for one.
ANSWER_WITHIN = 20.0
HISTORY_WITHIN = 3.0


class EngineRefused(ValueError):
    """The engine said no; the message is its reason."""


class EngineUnavailable(RuntimeError):
    """The engine did not answer (Temporal unreachable, or no worker)."""


class EngineLate(EngineUnavailable):
    """The request reached the engine but no answer came in time: it may have been recorded
    (an update whose worker is slow answers late), so whoever asked must look before saying it
    failed."""


class EngineActions:
    def __init__(
        self,
        settings: Settings,
        client: Client | None = None,
        *,
        answer_within: float = ANSWER_WITHIN,
    ) -> None:
        self._settings = settings
        self._client = client
        self._lock = asyncio.Lock()
        # How long a page waits for an update's answer (a test of the late engine waits less).
        self._answer_within = answer_within

    async def client(self) -> Client:
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    try:
                        self._client = await asyncio.wait_for(
                            connect(self._settings), timeout=ANSWER_WITHIN
                        )
                    except (RuntimeError, TimeoutError) as error:
                        raise EngineUnavailable(str(error)) from error
        return self._client

    async def _call(
        self, action: Callable[[Client], Awaitable[T]], *, within: float | None = None
    ) -> T:
        client = await self.client()
        within = self._answer_within if within is None else within
        try:
            return await asyncio.wait_for(action(client), timeout=within)
        except WorkflowUpdateFailedError as error:
            raise EngineRefused(str(getattr(error.cause, "message", error.cause))) from error
        except WorkflowQueryFailedError as error:
            raise EngineRefused(str(error)) from error
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND or "already completed" in error.message:
                # The task's workflow has ended (done, cancelled, carried over): nothing more
                # reaches it. (A real server says "already completed"; the test server does not
                # find the update.)
                raise EngineRefused(f"{ENDED}: {error.message}") from error
            raise EngineRefused(error.message) from error
        except (starting.PlanNotStartable, PlanNotStorable, NotPermitted) as error:
            raise EngineRefused(str(error)) from error
        except TimeoutError as error:
            raise EngineLate(f"no answer within {within:.0f} s: is the worker running?") from error

    # ----------------------------------------------------------------------------- units

    async def submit_evidence(
        self, actor: Actor, plan_key: str, task_code: str, submission: EvidenceSubmission
    ) -> MilestoneView:
        return await self._call(
            lambda c: operations.submit_evidence(c, plan_key, task_code, submission, actor=actor)
        )

    async def request_extension(
        self,
        actor: Actor,
        plan_key: str,
        task_code: str,
        milestone_key: str,
        *,
        until: date,
        reason: str,
        confirmed: bool = False,
    ) -> str:
        request = ExtensionRequest(milestone_key, until, reason, actor.who, confirmed=confirmed)
        return await self._call(
            lambda c: operations.request_extension(c, plan_key, task_code, request, actor=actor)
        )

    # ----------------------------------------------------------------------------- coordinator

    async def grant_extension(
        self,
        actor: Actor,
        plan_key: str,
        task_code: str,
        milestone_key: str,
        *,
        until: date,
        reason: str,
        confirmed: bool = False,
    ) -> MilestoneView:
        grant = ExtensionGrant(milestone_key, until, reason, actor.who, confirmed=confirmed)
        return await self._call(
            lambda c: operations.grant_extension(c, plan_key, task_code, grant, actor=actor)
        )

    async def refuse_extension(
        self, actor: Actor, plan_key: str, task_code: str, milestone_key: str, *, reason: str
    ) -> MilestoneView:
        """Recorded by the task's workflow, which tells the unit why."""
        refusal = ExtensionRefusal(milestone_key, reason, actor.who)
        return await self._call(
            lambda c: operations.refuse_extension(c, plan_key, task_code, refusal, actor=actor)
        )

    async def reject_evidence(
        self, actor: Actor, plan_key: str, task_code: str, milestone_key: str, *, reason: str
    ) -> MilestoneView:
        rejection = EvidenceRejection(milestone_key, reason, actor.who)
        return await self._call(
            lambda c: operations.reject_evidence(c, plan_key, task_code, rejection, actor=actor)
        )

    async def reassign(
        self, actor: Actor, plan_key: str, task_code: str, *, lead_units: list[str], reason: str
    ) -> list[str]:
        reassignment = Reassignment(list(lead_units), reason, actor.who)
        return await self._call(
            lambda c: operations.reassign_lead(c, plan_key, task_code, reassignment, actor=actor)
        )

    async def close_task(
        self, actor: Actor, plan_key: str, task_code: str, *, reason: str, carry_over: bool
    ) -> TaskSnapshot:
        closure = Closure(reason, actor.who)
        return await self._call(
            lambda c: operations.cancel_task(
                c, plan_key, task_code, closure, actor=actor, carry_over=carry_over
            )
        )

    async def trigger_event(
        self,
        actor: Actor,
        plan_key: str,
        *,
        key: str,
        occurred_on: date,
        decision: str,
        due_on: date | None,
    ) -> EventRouting:
        event = EventOccurrence(key, occurred_on, decision, due_on, recorded_by=actor.who)
        return await self._call(lambda c: operations.trigger_event(c, plan_key, event, actor=actor))

    async def start_plan(
        self,
        actor: Actor,
        path: Path,
        *,
        year: int | None,
        until: int | None = None,
        corrections: Sequence[Correction] = (),
        imported: ImportedPlan | None = None,
    ) -> starting.StartReport:
        """`imported`: the plan as `starting.plan_for_start` read it already."""
        settings = self._settings
        return await self._call(
            lambda c: starting.start_plan(
                c,
                settings,
                path,
                year=year,
                until=until,
                corrections=corrections,
                imported=imported,
            )
        )

    # ----------------------------------------------------------------------------- reading

    async def task_history(self, plan_key: str, task_code: str) -> list[HistoryEntry]:
        """The task's own history, as its workflow holds it (one query, for one task page)."""
        # A page waits briefly: it shows everything else without this.
        return await self._call(
            lambda c: operations.task_history(c, plan_key, task_code),
            within=HISTORY_WITHIN,
        )
