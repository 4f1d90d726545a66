"""The report drafts of the first quarter, six months, nine months and the year, read back from
the .docx: each milestone in the state it was in on the period's data cut-off (14/03, 14/06,
14/09, 14/12), from a year of records made at their own instants; the status table (.xlsx)
with the evidence that counts, every typed value a string and never a formula."""

from __future__ import annotations

import io
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from deadlines.local_time import local_instant
from models.payloads import MessageKind
from models.statuses import MilestoneStatus
from models.tables import (
    Event,
    Evidence,
    EvidenceReview,
    Milestone,
    NotificationLog,
    Plan,
    Task,
)
from models.workflow_messages import EvidenceRecord, EvidenceSubmission
from notifications.requests import RequestDetails
from storage.db import session_scope
from storage.progress import bump_projection_version, save_evidence
from tests.web.conftest import COORDINATOR, PLAN_KEY, RecordingEngine, sign_in, site_settings
from web.app import create_app

# The report drafts are made in January of the next year: every period's cut-off has passed.
TODAY = datetime(2024, 1, 10, 3, 0, tzinfo=UTC)
FORMULA = '=HYPERLINK("http://evil.example/?x","Bấm vào đây")'
PERIODS = {
    "q1": ("QUÝ I NĂM 2023", "14/03/2023"),
    "h1": ("6 THÁNG ĐẦU NĂM 2023", "14/06/2023"),
    "q3": ("9 THÁNG ĐẦU NĂM 2023", "14/09/2023"),
    "year": ("NĂM 2023", "14/12/2023"),
}
IN_TIME, SOON, LATE = "Đang thực hiện trong hạn", "Sắp đến hạn", "Quá hạn"
DONE, DONE_LATE = "Hoàn thành đúng hạn", "Hoàn thành quá hạn"
WAITING, CANCELLED = "Chờ sự kiện", "Đã hủy / chuyển năm sau"
# What each report must say of these milestones, (task, the label's text or "") -> state by
# period: the year's story below, told as of each cut-off.
EXPECTED = {
    # Due 28/04, delivered 10/05.
    ("VI.2", ""): (IN_TIME, DONE_LATE, DONE_LATE, DONE_LATE),
    # Due 31/05: delivered 20/05 and rejected, delivered again 25/05.
    ("VII.2", ""): (IN_TIME, DONE, DONE, DONE),
    # Due 31/03: delivered 28/03, rejected 30/03, never again.
    ("II.3", ""): (IN_TIME, LATE, LATE, LATE),
    # Due 28/02, extended on 20/03 to 30/06.
    ("II.2", ""): (LATE, IN_TIME, LATE, LATE),
    # Waits for the province's decision, recorded on 20/06 (its clock: to 31/07).
    ("I.2", ""): (WAITING, WAITING, LATE, LATE),
    # Due 31/08, cancelled on 03/07.
    ("VII.8", ""): (IN_TIME, IN_TIME, CANCELLED, CANCELLED),
    # Due 30/11, delivered 25/11.
    ("I.5", ""): (IN_TIME, IN_TIME, IN_TIME, DONE),
    # The quarterly report, due 16/03 and delivered that day: due soon on 14/03.
    ("I.7", "quý I/2023"): (SOON, DONE, DONE, DONE),
    # Never started by the engine.
    ("VII.5", ""): ("Chưa khởi động",) * 4,
}  # fmt: skip


def at(day: date, hour: int = 9) -> datetime:
    return local_instant(day, time(hour, 0))


def _milestone(session: Session, task_code: str, key: str) -> Milestone:
    return session.exec(
        select(Milestone)
        .join(Task)
        .join(Plan)
        .where(Plan.key == PLAN_KEY, Task.code == task_code, Milestone.key == key)
    ).one()


def _project(
    session: Session,
    task_code: str,
    key: str,
    status: MilestoneStatus,
    *,
    due: datetime | None = None,
    closed: datetime | None = None,
) -> None:
    """The projection as the engine left it by TODAY."""
    milestone = _milestone(session, task_code, key)
    milestone.status = status
    if due is not None:
        milestone.due_at = due
    milestone.closed_at = closed
    session.add(milestone)


def _deliver(
    session: Session, task_code: str, key: str, when: datetime, number: str, on_time: bool
) -> Evidence:
    submission = EvidenceSubmission(key, "van-phong", number, when.date())
    save_evidence(session, record=EvidenceRecord(PLAN_KEY, task_code, submission, when, on_time))
    session.flush()
    return session.exec(
        select(Evidence).where(Evidence.document_number == number, Evidence.submitted_at == when)
    ).one()


