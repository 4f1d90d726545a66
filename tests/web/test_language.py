"""Every page in Vietnamese: the walk goes through every page each person opens (the
coordinator, the leadership, a unit by its link, a visitor not signed in), with a task in every
state and the message each form leaves, and fails on an English sentence, a raw code or an ISO
date in what is shown (tests/support/language.py says how each is told)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from models.statuses import MilestoneStatus
from models.tables import NotificationLog, NotificationStatus, ReceivedReply, ReplyState
from models.workflow_messages import HistoryEntry
from plan_import import read_plan
from plan_import.units import load_unit_directory
from settings import DATA_DIR
from storage.db import session_scope
from storage.plans import store_plan
from tests.support.language import foreign
from tests.web.conftest import COORDINATOR, LEADERSHIP, PDF, PLAN_KEY, Site, form_csrf
from tests.web.test_pages import sign_in_form
from web.tracking import Tracking

PLAN = f"/plans/{PLAN_KEY}"
# A page that says everything the issue found wrong, each in its own line.
BAD_PAGE = """<html><body><main>
<p>Không đọc được: the year 2023 is too far from the plan's year 2026</p>
<p>khởi động muộn</p><td>started late: 47 step(s) had passed, not sent</td>
<p>Chờ sự kiện <code>ubnd-tinh-ban-hanh</code></p>
<p>Đơn vị: van-phong</p>
<td>catch_up</td><td>done_late</td>
<p>Kênh: outbox://</p>
<p>đến 2026-12-22</p>
<p>lúc 2026-02-27T10:00:00+00:00</p>
<p>{"detail":"Not Found"}</p>
</main></body></html>"""


def test_the_detector_finds_each_kind_of_foreign_text_and_passes_vietnamese() -> None:
    found = foreign(BAD_PAGE)
    kinds = {(f.what, f.found) for f in found}
    assert ("code", "ubnd-tinh-ban-hanh") in kinds
    assert ("code", "van-phong") in kinds
    assert ("code", "catch_up") in kinds and ("code", "done_late") in kinds
    assert ("address", "outbox://") in kinds
    assert ("iso date", "2026-12-22") in kinds and ("iso date", "2026-02-27") in kinds
    assert ("json", '{"detail":') in kinds
    english = [f.found for f in found if f.what == "english"]
    assert english == [
        "the year is too far from the plan year",
        "started late step had not sent",
        "late",
        "detail Not Found",
    ]
    good = """<html><head><script>var a = "the-thing";</script></head><body>
    <p title="Quá hạn: 3">Đã gia hạn mốc 1 đến 15/01/2024. Số 12/KH-SNV, lúc 17:00.</p>
    <p>Tải tệp PDF, Word hoặc Excel; đường dẫn bắt đầu bằng https://</p>
    <details data-technical><summary>chi tiết lỗi</summary>SMTP said: the mailbox is full</details>
    </body></html>"""
    assert foreign(good) == []


def _visit(
    client: TestClient, path: str, pages: dict[str, str], who: str, status: int = 200
) -> str:
    answer = client.get(path)
    assert answer.status_code == status, (who, path, answer.status_code)
    text: str = answer.text
    pages[f"{who} {path}"] = text
    return text


def _rows(page: str) -> list[tuple[str, str, str]]:
    return re.findall(r'data-task="([^"]+)" data-milestone="([^"]*)" data-state="(\w+)"', page)


def _as_the_engine_wrote_them(site: Site) -> None:
    """What the engine leaves behind that a page shows: messages sent and failed (their kind,
    channel and the channel's answer) and a task's history, in the engine's own words."""
    with session_scope(site.settings.resolved_database_url()) as session:
        for n, (kind, status, channel, answer) in enumerate(
            (
                ("catch_up", NotificationStatus.SENT, "outbox://", "delivered"),
                ("evidence_received", NotificationStatus.SENT, "mailtos://…", "delivered"),
                ("reminder", NotificationStatus.FAILED, "mailto://…", "SMTP: mailbox full"),
                ("clock_started", NotificationStatus.QUEUED, "", ""),
            )
        ):
            session.add(
                NotificationLog(
                    key=f"walk-{n}",
                    workflow_id=f"task-{PLAN_KEY}-II.3",
                    task_code="II.3",
                    milestone_key="1",
                    kind=kind,
                    unit_code="van-phong",
                    scheduled_at=site.now,
                    status=status,
                    channel=channel,
                    attempts=1,
                    answer=answer,
                    created_at=site.now,
                    updated_at=site.now,
                    plan_key=PLAN_KEY,
                    sent_at=site.now if status is NotificationStatus.SENT else None,
                )
            )
    history = [
        HistoryEntry(site.now, "started", detail="Tháng 3/2023"),
        HistoryEntry(site.now, "delivery_failed", "1", detail="SMTP: the mailbox is full"),
        HistoryEntry(
            site.now, "caught_up", "1", detail="started late: 47 step(s) had passed, not sent"
        ),
        HistoryEntry(site.now, "overdue", "1", detail=f"due {site.now.isoformat()}"),
        HistoryEntry(
            site.now,
            "extension_granted",
            "1",
            ["cchc-vtlt"],
            detail=f"from {site.now.isoformat()} to {site.now.isoformat()}: chờ",
        ),
        HistoryEntry(
            site.now, "reassigned", to=["phong-ccvc"], detail="from van-phong by cchc-vtlt: đổi"
        ),
    ]

    async def task_history(plan_key: str, task_code: str) -> list[HistoryEntry]:
        return history

    site.engine.task_history = task_history  # type: ignore[method-assign]


@pytest.fixture
def walked(site: Site) -> dict[str, str]:
    """Every page each person opens, and the page each of their forms leads back to."""
    pages: dict[str, str] = {}
    _as_the_engine_wrote_them(site)

    # A unit by its link: its page, each form, a delivery, a request for more time.
    office = site.browser()
    office.get(f"/u/{site.link('van-phong')}")
    own = _visit(office, "/unit", pages, "unit")
    forms = [(t, m) for t, m, _s in _rows(own) if m]
    for task, key in forms:
        _visit(office, f"{PLAN}/tasks/{task}/milestones/{key}/evidence", pages, "unit")
    evidence = f"{PLAN}/tasks/II.3/milestones/1/evidence"
    token = form_csrf(office.get(evidence).text)
    sent = office.post(
        evidence,
        data={"csrf": token, "document_number": "12/KH-VP", "document_date": "2023-03-17"},
        files={"file": ("bao-cao.pdf", PDF, "application/pdf")},
    )
    pages["unit evidence sent"] = sent.text
    asked_path = f"{PLAN}/tasks/II.4/milestones/1/evidence"
    overdue = [(t, m) for t, m, s in _rows(own) if s == "overdue"]
    if overdue:
        asked_path = f"{PLAN}/tasks/{overdue[0][0]}/milestones/{overdue[0][1]}/evidence"
    asked = office.post(
        asked_path.replace("/evidence", "/extension-request"),
        data={"csrf": token, "until": "2023-04-28", "reason": "chờ số liệu"},
    )
    pages["unit extension asked"] = asked.text
    refused = office.post(
        evidence,
        data={"csrf": token, "document_number": "1"},
        files={"file": ("a.pdf", b"not a pdf", "application/pdf")},
    )
    pages["unit refused"] = refused.text
    _visit(office, "/unit", pages, "unit after")

    # Tasks in the states the morning of the site has not reached.
    site.engine._set_status("I.1", "1", MilestoneStatus.DONE_LATE)
    site.engine._set_status("VII.8", "1", MilestoneStatus.ENDED)
    site.engine._set_status("VII.2", "1", MilestoneStatus.CANCELLED)

    # A plan imported and not started yet (its tasks "chưa khởi động"), run for another year.
    directory = load_unit_directory(DATA_DIR / "units.yaml")
    later = read_plan(site.settings.plan_file, year=2026, directory=directory)
    with session_scope(site.settings.resolved_database_url()) as session:
        store_plan(session, imported=later, directory=directory)

    # The coordinator: every page, each task, each event's preview, and each form.
    coordinator = site.browser()
    sign_in_form(coordinator, *COORDINATOR)
    for path in (f"/plans/{later.key}", f"/plans/{later.key}/tasks/III.1"):
        _visit(coordinator, path, pages, "coordinator")
    # A reply refused for a task (replies/): its page and the task's history say it.
    with session_scope(site.settings.resolved_database_url()) as session:
        session.add(
            ReceivedReply(
                channel="email",
                message_key="<thu-1@donvi.vn>",
                sender="la@ngoai.vn",
                received_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
                updated_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
                state=ReplyState.REFUSED,
                reason="địa chỉ gửi la@ngoai.vn không có trong danh bạ liên lạc của đơn vị",
                plan_key=PLAN_KEY,
                task_code="I.1",
                milestone_key="1",
                details={"document_number": "15/KH-SNV", "text": "Gửi minh chứng"},
            )
        )
    for path in ("/", "/overview", "/units", "/import", "/account/password", PLAN, "/replies"):
        _visit(coordinator, path, pages, "coordinator")
    dashboard = pages[f"coordinator {PLAN}"]
    states = sorted({s for _t, _m, s in _rows(dashboard)})
    for state in states:
        _visit(coordinator, f"{PLAN}?state={state}", pages, "coordinator")
    tasks = sorted({t for t, _m, _s in _rows(dashboard)})
    tasks += [
        t
        for page in range(2, 6)
        for t, _m, _s in _rows(coordinator.get(f"{PLAN}?page={page}").text)
    ]
    for task in sorted(set(tasks)):
        _visit(coordinator, f"{PLAN}/tasks/{task}", pages, "coordinator")
    events = _visit(coordinator, f"{PLAN}/events", pages, "coordinator")
    for key in re.findall(r'<option value="([^"]+)"', events):
        _visit(coordinator, f"{PLAN}/events?key={key}&occurred_on=2023-03-15", pages, "coordinator")
    task = f"{PLAN}/tasks/II.3"
    csrf = form_csrf(coordinator.get(task).text)
    for name, path, data in (
        ("reject", f"{task}/milestones/1/review", {"decision": "reject", "reason": "thiếu dấu"}),
        (
            "grant, next year",
            f"{task}/milestones/1/extension",
            {"decision": "grant", "until": "2024-01-15", "reason": "chờ"},
        ),
        (
            "grant",
            f"{task}/milestones/1/extension",
            {"decision": "grant", "until": "2023-04-28", "reason": "chờ"},
        ),
        (
            "reassign",
            f"{PLAN}/tasks/VI.2/reassign",
            {"lead_units": ["phong-ccvc"], "reason": "đổi"},
        ),
        (
            "carry over",
            f"{PLAN}/tasks/VII.8/close",
            {"outcome": "carry_over", "reason": "sang năm"},
        ),
        ("event", f"{PLAN}/events", {"key": "ubnd-tinh-ban-hanh", "occurred_on": "2023-03-15"}),
        (
            "password",
            "/account/password",
            {"current": "x", "new": "mot-mat-khau-moi", "again": "khac-hoan-toan"},
        ),
    ):
        pages[f"coordinator after {name}"] = coordinator.post(
            path, data={"csrf": csrf, **data}
        ).text
    pages["coordinator after link"] = coordinator.post(
        "/units/van-phong/link", data={"csrf": csrf, "revoke_old": "1"}
    ).text
    # The import page with a plan read: its report and the preview of its milestones.
    plan_file = site.settings.plan_file
    report = coordinator.post(
        "/import",
        data={"csrf": csrf, "year": "2026"},
        files={"file": (plan_file.name, plan_file.read_bytes(), "text/plain")},
    ).text
    pages["coordinator import"] = report
    start = re.search(r'action="(/import/\w+/start)"', report)
    assert start is not None, "the plan can be started"
    pages["coordinator import started"] = coordinator.post(
        start.group(1), data={"csrf": csrf, "year": "2026"}
    ).text
    assert "Đã khởi động kế hoạch Cải cách hành chính" in pages["coordinator import started"]
    site.engine.refuse_with = "milestone '1' is already closed (done_late)"
    pages["coordinator engine refusal"] = coordinator.post(
        f"{task}/milestones/1/review", data={"csrf": csrf, "decision": "accept", "reason": ""}
    ).text
    site.engine.refuse_with = None
    _visit(coordinator, task, pages, "coordinator after")

    # The leadership reads.
    leadership = site.browser()
    sign_in_form(leadership, *LEADERSHIP)
    for path in ("/", "/overview", PLAN, f"{PLAN}/tasks/II.3", f"{PLAN}/tasks/VI.2"):
        _visit(leadership, path, pages, "leadership")

    # Nobody signed in.
    stranger = site.browser()
    _visit(stranger, "/login", pages, "stranger")
    _visit(stranger, evidence, pages, "stranger", status=401)  # the page that asks for the link
    return pages


def test_every_page_is_in_vietnamese(walked: dict[str, str]) -> None:
    assert len(walked) > 60  # the walk went everywhere (32 tasks, 9 events, each role)
    rows = {state for page in walked.values() for _t, _m, state in _rows(page)}
    assert rows == {t.value for t in Tracking}, "a task in every state"
    # It read what the engine wrote, said in Vietnamese.
    task = walked[f"coordinator {PLAN}/tasks/II.3"]
    for said in (
        "khởi động muộn: 47 bước đã qua thời điểm gửi, không gửi bù",
        "hạn 20/03/2023 10:00",
        "trước đây Văn phòng Sở",
        "Báo bù các bước đã lỡ",
        "lưu vào tệp (chạy thử)",
        "thư điện tử",
    ):
        assert said in task, said
    wrong = {where: [str(f) for f in foreign(page)] for where, page in walked.items()}
    wrong = {where: found for where, found in wrong.items() if found}
    assert not wrong, "\n".join(f"{w}:\n  " + "\n  ".join(f[:8]) for w, f in wrong.items())


def test_a_plan_written_for_2023_and_run_for_2026_is_titled_and_read_in_2026(site: Site) -> None:
    directory = load_unit_directory(DATA_DIR / "units.yaml")
    imported = read_plan(site.settings.plan_file, year=2026, directory=directory)
    with session_scope(site.settings.resolved_database_url()) as session:
        store_plan(session, imported=imported, directory=directory)
    assert imported.key != PLAN_KEY and imported.title.endswith("năm 2023")
    coordinator = site.browser()
    sign_in_form(coordinator, *COORDINATOR)
    board = coordinator.get(f"/plans/{imported.key}").text
    assert "Cải cách hành chính Sở Nội vụ năm 2026</h1>" in board
    assert "<title>Cải cách hành chính Sở Nội vụ năm 2026 – Nhắc hạn</title>" in board
    # A deadline the importer moved to 2026 ("Tháng 3/2023" becomes March 2026) reads again.
    task = coordinator.get(f"/plans/{imported.key}/tasks/II.3").text
    assert "Không đọc được" not in task and "31/03/2026" in task
