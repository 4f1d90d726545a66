"""The web import flow corrects a refused cell in place: a field beside each refused or
doubtful cell, the upload read again with the correction, then started with it (the file stays
as issued); the task's page shows the original text and the correction, who made it and when."""

from __future__ import annotations

from datetime import UTC, datetime

from plan_import import parse_corrections, read_plan
from plan_import.units import load_unit_directory
from storage.db import session_scope
from storage.plans import store_plan
from tests.support.language import shown_text
from tests.web.conftest import COORDINATOR, PLAN_KEY, Site, form_csrf, sign_in
from tests.web.test_pages import sign_in_form

REFUSED = "Quý V/2023"


def refused_upload(site: Site) -> bytes:
    """The bundled plan with the deadline of I.2 written so that it cannot be read."""
    text = site.settings.plan_file.read_text(encoding="utf-8")
    row = "Văn phòng Sở\tCác đơn vị thuộc, trực thuộc Sở\tSau khi UBND tỉnh ban hành"
    assert text.count(row) == 1
    return text.replace(row, row.replace("Sau khi UBND tỉnh ban hành", REFUSED)).encode()


def test_a_refused_cell_is_corrected_beside_its_refusal_then_started(site: Site) -> None:
    coordinator = site.browser()
    sign_in_form(coordinator, *COORDINATOR)
    token = form_csrf(coordinator.get("/import").text)
    page = coordinator.post(
        "/import",
        data={"csrf": token, "year": "2023"},
        files={"file": ("ke-hoach.txt", refused_upload(site), "text/plain")},
    )
    assert page.status_code == 200, page.text
    assert 'name="fix_cell" value="I.2:deadline"' in page.text
    assert "Xác nhận và khởi động kế hoạch" not in page.text
    # Why the cell was refused, in the coordinator's words beside the cell.
    shown = shown_text(page.text)
    assert "không có quý “V” (quý ghi I, II, III, IV hoặc 1–4)" in shown
    assert "there is no quarter" not in page.text
    upload = page.text.split('action="/import/')[1].split("/preview")[0]
    cells = page.text.count('name="fix_cell"')
    fields = {
        "csrf": token,
        "year": "2023",
        "fix_cell": ["I.2:deadline"],
        "fix_was": [REFUSED],
        "fix_text": ["Sau khi UBND tỉnh ban hành"],
    }
    again = coordinator.post(f"/import/{upload}/preview", data=fields)
    assert again.status_code == 200, again.text
    assert "Xác nhận và khởi động kế hoạch" in again.text
    # The corrected cell stays among the fields, its correction filled in.
    assert again.text.count('name="fix_cell"') >= 1 and cells >= 1
    assert 'value="Sau khi UBND tỉnh ban hành"' in again.text
    assert site.engine.calls == []
    start_form = again.text.split(f'action="/import/{upload}/start"')[1].split("</form>")[0]
    assert 'name="fix_text" value="Sau khi UBND tỉnh ban hành"' in start_form
    started = coordinator.post(
        f"/import/{upload}/start",
        data={
            "csrf": token,
            "year": "2023",
            "fix_cell": ["I.2:deadline"],
            "fix_was": [""],
            "fix_text": ["Sau khi UBND tỉnh ban hành"],
        },
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    name, _actor, what = site.engine.calls[-1]
    assert name == "start_plan"
    assert what["corrections"] == [("I.2:deadline=Sau khi UBND tỉnh ban hành", COORDINATOR[0])]
    assert what["path"].read_text(encoding="utf-8").count(REFUSED) == 1


def test_the_api_lists_cells_to_check_and_takes_corrections(site: Site) -> None:
    coordinator = site.browser()
    token = sign_in(coordinator, *COORDINATOR)
    checked = coordinator.post(
        "/api/imports",
        files={"file": ("ke-hoach.txt", refused_upload(site), "text/plain")},
        data={"year": "2023"},
        headers={"X-CSRF-Token": token},
    ).json()
    assert checked["startable"] is False
    assert [c for c in checked["cells_to_check"] if c["level"] == "error"] == [
        {
            "cell": "I.2:deadline",
            "row": "line 126",
            "text": REFUSED,
            "level": "error",
            "why": next(e["message"] for e in checked["errors"] if "I.2" in e["where"]),
        }
    ]
    fix = {"cell": "I.2:deadline", "text": "Sau khi UBND tỉnh ban hành"}
    body = {"year": 2023, "corrections": [fix]}
    again = coordinator.post(
        f"/api/imports/{checked['upload']}/preview", json=body, headers={"X-CSRF-Token": token}
    ).json()
    assert again["startable"] is True and again["errors"] == []
    started = coordinator.post(
        f"/api/imports/{checked['upload']}/start", json=body, headers={"X-CSRF-Token": token}
    )
    assert started.json() == {"plan": PLAN_KEY, "recorded": True, "pending": False}
    assert site.engine.calls[-1][2]["corrections"] == [
        ("I.2:deadline=Sau khi UBND tỉnh ban hành", COORDINATOR[0])
    ]
    wrong = coordinator.post(
        f"/api/imports/{checked['upload']}/start",
        json={"year": 2023, "corrections": [{"cell": "I.2:deadline", "text": ""}]},
        headers={"X-CSRF-Token": token},
    )
    assert wrong.status_code == 422


def test_the_tasks_page_shows_the_original_and_the_correction(site: Site) -> None:
    at = datetime(2023, 2, 1, 2, 5, tzinfo=UTC)
    corrections = parse_corrections(
        ["II.3:title=Tổ chức kiểm tra công tác cải cách hành chính (đã sửa)"], by="dieuphoi", at=at
    )
    imported = read_plan(site.settings.plan_file, year=2023, corrections=corrections)
    original = imported.task("II.3").corrections[0]["original"]
    with session_scope(site.settings.resolved_database_url()) as session:
        store_plan(
            session, imported=imported, directory=load_unit_directory(site.settings.units_file)
        )
    coordinator = site.browser()
    sign_in_form(coordinator, *COORDINATOR)
    page = coordinator.get(f"/plans/{PLAN_KEY}/tasks/II.3")
    assert page.status_code == 200, page.text
    assert "Sửa khi nhập" in page.text
    assert f"Tên nhiệm vụ: văn bản ghi “{original}”" in page.text
    assert "đọc là “Tổ chức kiểm tra công tác cải cách hành chính (đã sửa)” – dieuphoi" in page.text
    assert "01/02/2023 09:05" in page.text
