"""A whole year of the seed plan on the time-skipping server, with the real workflows and
activities: events on given days, evidence on time and late, IV.1 never done.

Every instant below was worked out by hand from the 2023 calendar and the default policy
(reminders 10, 5, 2 working days before and on the due day at 08:00; escalation to the
coordinator and the lead on the first working day after, to the leadership on the fifth, then
weekly; after-event deadlines 20 working days after the event). Days off in 2023 that matter:
Tết 20–26/01, Hùng Kings and 30/4–1/5 moved to 29/04–03/05, National Day 01–04/09.
"""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, create_engine, select

from deadlines.local_time import local_iso
from models.tables import Event, Evidence, Milestone, Plan, Task
from settings import PROJECT_ROOT, get_settings
from simulation.run import SimulationResult, simulate
from simulation.scenario import load_scenario
from tests.engine.conftest import run_async

SEED = PROJECT_ROOT / "data" / "plans" / "snv-binh-dinh-cchc-2023.txt"
SCENARIO = Path(__file__).parent / "data" / "year-2023.yaml"
ALL_BUT_OFFICE = ["phong-tcbc", "phong-ccvc", "cchc-vtlt", "ban-ton-giao", "ban-tdkt", "ttlt"]
ALL_BUT_COORDINATOR = ["van-phong", "phong-tcbc", "phong-ccvc", "ban-ton-giao", "ban-tdkt", "ttlt"]


@pytest.fixture(scope="module")
def year() -> Iterator[SimulationResult]:
    yield run_async(
        simulate(
            SEED,
            start=date(2023, 1, 1),
            end=date(2023, 12, 31),
            scenario=load_scenario(SCENARIO),
            settings=get_settings(),
        )
    )


def timeline_of(result: SimulationResult, task: str) -> list[tuple[str, str, str, list[str]]]:
    return [
        (local_iso(e.at)[:16], e.milestone, e.action, e.to)
        for e in result.timeline
        if e.task == task
    ]


def test_a_task_never_done_climbs_the_ladder_all_year(year: SimulationResult) -> None:
    iv1 = timeline_of(year, "IV.1")  # "Tháng 01/2023": due Tuesday 31/01 17:00, after Tết
    assert iv1[:9] == [
        ("2023-01-10T08:00", "1", "reminder", ["phong-tcbc"]),  # coordinating, first only
        ("2023-01-10T08:00", "1", "reminder", ["van-phong"]),  # 10 working days before
        ("2023-01-17T08:00", "1", "reminder", ["van-phong"]),  # 5
        ("2023-01-27T08:00", "1", "reminder", ["van-phong"]),  # 2
        ("2023-01-31T08:00", "1", "reminder", ["van-phong"]),  # the due day's morning
        ("2023-02-01T08:00", "1", "escalation", ["cchc-vtlt"]),
        ("2023-02-01T08:00", "1", "escalation", ["van-phong"]),
        ("2023-02-07T08:00", "1", "escalation", ["lanh-dao"]),  # 5th working day after
        ("2023-02-14T08:00", "1", "escalation", ["lanh-dao"]),  # then weekly
    ]
    weekly = [at for at, _, action, to in iv1[7:] if to == ["lanh-dao"]]
    assert "2023-05-02T08:00" not in weekly and "2023-05-04T08:00" in weekly  # moved past 2–3/5
    assert "2023-09-05T08:00" in weekly  # 01–04/09 off
    assert weekly[-1] == "2023-12-26T08:00"
    assert len(weekly) == 47
    assert ("IV.1", "overdue") in year.final


def test_evidence_on_time_closes_and_stops_the_reminders(year: SimulationResult) -> None:
    assert timeline_of(year, "II.3") == [  # "Tháng 3/2023": due Friday 31/03 17:00
        ("2023-03-17T08:00", "1", "reminder", ALL_BUT_OFFICE),
        ("2023-03-17T08:00", "1", "reminder", ["van-phong"]),
        ("2023-03-20T09:00", "1", "closing", ["van-phong"]),
    ]
    assert ("II.3", "done") in year.final