def _told(
    session: Session,
    task_code: str,
    key: str,
    kind: MessageKind,
    when: datetime,
    *,
    due: datetime | None = None,
    previous_due: datetime | None = None,
) -> None:
    """The engine's message of a decision, as its notification log keeps it (one per unit)."""
    details = RequestDetails(plan_key=PLAN_KEY, due_at=due, previous_due_at=previous_due)
    for unit in ("van-phong", "cchc-vtlt"):
        session.add(
            NotificationLog(
                key=f"{task_code}/{key}/{kind.value}/{when.isoformat()}|{unit}",
                workflow_id=f"task-{task_code}",
                task_code=task_code,
                milestone_key=key,
                kind=kind,
                unit_code=unit,
                scheduled_at=when,
                created_at=when,
                updated_at=when,
                plan_key=PLAN_KEY,
                details=details.model_dump(mode="json"),
            )
        )


def the_year(session: Session) -> None:
    plan = session.exec(select(Plan).where(Plan.key == PLAN_KEY)).one()
    assert plan.id is not None
    # VI.2: due 28/04, delivered late on 10/05; its number is a formula.
    _deliver(session, "VI.2", "1", at(date(2023, 5, 10)), FORMULA, False)
    _project(session, "VI.2", "1", MilestoneStatus.DONE_LATE, closed=at(date(2023, 5, 10)))
    # VII.2: delivered 20/05, rejected 22/05 (by the coordinator on the web), delivered 25/05.
    rejected = _deliver(session, "VII.2", "1", at(date(2023, 5, 20)), "99/TRA-LAI", True)
    assert rejected.id is not None
    session.add(
        EvidenceReview(
            evidence_id=rejected.id, decision="rejected", reason="Thiếu", by="dieuphoi",
            at=at(date(2023, 5, 22)),
        )
    )  # fmt: skip
    _told(session, "VII.2", "1", MessageKind.EVIDENCE_REJECTED, at(date(2023, 5, 22)))
    _deliver(session, "VII.2", "1", at(date(2023, 5, 25)), "45/BC-VP", True)
    _project(session, "VII.2", "1", MilestoneStatus.DONE_ON_TIME, closed=at(date(2023, 5, 25)))
    # II.3: delivered 28/03, rejected 30/03 (from the command line: the engine's message only).
    _deliver(session, "II.3", "1", at(date(2023, 3, 28)), "01/KHONG-DAT", True)
    _told(session, "II.3", "1", MessageKind.EVIDENCE_REJECTED, at(date(2023, 3, 30)))
    _project(session, "II.3", "1", MilestoneStatus.OVERDUE)
    # II.2: due 28/02, extended on 20/03 to 30/06, never delivered.
    original = _milestone(session, "II.2", "1").due_at
    extended = local_instant(date(2023, 6, 30), time(17, 0))
    _told(
        session, "II.2", "1", MessageKind.EXTENSION_GRANTED, at(date(2023, 3, 20)),
        due=extended, previous_due=original,
    )  # fmt: skip
    _project(session, "II.2", "1", MilestoneStatus.OVERDUE, due=extended)
    # I.2: the province's decision of 15/06, recorded on 20/06: due 31/07.
    session.add(
        Event(
            plan_id=plan.id, key="ubnd-tinh-ban-hanh", occurred_on=date(2023, 6, 15),
            recorded_at=at(date(2023, 6, 20)),
        )
    )  # fmt: skip
    _project(
        session, "I.2", "1", MilestoneStatus.OVERDUE, due=local_instant(date(2023, 7, 31), time(17))
    )
    # VII.8: cancelled on 03/07.
    _project(session, "VII.8", "1", MilestoneStatus.CANCELLED, closed=at(date(2023, 7, 3)))
    # I.5: due 30/11, delivered 25/11.
    _deliver(session, "I.5", "1", at(date(2023, 11, 25)), "77/BC", True)
    _project(session, "I.5", "1", MilestoneStatus.DONE_ON_TIME, closed=at(date(2023, 11, 25)))
    # I.7's quarterly report: delivered on its due day, 16/03.
    _deliver(session, "I.7", "2023-Q1", at(date(2023, 3, 16)), "12/BC-Q1", True)
    _project(session, "I.7", "2023-Q1", MilestoneStatus.DONE_ON_TIME, closed=at(date(2023, 3, 16)))
    # VII.5: the engine never started it.
    task = session.exec(select(Task).where(Task.plan_id == plan.id, Task.code == "VII.5")).one()
    for milestone in session.exec(select(Milestone).where(Milestone.task_id == task.id)):
        session.delete(milestone)
    task.status = None
    session.add(task)
    bump_projection_version(session, plan_id=plan.id)


