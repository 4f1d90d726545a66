"""Who may do what: every refusal of `control.permissions`, each in one line."""

import pytest

from control.permissions import (
    COORDINATOR_ACTIONS,
    Action,
    Actor,
    NotPermitted,
    TaskAccess,
    check_permitted,
    unit_actor,
)
from models.statuses import MilestoneStatus
from models.tables import UnitRole
from plan_import.units import UnknownUnit, load_unit_directory
from settings import get_settings

UNIT = Actor("van-phong", UnitRole.UNIT)
OTHER_UNIT = Actor("ttlt", UnitRole.UNIT)
COORDINATOR = Actor("cchc-vtlt", UnitRole.COORDINATOR)
PERSON = Actor("nguyen.van.a", UnitRole.COORDINATOR)
LEADERSHIP = Actor("lanh-dao", UnitRole.LEADERSHIP)
TASK = TaskAccess(
    task_code="I.1",
    lead_units=("van-phong",),
    open_milestones=frozenset({"2"}),
    milestone_statuses=(("1", MilestoneStatus.DONE_ON_TIME), ("2", MilestoneStatus.OVERDUE)),
)


def refusal(actor: Actor, action: Action, **kwargs: object) -> str:
    with pytest.raises(NotPermitted) as raised:
        check_permitted(actor, action, **kwargs)  # type: ignore[arg-type]
    message = str(raised.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("action", sorted(COORDINATOR_ACTIONS))
def test_a_unit_may_not_decide(action: Action) -> None:
    assert "only the coordinator does" in refusal(UNIT, action, task=TASK)


@pytest.mark.parametrize("action", [a for a in Action if a is not Action.READ])
def test_the_leadership_only_reads(action: Action) -> None:
    message = refusal(LEADERSHIP, action, task=TASK)
    assert message.startswith("lanh-dao (leadership) may not ")
    assert "the leadership reads, it does not act" in message


@pytest.mark.parametrize("actor", [UNIT, OTHER_UNIT, COORDINATOR, LEADERSHIP])
def test_everyone_reads(actor: Actor) -> None:
    check_permitted(actor, Action.READ, TASK)


@pytest.mark.parametrize("action", [Action.SUBMIT_EVIDENCE, Action.REQUEST_EXTENSION])
def test_a_unit_acts_for_itself_on_its_own_open_milestones(action: Action) -> None:
    check_permitted(UNIT, action, TASK, milestone_key="2")
    check_permitted(UNIT, action, TASK, for_unit="van-phong", milestone_key="2")
    assert refusal(UNIT, action, task=TASK, for_unit="ttlt").endswith(
        "for ttlt: a unit acts only for itself"
    )
    # Checked before anything is asked of the engine: the role alone.
    assert "a unit acts only for itself" in refusal(UNIT, action, for_unit="ttlt")
    words = "deliver evidence" if action is Action.SUBMIT_EVIDENCE else "ask for an extension"
    assert refusal(OTHER_UNIT, action, task=TASK) == (
        f"ttlt may not {words} on task I.1: its lead is van-phong"
    )
    assert refusal(UNIT, action, task=TASK, milestone_key="1").endswith(
        "on milestone '1' of task I.1: it is closed (done_on_time)"
    )
    assert "task I.1 has no milestone '9' (its milestones: 1, 2)" in refusal(
        UNIT, action, task=TASK, milestone_key="9"
    )


def test_the_coordinator_delivers_for_a_unit_only_by_naming_it() -> None:
    check_permitted(COORDINATOR, Action.SUBMIT_EVIDENCE, TASK, for_unit="van-phong")
    check_permitted(PERSON, Action.REQUEST_EXTENSION, TASK, for_unit="van-phong")
    assert refusal(COORDINATOR, Action.SUBMIT_EVIDENCE, task=TASK).endswith(
        "its lead is van-phong: name the lead unit it is done for"
    )
    assert "its lead is van-phong" in refusal(
        COORDINATOR, Action.SUBMIT_EVIDENCE, task=TASK, for_unit="ttlt"
    )
    # A coordinator that leads the task itself delivers as itself.
    own = TaskAccess.led_by("I.7", ["cchc-vtlt"])
    check_permitted(COORDINATOR, Action.SUBMIT_EVIDENCE, own)


@pytest.mark.parametrize("action", sorted(COORDINATOR_ACTIONS))
def test_the_coordinator_decides_on_any_task(action: Action) -> None:
    check_permitted(COORDINATOR, action, TASK)
    check_permitted(PERSON, action)


def test_milestones_not_known_yet_are_left_to_the_workflow() -> None:
    starting = TaskAccess.led_by("I.1", ["van-phong"])
    check_permitted(UNIT, Action.SUBMIT_EVIDENCE, starting, milestone_key="1")


def test_the_command_line_acts_as_the_unit_directory_says() -> None:
    directory = load_unit_directory(get_settings().units_file)
    assert unit_actor(directory, "Phòng CCHC-VTLT") == COORDINATOR
    assert unit_actor(directory, "lanh-dao") == LEADERSHIP
    assert unit_actor(directory, "VP Sở") == UNIT
    with pytest.raises(UnknownUnit):
        unit_actor(directory, "Phòng không có")
