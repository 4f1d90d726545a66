"""Who may do what to a task: one rule for every entry point (the command line now, the web app
and its API later).

- A unit acts only on tasks it leads: it delivers evidence and asks for extensions for its own
  milestones still open, for itself.
- The coordinator decides: it grants and refuses extensions, reassigns, cancels, carries over,
  records events and rejects evidence. It delivers or asks for a unit only by naming that unit
  (the unit must lead the task); when it leads the task itself it acts as that unit.
- The leadership reads.
- A person of one agency (a web account given one) acts only on that agency's plans; one of
  no agency, on every agency's. A unit acts only on tasks it leads, which its agency's plans
  name, and the command line's --by is read with the plan's agency's directory: neither can
  reach another agency's plan.

Everyone reads. The task's workflow checks again what depends on its state at that moment (a
milestone closed meanwhile, a lead changed meanwhile); this module answers first, in one line,
before anything is sent to the engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from models.statuses import CLOSED_MILESTONE_STATUSES, MilestoneStatus
from models.tables import UnitRole
from models.workflow_messages import TaskSnapshot
from plan_import.units import UnitDirectory


class Action(StrEnum):
    REQUEST_EXTENSION = "request_extension"
    SUBMIT_EVIDENCE = "submit_evidence"
    GRANT_EXTENSION = "grant_extension"
    REFUSE_EXTENSION = "refuse_extension"
    REASSIGN = "reassign"
    CANCEL = "cancel"
    CARRY_OVER = "carry_over"
    RECORD_EVENT = "record_event"
    REJECT_EVIDENCE = "reject_evidence"
    ACCEPT_EVIDENCE = "accept_evidence"
    START_PLAN = "start_plan"
    SEND_UNIT_LINK = "send_unit_link"
    READ = "read"


# What a lead unit does for its own milestones (the coordinator may do it for a unit it names).
UNIT_ACTIONS = frozenset({Action.SUBMIT_EVIDENCE, Action.REQUEST_EXTENSION})
# What only the coordinator decides.
COORDINATOR_ACTIONS = frozenset(
    {
        Action.GRANT_EXTENSION,
        Action.REFUSE_EXTENSION,
        Action.REASSIGN,
        Action.CANCEL,
        Action.CARRY_OVER,
        Action.RECORD_EVENT,
        Action.REJECT_EVIDENCE,
        Action.ACCEPT_EVIDENCE,
        Action.START_PLAN,
        Action.SEND_UNIT_LINK,
    }
)

# How a refusal names an action: "may not <words>".
_WORDS = {
    Action.REQUEST_EXTENSION: "ask for an extension",
    Action.SUBMIT_EVIDENCE: "deliver evidence",
    Action.GRANT_EXTENSION: "grant an extension",
    Action.REFUSE_EXTENSION: "refuse an extension",
    Action.REASSIGN: "reassign a task",
    Action.CANCEL: "cancel a task",
    Action.CARRY_OVER: "carry a task over",
    Action.RECORD_EVENT: "record an event",
    Action.REJECT_EVIDENCE: "reject evidence",
    Action.ACCEPT_EVIDENCE: "accept evidence",
    Action.START_PLAN: "import or start a plan",
    Action.SEND_UNIT_LINK: "send a unit its link",
    Action.READ: "read",
}


class NotPermitted(ValueError):
    """The actor may not do this; the message says why in one line."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a unit (by its code) or a person (by account name), and their role."""

    who: str
    role: UnitRole

    def __str__(self) -> str:
        return f"{self.who} ({self.role.value})"


@dataclass(frozen=True)
class TaskAccess:
    """What a permission depends on: the task's lead units now, and its milestones not closed
    (None when not known yet). Whether an open milestone takes evidence yet (one waiting for
    its event does not) is the workflow's to say."""

    task_code: str
    lead_units: tuple[str, ...]
    open_milestones: frozenset[str] | None = None
    # Every milestone and its status, to say why one is not open.
    milestone_statuses: tuple[tuple[str, MilestoneStatus], ...] = ()

    @classmethod
    def of(cls, snapshot: TaskSnapshot) -> TaskAccess:
        statuses = tuple((m.key, m.status) for m in snapshot.milestones)
        return cls(
            task_code=snapshot.task_code,
            lead_units=tuple(snapshot.lead_units),
            # A task whose first run has not planned it yet shows no milestones.
            open_milestones=(
                frozenset(k for k, status in statuses if status not in CLOSED_MILESTONE_STATUSES)
                if statuses
                else None
            ),
            milestone_statuses=statuses,
        )

    @classmethod
    def led_by(cls, task_code: str, lead_units: Iterable[str]) -> TaskAccess:
        """What is known without the workflow: the lead units (from the database, say)."""
        return cls(task_code=task_code, lead_units=tuple(lead_units))


def unit_actor(directory: UnitDirectory, name: str) -> Actor:
    """The unit named (by code or any name the directory knows) acting in its directory role;
    an unknown name raises the directory's LookupError."""
    entry = directory.find(name)
    return Actor(who=entry.code, role=UnitRole(entry.role))


def check_permitted(
    actor: Actor,
    action: Action,
    task: TaskAccess | None = None,
    *,
    for_unit: str | None = None,
    milestone_key: str | None = None,
) -> None:
    """Raises NotPermitted unless `actor` may do `action` (on `task`, when given).

    `for_unit` is the unit delivered for, or asking (evidence, extension requests): a unit
    only for itself; None means the actor itself. Without `task` only what the role decides is
    checked; with it, whether the unit leads the task and whether the milestone is open.
    """
    if action is Action.READ:
        return
    words = _WORDS[action]
    if actor.role is UnitRole.LEADERSHIP:
        raise NotPermitted(f"{actor} may not {words}: the leadership reads, it does not act")
    if action in COORDINATOR_ACTIONS:
        if actor.role is not UnitRole.COORDINATOR:
            raise NotPermitted(f"{actor} may not {words}: only the coordinator does")
        return
    unit = for_unit or actor.who
    if actor.role is UnitRole.UNIT and unit != actor.who:
        raise NotPermitted(f"{actor} may not {words} for {unit}: a unit acts only for itself")
    if task is None:
        return
    if unit not in task.lead_units:
        hint = (
            ": name the lead unit it is done for"
            if actor.role is UnitRole.COORDINATOR and for_unit is None
            else ""
        )
        raise NotPermitted(
            f"{unit} may not {words} on task {task.task_code}: its lead is "
            f"{', '.join(task.lead_units) or 'nobody'}{hint}"
        )
    if milestone_key is None or task.open_milestones is None:
        return
    if milestone_key not in task.open_milestones:
        statuses = dict(task.milestone_statuses)
        status = statuses.get(milestone_key)
        if status is None:
            known = ", ".join(statuses) or "none"
            raise NotPermitted(
                f"task {task.task_code} has no milestone {milestone_key!r} "
                f"(its milestones: {known})"
            )
        raise NotPermitted(
            f"{unit} may not {words} on milestone {milestone_key!r} of task {task.task_code}: "
            f"it is closed ({status.value})"
        )


def check_agency(who: str, agency: str, *, plan_key: str, plan_agency: str) -> None:
    """Raises NotPermitted unless `who`, of `agency` ("" for every agency), may act on a plan
    of `plan_agency`."""
    if agency and agency != plan_agency:
        raise NotPermitted(
            f"{who} acts for agency {agency}: plan {plan_key} is of agency {plan_agency}"
        )
