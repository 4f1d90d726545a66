"""The pages as a browser without JavaScript uses them: forms with their CSRF token, a refusal
shown on the page the person was on, the link in a message opening the unit's form, the
first sign-in's new password, and the files handed out."""

from __future__ import annotations

import io
import re

from docx import Document
from fastapi.testclient import TestClient
from icalendar import Calendar
from openpyxl import load_workbook

from control import accounts, links
from models.tables import UnitRole
from notifications.links import evidence_link
from tests.web.conftest import COORDINATOR, LEADERSHIP, PDF, PLAN_KEY, Site, form_csrf

PLAN = f"/plans/{PLAN_KEY}"


def office_of(site: Site, unit: str) -> TestClient:
    client = site.browser()
    client.get(f"/u/{site.link(unit)}")
    return client


def sign_in_form(client: TestClient, name: str, password: str) -> None:
    token = form_csrf(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"csrf": token, "name": name, "password": password, "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def test_the_link_in_a_message_opens_the_units_form_and_the_evidence_closes_the_milestone(
    site: Site,
) -> None:
    link = links.unit_links(site.settings).signed(
        evidence_link(site.settings.public_url, PLAN_KEY, "II.3", "1"),
        "van-phong",
        issued_at=site.now,
    )
    clerk = site.browser()
    opened = clerk.get(link.removeprefix("http://testserver"), follow_redirects=False)
    # Recognised, and sent on without the token in the address.
    assert opened.status_code == 303
    assert opened.headers["location"] == f"{PLAN}/tasks/II.3/milestones/1/evidence"
    page = clerk.get(opened.headers["location"])
    assert "Gửi minh chứng" in page.text and "Sắp đến hạn" in page.text
    token = form_csrf(page.text)
    sent = clerk.post(
        f"{PLAN}/tasks/II.3/milestones/1/evidence",
        data={"csrf": token, "document_number": "12/KH-SNV", "document_date": "2023-03-17"},
        files={"file": ("ke-hoach.pdf", PDF, "application/pdf")},
    )
    assert "Đã nhận minh chứng" in sent.text and "hoàn thành đúng hạn" in sent.text
    assert site.engine.calls[-1][0] == "submit_evidence"
    # The unit's own page: its tasks only, with the milestone now done.
    own = clerk.get("/unit").text
    assert 'data-task="II.3" data-milestone="1" data-state="done_on_time"' in own
    assert 'data-task="VI.2"' not in own  # Trung tâm lưu trữ's task
    # The plan's link in a digest leads the unit to its own part of the plan.
    assert clerk.get(PLAN, follow_redirects=False).headers["location"] == "/unit"


def test_a_refused_form_says_why_on_the_same_page(site: Site) -> None:
    clerk = site.browser()
    clerk.get(f"/u/{site.link('van-phong')}")
    page = clerk.get(f"{PLAN}/tasks/II.3/milestones/1/evidence")
    sent = clerk.post(
        f"{PLAN}/tasks/II.3/milestones/1/evidence",
        data={"csrf": form_csrf(page.text), "document_number": "1"},
        files={"file": ("a.pdf", b"not a pdf", "application/pdf")},
    )
    assert sent.url.path.endswith("/milestones/1/evidence")
    assert "Chỉ nhận tệp PDF" in sent.text
    forged = clerk.post(
        f"{PLAN}/tasks/II.3/milestones/1/evidence", data={"csrf": "x", "document_number": "1"}
    )
    assert "Biểu mẫu đã hết hiệu lực" in forged.text
    assert site.engine.calls == []


def test_a_link_without_its_token_still_leads_somewhere(site: Site) -> None:
    stranger = site.browser()
    page = stranger.get(f"{PLAN}/tasks/II.3/milestones/1/evidence")
    assert page.status_code == 401 and "đường dẫn riêng của đơn vị" in page.text
    coordinator = site.browser()
    sign_in_form(coordinator, *COORDINATOR)
    there = coordinator.get(f"{PLAN}/tasks/II.3/milestones/1/evidence", follow_redirects=False)
    assert there.headers["location"] == f"{PLAN}/tasks/II.3#m-1"
    # An escalation's link, signed for the coordinator's office, leads to the task's page.
    office = site.browser()
    office.get(f"/u/{site.link('cchc-vtlt')}")
    escalation = office.get(f"{PLAN}/tasks/VI.2/milestones/1/evidence", follow_redirects=False)
    assert escalation.headers["location"] == f"{PLAN}/tasks/VI.2#m-1"
    # Another unit's link shows nothing of the task.
    assert "không do đơn vị của bạn" in (
        office_of(site, "ban-tdkt").get(f"{PLAN}/tasks/VI.2/milestones/1/evidence").text
    )