def test_an_event_starts_the_clock_and_late_evidence_stops_the_escalations(
    year: SimulationResult,
) -> None:
    i2 = timeline_of(year, "I.2")  # "Sau khi UBND tỉnh ban hành"; the event on 10/03
    assert i2 == [
        ("2023-01-03T08:00", "1", "nudge", ["cchc-vtlt"]),
        ("2023-02-01T08:00", "1", "nudge", ["cchc-vtlt"]),
        ("2023-03-01T08:00", "1", "nudge", ["cchc-vtlt"]),
        # due 20 working days after 10/03: Friday 07/04 17:00
        ("2023-03-24T08:00", "1", "reminder", ALL_BUT_OFFICE),
        ("2023-03-24T08:00", "1", "reminder", ["van-phong"]),
        ("2023-03-31T08:00", "1", "reminder", ["van-phong"]),
        ("2023-04-05T08:00", "1", "reminder", ["van-phong"]),
        ("2023-04-07T08:00", "1", "reminder", ["van-phong"]),
        ("2023-04-10T08:00", "1", "escalation", ["cchc-vtlt"]),
        ("2023-04-10T08:00", "1", "escalation", ["van-phong"]),
        ("2023-04-14T08:00", "1", "escalation", ["lanh-dao"]),
        ("2023-04-17T09:00", "1", "closing", ["van-phong"]),
    ]


def test_the_holidays_of_april_and_may_move_the_ladder(year: SimulationResult) -> None:
    assert timeline_of(year, "VI.2") == [  # "Tháng 4/2023": due Friday 28/04 (29/04–03/05 off)
        ("2023-04-14T08:00", "1", "reminder", ["ttlt"]),
        ("2023-04-21T08:00", "1", "reminder", ["ttlt"]),
        ("2023-04-26T08:00", "1", "reminder", ["ttlt"]),
        ("2023-04-28T08:00", "1", "reminder", ["ttlt"]),
        ("2023-05-04T08:00", "1", "escalation", ["cchc-vtlt"]),
        ("2023-05-04T08:00", "1", "escalation", ["ttlt"]),
        ("2023-05-10T08:00", "1", "escalation", ["lanh-dao"]),
        ("2023-05-10T09:00", "1", "closing", ["ttlt"]),
    ]


def test_an_event_that_carries_its_own_deadline(year: SimulationResult) -> None:
    ii1 = timeline_of(year, "II.1")  # "Theo Kế hoạch của UBND tỉnh"; due 30/06 set by the event
    assert [entry for entry in ii1 if entry[2] == "nudge"] == [
        ("2023-01-03T08:00", "1", "nudge", ["cchc-vtlt"]),
        ("2023-02-01T08:00", "1", "nudge", ["cchc-vtlt"]),
        ("2023-03-01T08:00", "1", "nudge", ["cchc-vtlt"]),
        ("2023-04-03T08:00", "1", "nudge", ["cchc-vtlt"]),
    ]
    assert [entry for entry in ii1 if entry[2] != "nudge"][:8] == [
        ("2023-06-16T08:00", "1", "reminder", ALL_BUT_OFFICE),
        ("2023-06-16T08:00", "1", "reminder", ["van-phong"]),
        ("2023-06-23T08:00", "1", "reminder", ["van-phong"]),
        ("2023-06-28T08:00", "1", "reminder", ["van-phong"]),
        ("2023-06-30T08:00", "1", "reminder", ["van-phong"]),
        ("2023-07-03T08:00", "1", "escalation", ["cchc-vtlt"]),
        ("2023-07-03T08:00", "1", "escalation", ["van-phong"]),
        ("2023-07-07T08:00", "1", "escalation", ["lanh-dao"]),
    ]
    # One event reaches every task waiting on its key.
    assert ("II.4", "overdue") in year.final and ("V.3", "overdue") in year.final


def test_each_occurrence_of_a_recurring_event_is_an_obligation_of_its_own(
    year: SimulationResult,
) -> None:
    occurrence = [e for e in timeline_of(year, "III.2") if e[1] != "1"]
    assert occurrence == [  # the event of 15/05: due 12/06, 20 working days later
        ("2023-05-29T08:00", "1@2023-05-15", "reminder", ALL_BUT_OFFICE),
        ("2023-05-29T08:00", "1@2023-05-15", "reminder", ["van-phong"]),
        ("2023-06-05T08:00", "1@2023-05-15", "reminder", ["van-phong"]),
        ("2023-06-05T09:00", "1@2023-05-15", "closing", ["van-phong"]),
    ]
    # III.3 waits on the same event; its occurrence was never delivered.
    assert ("III.2", "done") in year.final and ("III.3", "overdue") in year.final


