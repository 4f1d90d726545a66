"""What each person came for, on the page they land on: the coordinator finds the tasks first
and what waits for an answer (requests for more time, evidence to review) counted and listed;
a unit sees what it sent and the answers, and a request still waiting says so; a task is given
to other units by ticking the plan's units (never the leadership); counts say what they count."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import COORDINATOR, PDF, PLAN_KEY, Site, form_csrf
from tests.web.test_pages import office_of, sign_in_form

PLAN = f"/plans/{PLAN_KEY}"
EVIDENCE = f"{PLAN}/tasks/II.3/milestones/1/evidence"


def coordinator(site: Site) -> TestClient:
    client = site.browser()
    sign_in_form(client, *COORDINATOR)
    return client


def waiting_counts(page: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="([\w-]+)">(\d+)</span>', page)}


def test_the_dashboard_shows_the_tasks_first_and_folds_the_next_fourteen_days(site: Site) -> None:
    page = coordinator(site).get(PLAN).text
    tasks = page.index('id="tasks"')
    assert tasks < page.index("Số mốc theo tình trạng") < page.index('id="upcoming"')
    # The fourteen days are one line until opened.
    assert re.search(r'<details class="upcoming" id="upcoming">\s*<summary>', page)
    # Counts say what they count: 32 tasks hold 38 milestones; the states count milestones.
    stated = re.search(r"(\d+) nhiệm vụ, (\d+) mốc", page)
    assert stated is not None
    milestones = sum(int(n) for n in re.findall(r'data-state="\w+">(\d+)</strong>', page))
    assert int(stated.group(1)) == len(site.imported.tasks)
    assert int(stated.group(2)) == milestones > int(stated.group(1))


def test_the_coordinator_sees_what_waits_for_an_answer_until_it_is_answered(site: Site) -> None:
    office = office_of(site, "van-phong")
    csrf = form_csrf(office.get(EVIDENCE).text)
    board = coordinator(site)
    assert waiting_counts(board.get(PLAN).text) == {"requests": 0, "to-review": 0}

    office.post(
        EVIDENCE.replace("/evidence", "/extension-request"),
        data={"csrf": csrf, "until": "2023-04-14", "reason": "chờ số liệu"},
    )
    page = board.get(PLAN).text
    assert waiting_counts(page) == {"requests": 1, "to-review": 0}
    listed = re.search(r'<li data-request="II.3/1">(.*?)</li>', page, re.S)
    assert listed is not None
    assert "Văn phòng Sở xin đến 14/04/2023" in listed.group(1) and "chờ số liệu" in listed.group(1)

    office.post(
        EVIDENCE,
        data={"csrf": csrf, "document_number": "12/KH-VP"},
        files={"file": ("bao-cao.pdf", PDF, "application/pdf")},
    )
    page = board.get(PLAN).text
    assert waiting_counts(page) == {"requests": 1, "to-review": 1}
    assert '<li data-review="II.3/1">' in page

    task = board.get(f"{PLAN}/tasks/II.3").text
    board.post(
        f"{PLAN}/tasks/II.3/milestones/1/review",
        data={"csrf": form_csrf(task), "decision": "accept", "reason": ""},
    )
    board.post(
        f"{PLAN}/tasks/II.3/milestones/1/extension",
        data={"csrf": form_csrf(task), "decision": "refuse", "reason": "đã nộp"},
    )
    assert waiting_counts(board.get(PLAN).text) == {"requests": 0, "to-review": 0}


def test_a_unit_sees_what_it_sent_and_a_request_waiting_says_so(site: Site) -> None:
    office = office_of(site, "van-phong")
    form = office.get(EVIDENCE).text
    assert 'id="extension-form"' in form and "Đang chờ" not in form
    office.post(
        EVIDENCE.replace("/evidence", "/extension-request"),
        data={"csrf": form_csrf(form), "until": "2023-04-14", "reason": "chờ số liệu"},
    )
    # The form comes back saying the request waits, instead of asking again.
    again = office.get(EVIDENCE).text
    assert 'id="extension-form"' not in again
    assert "Đơn vị đã xin gia hạn đến <strong>14/04/2023</strong>" in again
    assert "đang chờ Phòng CCHC trả lời" in again
    own = office.get("/unit").text
    assert "1 đề nghị gia hạn đang chờ Phòng CCHC trả lời." in own
    assert '<li data-request="II.3/1" data-answer="waiting">' in own

    board = coordinator(site)
    task = board.get(f"{PLAN}/tasks/II.3").text
    board.post(
        f"{PLAN}/tasks/II.3/milestones/1/extension",
        data={"csrf": form_csrf(task), "decision": "refuse", "reason": "đã đủ thời gian"},
    )
    own = office.get("/unit").text
    answered = re.search(
        r'<li data-request="II.3/1" data-answer="refuse_extension">(.*?)</li>', own, re.S
    )
    assert answered is not None and "Không đồng ý" in answered.group(1)
    assert "đã đủ thời gian" in answered.group(1)
    assert 'id="requests-waiting"' not in own
    answers = office.get(EVIDENCE).text
    assert 'id="extension-form"' in answers and "không đồng ý" in answers


def test_a_task_is_given_to_units_ticked_among_the_plans_own_never_the_leadership(
    site: Site,
) -> None:
    board = coordinator(site)
    page = board.get(f"{PLAN}/tasks/VI.2").text
    ticks = dict(
        re.findall(r'<input type="checkbox" name="lead_units" value="([^"]+)" ?(checked)?', page)
    )
    assert "lanh-dao" not in ticks
    assert {"van-phong", "cchc-vtlt", "ttlt"} <= set(ticks)
    assert ticks["ttlt"] == "checked"  # the lead today
    assert "<select" not in page.split("Giao lại đơn vị chủ trì")[1].split("</form>")[0]
    board.post(
        f"{PLAN}/tasks/VI.2/reassign",
        data={"csrf": form_csrf(page), "lead_units": ["ttlt", "van-phong"], "reason": "thêm"},
    )
    name, _actor, what = site.engine.calls[-1]
    assert name == "reassign" and what["lead_units"] == ["ttlt", "van-phong"]