def test_the_dashboard_counts_filters_and_pages(site: Site) -> None:
    viewer = site.browser()
    assert viewer.get(PLAN, follow_redirects=False).headers["location"].startswith("/login")
    sign_in_form(viewer, *LEADERSHIP)
    page = viewer.get(PLAN).text
    counts = dict(re.findall(r'data-state="(\w+)">(\d+)</strong>', page))
    assert int(counts["overdue"]) > 0 and int(counts["waiting_event"]) > 0
    assert int(counts["due_soon"]) >= 1  # II.3, due 31/03
    assert "14 ngày tới" in page and "T12" in page
    assert "Ghi nhận sự kiện" not in page  # the leadership reads

    def rows(**query: str) -> list[tuple[str, str]]:
        html = viewer.get(PLAN, params=query, headers={"HX-Request": "true"}).text
        assert "<html" not in html  # HTMX gets the table alone
        return re.findall(r'data-task="([^"]+)" data-milestone="[^"]*" data-state="(\w+)"', html)

    overdue = rows(state="overdue")
    assert overdue and {state for _, state in overdue} == {"overdue"}
    assert len(overdue) == int(counts["overdue"])
    assert {task for task, _ in rows(section="VII")} == {f"VII.{n}" for n in range(1, 9)}
    assert {task for task, _ in rows(unit="ttlt", state="in_progress")} >= {"VI.2"}
    assert {task for task, _ in rows(q="luu tru")} >= {"VI.1"}  # accents ignored


def test_the_task_page_shows_everything_and_the_audit_log(site: Site) -> None:
    clerk = site.browser()
    clerk.get(f"/u/{site.link('van-phong')}")
    page = clerk.get(f"{PLAN}/tasks/II.3/milestones/1/evidence")
    clerk.post(
        f"{PLAN}/tasks/II.3/milestones/1/extension-request",
        data={"csrf": form_csrf(page.text), "until": "2023-04-14", "reason": "chờ số liệu"},
    )
    coordinator = site.browser()
    sign_in_form(coordinator, *COORDINATOR)
    task = coordinator.get(f"{PLAN}/tasks/II.3").text
    for expected in (
        "Tháng 3/2023",  # the deadline text
        "Cách hệ thống hiểu",
        "31/03/2023 17:00",  # the due instant
        "Lịch nhắc đã lên kế hoạch",
        "Nhắc hạn",
        "đề nghị gia hạn đến <strong>14/04/2023</strong>",
        "Nhật ký thao tác",
        "đường dẫn của đơn vị",
        "Không đồng ý",
    ):
        assert expected in task, expected


def test_the_first_sign_in_asks_for_a_new_password(site: Site) -> None:
    first = accounts.first_coordinator(site.settings)
    assert first is None  # accounts exist already
    accounts.create_account(
        site.settings,
        name="moi",
        role=UnitRole.COORDINATOR,
        password="mot-lan-thoi",
        must_change_password=True,
    )
    newcomer = site.browser()
    token = form_csrf(newcomer.get("/login").text)
    answer = newcomer.post(
        "/login",
        data={"csrf": token, "name": "moi", "password": "mot-lan-thoi"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/account/password"
    page = newcomer.get("/account/password")
    changed = newcomer.post(
        "/account/password",
        data={
            "csrf": form_csrf(page.text),
            "current": "mot-lan-thoi",
            "new": "mat-khau-moi-cua-toi",
            "again": "mat-khau-moi-cua-toi",
        },
    )
    assert "Đã đổi mật khẩu" in changed.text
    assert accounts.signed_in_account(site.settings, "moi", "mat-khau-moi-cua-toi") is not None
    assert accounts.signed_in_account(site.settings, "moi", "mot-lan-thoi") is None


def test_the_status_table_the_report_and_the_calendar_feed(site: Site) -> None:
    coordinator = site.browser()
    sign_in_form(coordinator, *COORDINATOR)
    table = coordinator.get(f"{PLAN}/export/status.xlsx")
    assert table.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(table.content)).active
    header = [cell.value for cell in sheet[3]]
    assert header[:4] == ["STT", "Mục", "Mã nhiệm vụ", "Nhiệm vụ"]
    body = list(sheet.iter_rows(min_row=4, values_only=True))
    by_task = {(row[2], row[7]): row for row in body}
    assert by_task[("II.2", "1")][9] == "Quá hạn"
    assert by_task[("II.3", "1")][9] == "Sắp đến hạn"
    assert by_task[("I.2", "1")][9] == "Chờ sự kiện"

    report = coordinator.get(f"{PLAN}/export/report.docx", params={"period": "q1"})
    document = Document(io.BytesIO(report.content))
    headings = [
        p.text for p in document.paragraphs if p.style and p.style.name.startswith("Heading")
    ]
    assert headings[0].startswith("BÁO CÁO KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH QUÝ I")
    sections = [h.split(".")[0] for h in headings if re.match(r"^[IVX]+\.", h)]
    assert sections == ["I", "II", "III", "IV", "V", "VI", "VII"]
    assert any("Chậm" in cell.text for table_ in document.tables for cell in table_._cells)

    feed = site.client.get("/units/ttlt/calendar.ics", params={"t": site.link("ttlt")})
    calendar = Calendar.from_ical(feed.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert any("[VI.2]" in str(e.get("summary")) for e in events)
    # Nothing of the tasks it neither leads nor coordinates (III.1: Ban Tôn giáo, Văn phòng).
    assert not any("[III.1]" in str(e.get("summary")) for e in events)
    other = site.client.get("/units/ttlt/calendar.ics", params={"t": site.link("van-phong")})
    assert other.status_code == 403