@pytest.fixture
def coordinator(tmp_path: object, site_database: object) -> Iterator[TestClient]:
    from pathlib import Path

    assert isinstance(tmp_path, Path) and isinstance(site_database, Path)
    shutil.copy(site_database, tmp_path / "nhachan.db")
    settings = site_settings(tmp_path)
    with session_scope(settings.resolved_database_url()) as session:
        the_year(session)
    engine = RecordingEngine(settings, lambda: TODAY)
    app = create_app(settings, clock=lambda: TODAY, engine=engine)
    with TestClient(app, base_url="http://testserver") as client:
        sign_in(client, *COORDINATOR)
        yield client


def report_rows(document: object) -> list[list[str]]:
    """[milestone, lead, due, state, note] of every milestone the sections list; the first
    column reads "code. title (label)"."""
    return [
        [cell.text for cell in row.cells]
        for table in document.tables[1:]  # type: ignore[attr-defined]
        for row in table.rows[1:]
    ]


def line(rows: list[list[str]], code: str, label: str = "") -> list[str]:
    """[lead, due, state, note] of the task's milestone (of that label)."""
    found = [
        cells[1:]
        for cells in rows
        if cells[0].startswith(f"{code}. ") and cells[0].endswith(f"({label})" if label else "")
    ]
    assert len(found) == 1, (code, label, found)
    return found[0]


def test_each_report_shows_each_milestone_as_it_stood_on_its_cutoff(
    coordinator: TestClient,
) -> None:
    for index, (period, (title, cutoff)) in enumerate(PERIODS.items()):
        answer = coordinator.get(f"/plans/{PLAN_KEY}/export/report.docx", params={"period": period})
        assert answer.status_code == 200, answer.text
        document = Document(io.BytesIO(answer.content))
        text = "\n".join(p.text for p in document.paragraphs)
        assert document.paragraphs[0].text == (
            f"BÁO CÁO KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH {title}"
        )
        assert "NĂM NĂM" not in text
        assert f"Số liệu tính đến ngày {cutoff}" in text
        rows = report_rows(document)
        for (code, label), states in EXPECTED.items():
            assert line(rows, code, label)[2] == states[index], (period, code, label)
        # The summary counts the milestones the sections list, state by state.
        summary = {r.cells[0].text: int(r.cells[1].text) for r in document.tables[0].rows[1:]}
        assert summary == dict(Counter(cells[3] for cells in rows))
        # Evidence the coordinator rejected is nowhere; what counted by then is there.
        everything = text + "".join(c.text for t in document.tables for c in t._cells)
        assert "99/TRA-LAI" not in everything and "01/KHONG-DAT" not in everything
        assert ("45/BC-VP" in line(rows, "VII.2")[3]) is (period != "q1")
        # The VI.2 document number, as typed: text in a report too.
        assert (FORMULA in line(rows, "VI.2")[3]) is (period != "q1")
    # Overdue on 14/03 by the due date it had then (28/02), not the one extended later.
    q1 = Document(
        io.BytesIO(
            coordinator.get(
                f"/plans/{PLAN_KEY}/export/report.docx", params={"period": "q1"}
            ).content
        )
    )
    ii2 = line(report_rows(q1), "II.2")
    assert ii2[1] == "28/02/2023" and ii2[3] == "Chậm 14 ngày"


def test_an_unknown_period_is_refused(coordinator: TestClient) -> None:
    answer = coordinator.get(f"/plans/{PLAN_KEY}/export/report.docx", params={"period": "q2"})
    assert answer.status_code == 400


def test_the_status_table_keeps_typed_values_as_text_and_only_evidence_that_counts(
    coordinator: TestClient,
) -> None:
    answer = coordinator.get(f"/plans/{PLAN_KEY}/export/status.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    rows = {(r[2].value, r[7].value): r for r in sheet.iter_rows(min_row=4)}
    number = rows[("VI.2", "1")][11]
    assert number.value == FORMULA and number.data_type == "s"
    assert rows[("VII.2", "1")][11].value == "45/BC-VP"
    assert rows[("II.3", "1")][11].value is None  # its only evidence was rejected
    assert rows[("II.3", "1")][9].value == "Quá hạn"
    formulas = [c.coordinate for r in sheet.iter_rows() for c in r if c.data_type == "f"]
    assert formulas == []