def test_a_periodic_report_closes_period_by_period(year: SimulationResult) -> None:
    i7 = timeline_of(year, "I.7")
    q1 = [e for e in i7 if e[1] == "2023-Q1"]
    assert q1 == [  # the units' internal deadline for Q1: Thursday 16/03 17:00
        ("2023-03-02T08:00", "2023-Q1", "reminder", ALL_BUT_COORDINATOR),
        ("2023-03-02T08:00", "2023-Q1", "reminder", ["cchc-vtlt"]),
        ("2023-03-09T08:00", "2023-Q1", "reminder", ["cchc-vtlt"]),
        ("2023-03-13T09:00", "2023-Q1", "closing", ["cchc-vtlt"]),
    ]
    h1 = [e for e in i7 if e[1] == "2023-H1"]
    assert h1[:6] == [
        ("2023-06-02T08:00", "2023-H1", "reminder", ALL_BUT_COORDINATOR),
        ("2023-06-02T08:00", "2023-H1", "reminder", ["cchc-vtlt"]),
        ("2023-06-09T08:00", "2023-H1", "reminder", ["cchc-vtlt"]),
        ("2023-06-14T08:00", "2023-H1", "reminder", ["cchc-vtlt"]),
        ("2023-06-16T08:00", "2023-H1", "reminder", ["cchc-vtlt"]),
        ("2023-06-19T08:00", "2023-H1", "escalation", ["cchc-vtlt"]),
    ]


def test_ongoing_work_is_checked_on_each_quarter_and_ends_with_the_year(
    year: SimulationResult,
) -> None:
    assert [e[0] for e in timeline_of(year, "I.3")] == [
        "2023-03-10T08:00",
        "2023-06-12T08:00",
        "2023-09-11T08:00",
        "2023-12-11T08:00",
    ]
    assert {e[2] for e in timeline_of(year, "I.3")} == {"check_in"}
    assert ("I.3", "ended") in year.final


def test_the_final_state_of_every_task(year: SimulationResult) -> None:
    assert dict(year.final) == {
        "I.1": "overdue",  # its part "Thực hiện: cả năm" was never reported
        "I.2": "done",
        "I.3": "ended",
        "I.4": "overdue",
        "I.5": "overdue",
        "I.6": "overdue",
        "I.7": "overdue",
        "II.1": "overdue",
        "II.2": "overdue",
        "II.3": "done",
        "II.4": "overdue",
        "III.1": "overdue",
        "III.2": "done",
        "III.3": "overdue",
        "III.4": "overdue",
        "IV.1": "overdue",
        "V.1": "ended",
        "V.2": "waiting_event",
        "V.3": "overdue",
        "V.4": "waiting_event",
        "V.5": "overdue",
        "VI.1": "overdue",
        "VI.2": "done",
        "VI.3": "overdue",
        "VII.1": "overdue",
        "VII.2": "overdue",
        "VII.3": "waiting_event",
        "VII.4": "waiting_event",
        "VII.5": "ended",
        "VII.6": "waiting_event",
        "VII.7": "waiting_event",
        "VII.8": "overdue",
    }


def test_the_database_keeps_the_record(year: SimulationResult) -> None:
    engine = create_engine(year.database_url)
    with Session(engine) as session:
        plan = session.exec(select(Plan)).one()
        statuses = {
            (task.code, m.key): m.status
            for m, task in session.exec(select(Milestone, Task).join(Task))
        }
        assert statuses[("II.3", "1")] == "done_on_time"
        assert statuses[("I.2", "1")] == "done_late"
        assert statuses[("IV.1", "1")] == "overdue"
        assert statuses[("III.2", "1@2023-05-15")] == "done_on_time"
        assert statuses[("V.2", "1")] == "waiting_event"
        evidence = session.exec(select(Evidence)).all()
        assert sorted((e.milestone_key, e.document_number, e.on_time) for e in evidence) == [
            ("1", "12/KH-SNV", True),
            ("1", "14/TTr-TTLT", False),
            ("1", "25/KH-SNV", True),
            ("1", "88/QĐ-SNV", False),
            ("1@2023-05-15", "20/TTr-SNV", True),
            ("2023-Q1", "45/BC-SNV", True),
        ]
        events = session.exec(select(Event).where(Event.plan_id == plan.id)).all()
        assert sorted(e.key for e in events) == [
            "ke-hoach-cua-ubnd-tinh",
            "ubnd-tinh-ban-hanh",
            "van-ban-qppl-moi-ban-hanh",
        ]
