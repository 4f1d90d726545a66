"""Every refusal the engine's checks can raise reaches a person in Vietnamese.

The engine refuses in English sentences (the CLI's operators read them as they are); the web
app and the messages show them through control/refusal_words.yaml, which matches those
sentences. Each case below drives one `raise` of the checks (TaskTracker's, the plan's event
check, control/permissions) with input that refuses; the test fails on a refusal the table does
not say in Vietnamese, and on a `raise` in those checks that no case reaches (a new refusal
needs its case, and its Vietnamese).

Why the sentences and not stable codes: the sentences are what Temporal carries back from an
update's validator and what the CLI prints, unchanged by this; a code would have to be threaded
through every raise, the update failure and both readers, and a reworded sentence is caught
here just the same, by the real checks rather than by a list kept by hand.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import traceback
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from types import FunctionType

import pytest

from control import permissions, refusal_words
from control.permissions import Action, Actor, TaskAccess, check_agency, check_permitted
from control.starting import load_plan_for_start
from deadlines import MilestoneKind
from models.statuses import MilestoneStatus, TaskStatus
from models.tables import UnitRole
from models.workflow_messages import (
    Closure,
    EventOccurrence,
    EventSubscription,
    EvidenceRejection,
    EvidenceSubmission,
    ExtensionGrant,
    ExtensionRefusal,
    ExtensionRequest,
    Reassignment,
)
from plan_import.units import load_unit_directory
from settings import DATA_DIR
from tests.engine.test_task_state import DUE, planned, tracker
from tests.support.language import foreign_in_text
from workflows import plan as plan_workflow
from workflows.task_state import TaskTracker

BEFORE = DUE - timedelta(days=10)
DOC = EvidenceSubmission("1", "van-phong", document_number="12/BC-VP")


def _task(*milestones: object, now: object = BEFORE) -> TaskTracker:
    return tracker(*(milestones or (planned("1"),)), now=now)[0]  # type: ignore[arg-type]


def _closed() -> TaskTracker:
    task = _task()
    task.mark_done(task.milestone("1"), DOC)
    return task


def _cancelled() -> TaskTracker:
    task = _task()
    task.close(TaskStatus.CANCELLED, Closure("thôi", "cchc-vtlt"))
    return task


def _waiting() -> TaskTracker:
    return _task(planned("1", MilestoneKind.AFTER_EVENT, due=None, event_key="ubnd"))


def _asked() -> TaskTracker:
    task = _task()
    task.note_extension_request(ExtensionRequest("1", date(2023, 4, 14), "chờ", "van-phong"))
    return task


def _grant(**change: object) -> ExtensionGrant:
    return dataclasses.replace(ExtensionGrant("1", date(2023, 4, 14), "chờ", "cchc-vtlt"), **change)  # type: ignore[arg-type]


_RECURRING = planned("1", MilestoneKind.RECURRING_EVENT, due=None, event_key="phat-sinh")
_TASK_CASES: dict[str, Callable[[], None]] = {
    "evidence on a closed milestone": lambda: _closed().check_evidence(DOC),
    "evidence while waiting for the event": lambda: _waiting().check_evidence(DOC),
    "evidence before the milestone opens": lambda: _task(
        planned("1", opens=DUE - timedelta(days=5))
    ).check_evidence(DOC),
    "evidence on a recurring template": lambda: _opened(_task(_RECURRING)).check_evidence(DOC),
    "evidence from another unit": lambda: _task().check_evidence(
        dataclasses.replace(DOC, submitted_by="ttlt")
    ),
    "evidence with nothing in it": lambda: _task().check_evidence(
        dataclasses.replace(DOC, document_number="")
    ),
    "a document dated tomorrow": lambda: _task().check_evidence(
        dataclasses.replace(DOC, document_date=date(2023, 3, 22))
    ),
    "a document dated two years back": lambda: _task().check_evidence(
        dataclasses.replace(DOC, document_date=date(2021, 12, 31))
    ),
    "a link that is no web address": lambda: _task().check_evidence(
        dataclasses.replace(DOC, link="javascript:alert(1)")
    ),
    "a rejection once the task has ended": lambda: _cancelled().check_evidence_rejection(
        EvidenceRejection("1", "thiếu", "cchc-vtlt"), in_review=False
    ),
    "a rejection with nothing delivered": lambda: _task().check_evidence_rejection(
        EvidenceRejection("1", "thiếu", "cchc-vtlt"), in_review=False
    ),
    "a rejection without a reason": lambda: _closed().check_evidence_rejection(
        EvidenceRejection("1", " ", "cchc-vtlt"), in_review=False
    ),
    "a request from another unit": lambda: _task().check_extension_request(
        ExtensionRequest("1", date(2023, 4, 14), "chờ", "ttlt")
    ),
    "a refusal without a reason": lambda: _asked().check_extension_refusal(
        ExtensionRefusal("1", " ", "cchc-vtlt")
    ),
    "a refusal with nothing asked": lambda: _task().check_extension_refusal(
        ExtensionRefusal("1", "đủ thời gian", "cchc-vtlt")
    ),
    "an extension without a reason": lambda: _task().check_extension_grant(_grant(reason=" ")),
    "an extension of no due date": lambda: _waiting().check_extension_grant(_grant()),
    "an extension to an earlier day": lambda: _task().check_extension_grant(
        _grant(new_due_on=date(2023, 3, 30))
    ),
    "an extension to a day passed": lambda: _task(
        now=DUE + timedelta(days=20)
    ).check_extension_grant(_grant(new_due_on=date(2023, 4, 10))),
    "an extension into next year": lambda: _task().check_extension_grant(
        _grant(new_due_on=date(2024, 1, 2))
    ),
    "a reassignment to nobody": lambda: _task().check_reassignment(Reassignment([], "x", "cchc")),
    "a reassignment without a reason": lambda: _task().check_reassignment(
        Reassignment(["ttlt"], " ", "cchc-vtlt")
    ),
    "a closure without a reason": lambda: _task().check_closure(Closure(" ", "cchc-vtlt")),
    "anything on a cancelled task": lambda: _cancelled().check_closure(Closure("x", "cchc-vtlt")),
    "an unknown milestone": lambda: _task().check_evidence(
        dataclasses.replace(DOC, milestone_key="9")
    ),
    "an extension of a closed milestone": lambda: _closed().check_extension_grant(_grant()),
}


def _opened(task: TaskTracker) -> TaskTracker:
    """A recurring template is open (waiting for its occurrences) once its event has come."""
    task.state.milestones[0].status = MilestoneStatus.OPEN
    return task


WAITS = [EventSubscription("I.1", "ubnd", needs_due_date=False)]
NEEDS_DUE = [EventSubscription("I.1", "ubnd", needs_due_date=True)]
RECURS = [EventSubscription("I.1", "ubnd", needs_due_date=False, recurring=True)]
FIRST = EventOccurrence("ubnd", date(2023, 2, 27), decision="512/QĐ-UBND")


def _event(
    event: EventOccurrence,
    subscriptions: list[EventSubscription] = WAITS,
    recorded: tuple[EventOccurrence, ...] = (),
) -> Callable[[], None]:
    return lambda: plan_workflow.check_event(
        event,
        plan_key="snv-2023",
        year=2023,
        today=date(2023, 3, 21),
        subscriptions=subscriptions,
        recorded=list(recorded),
    )


_EVENT_CASES: dict[str, Callable[[], None]] = {
    "an event no task waits on": _event(EventOccurrence("khac", date(2023, 2, 27))),
    "an event dated tomorrow": _event(EventOccurrence("ubnd", date(2023, 3, 22))),
    "an event two years back": _event(EventOccurrence("ubnd", date(2021, 12, 31))),
    "an event recorded twice": _event(EventOccurrence("ubnd", date(2023, 3, 1)), recorded=(FIRST,)),
    "a correction of a recurring event": _event(
        EventOccurrence("ubnd", date(2023, 3, 1), corrects=FIRST.occurred_on), RECURS, (FIRST,)
    ),
    "a correction of a date never recorded": _event(
        EventOccurrence("ubnd", date(2023, 3, 1), corrects=date(2023, 2, 1)), recorded=(FIRST,)
    ),
    "an event without the due date it sets": _event(FIRST, NEEDS_DUE),
    "a due date before the event": _event(dataclasses.replace(FIRST, due_on=date(2023, 2, 1))),
}

UNIT = Actor("van-phong", UnitRole.UNIT)
COORDINATOR = Actor("cchc-vtlt", UnitRole.COORDINATOR)
ACCESS = TaskAccess(
    "I.1",
    ("van-phong",),
    open_milestones=frozenset({"1"}),
    milestone_statuses=(("1", MilestoneStatus.OPEN), ("2", MilestoneStatus.DONE_LATE)),
)
_PERMISSION_CASES: dict[str, Callable[[], None]] = {
    "the leadership acting": lambda: check_permitted(
        Actor("lanh-dao", UnitRole.LEADERSHIP), Action.SUBMIT_EVIDENCE
    ),
    "a unit granting": lambda: check_permitted(UNIT, Action.GRANT_EXTENSION),
    "a unit acting for another": lambda: check_permitted(
        UNIT, Action.SUBMIT_EVIDENCE, for_unit="ttlt"
    ),
    "a unit not leading the task": lambda: check_permitted(
        Actor("ttlt", UnitRole.UNIT), Action.SUBMIT_EVIDENCE, ACCESS
    ),
    "the coordinator naming no lead unit": lambda: check_permitted(
        COORDINATOR, Action.SUBMIT_EVIDENCE, ACCESS
    ),
    "an unknown milestone": lambda: check_permitted(
        UNIT, Action.SUBMIT_EVIDENCE, ACCESS, milestone_key="9"
    ),
    "a closed milestone": lambda: check_permitted(
        UNIT, Action.REQUEST_EXTENSION, ACCESS, milestone_key="2"
    ),
    "another agency's plan": lambda: check_agency(
        "cchc-vtlt", "snv", plan_key="svhttdl-2026", plan_agency="svhttdl"
    ),
}

OTHER_AGENCY_PLAN = Path(__file__).parent / "data" / "svhttdl-qng-2025-2026.txt"
_START_CASES: dict[str, Callable[[], object]] = {
    "a plan of an agency with no coordinator": lambda: load_plan_for_start(
        OTHER_AGENCY_PLAN, year=None, directory=load_unit_directory(DATA_DIR / "units.yaml")
    ),
}

CASES: dict[str, Callable[[], object]] = {
    **{f"start: {name}": case for name, case in _START_CASES.items()},
    **{f"task: {name}": case for name, case in _TASK_CASES.items()},
    **{f"event: {name}": case for name, case in _EVENT_CASES.items()},
    **{f"permission: {name}": case for name, case in _PERMISSION_CASES.items()},
}
# The checks whose every `raise` a person may meet.
CHECKS: list[Callable[..., None]] = [
    *(
        member
        for name, member in vars(TaskTracker).items()
        if isinstance(member, FunctionType)
        and (name.startswith(("check_", "_check_")) or name in ("milestone", "open_milestone"))
    ),
    plan_workflow.check_event,
    plan_workflow._check_once,
    permissions.check_permitted,
    permissions.check_agency,
]


def _refusal(case: Callable[[], object]) -> tuple[str, tuple[str, int]]:
    """The refusal's sentence and where it was raised."""
    with pytest.raises(ValueError) as raised:
        case()
    frame = traceback.extract_tb(raised.value.__traceback__)[-1]
    return str(raised.value), (str(Path(frame.filename).resolve()), frame.lineno or 0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_refusal_is_said_in_vietnamese(name: str) -> None:
    sentence, _ = _refusal(CASES[name])
    said = refusal_words.known(sentence)
    assert said is not None, f"no Vietnamese for: {sentence}"
    assert not foreign_in_text(said), f"{sentence} -> {said}: {foreign_in_text(said)}"


def _raises(function: Callable[..., None]) -> set[tuple[str, int]]:
    """Where `function` raises: the line of each `raise` statement in its source."""
    source, first = inspect.getsourcelines(function)
    tree = ast.parse("".join(line[len(source[0]) - len(source[0].lstrip()) :] for line in source))
    path = str(Path(inspect.getfile(function)).resolve())
    return {
        (path, first + node.lineno - 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise) and node.exc is not None
    }


def test_every_raise_of_the_checks_has_a_case() -> None:
    reached = {_refusal(case)[1] for case in CASES.values()}
    sites = set().union(*(_raises(function) for function in CHECKS))
    missed = sorted(sites - reached)
    assert len(sites) >= 40  # the checks read as they are: a wrong reading finds none
    assert not missed, f"raises no case reaches: {missed}"
