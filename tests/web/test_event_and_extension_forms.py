"""The coordinator's two forms whose rules only the command line could meet before: an event
whose document sets the due date (the preview asks for it, the confirm sends it), and an
extension into the next year (a checkbox says it is meant). Refusals read in Vietnamese and
keep what was typed."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from tests.web.conftest import COORDINATOR, PLAN_KEY, Site, form_csrf, sign_in
from tests.web.test_pages import sign_in_form

EVENTS = f"/plans/{PLAN_KEY}/events"
# Waited on by II.1, II.4 and V.3: "Theo Kế hoạch của UBND tỉnh", a due date only the
# province's plan sets.
SET_BY_DOCUMENT = "ke-hoach-cua-ubnd-tinh"


def coordinator(site: Site) -> TestClient:
    client = site.browser()
    sign_in_form(client, *COORDINATOR)
    return client


def hidden(html: str, form_id: str) -> dict[str, str]:
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', html, re.S)
    assert form is not None, f"no form {form_id}"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))


def test_an_event_whose_document_sets_the_due_date_asks_for_it_before_it_can_be_confirmed(
    site: Site,
) -> None:
    client = coordinator(site)
    query = {"key": SET_BY_DOCUMENT, "occurred_on": "2023-03-15", "decision": "9/KH-UBND"}
    first = client.get(f"{EVENTS}?{urlencode(query)}").text
    # Named by the plan's words, not its key.
    assert "“Theo Kế hoạch của UBND tỉnh”" in first and f">{SET_BY_DOCUMENT}" not in first
    # No due date made up, no confirm: the field the engine needs instead.
    assert 'id="event-confirm"' not in first
    assert "12/04/2023" not in first
    assert 'id="event-due"' in first and 'name="due_on"' in first
    assert "theo hạn văn bản quy định (chưa nhập)" in first

    # The due date given, the preview shows it and the confirm carries it to the engine.
    again = client.get(
        f"{EVENTS}?{urlencode({**hidden(first, 'event-due'), 'due_on': '2023-05-31'})}"
    )
    assert "31/05/2023" in again.text and 'id="event-confirm"' in again.text
    confirm = hidden(again.text, "event-confirm")
    assert confirm["due_on"] == "2023-05-31" and confirm["decision"] == "9/KH-UBND"
    done = client.post(EVENTS, data=confirm)
    assert "Đã ghi nhận sự kiện “Theo Kế hoạch của UBND tỉnh”: 1 nhiệm vụ" in done.text
    name, _actor, what = site.engine.calls[-1]
    assert name == "trigger_event"
    assert what == {
        "key": SET_BY_DOCUMENT,
        "occurred_on": date(2023, 3, 15),
        "due_on": date(2023, 5, 31),
    }


def test_an_event_the_engine_refuses_is_said_in_vietnamese_and_the_form_keeps_what_was_typed(
    site: Site,
) -> None:
    client = coordinator(site)
    page = client.get(f"{EVENTS}?key=ubnd-tinh-ban-hanh&occurred_on=2023-03-15").text
    confirm = hidden(page, "event-confirm")
    site.engine.refuse_with = (
        "the event date 2023-03-15 is before 2022-01-01: a plan of 2023 counts from events of "
        "the year before at the earliest"
    )
    refused = client.post(EVENTS, data=confirm)
    assert refused.url.path == EVENTS
    assert refused.url.params["key"] == "ubnd-tinh-ban-hanh"
    assert refused.url.params["occurred_on"] == "2023-03-15"
    assert "Ngày xảy ra sự kiện 15/03/2023 trước 01/01/2022" in refused.text
    assert "counts from events" not in refused.text and "2023-03-15 " not in refused.text


def test_an_extension_into_the_next_year_is_granted_once_the_coordinator_says_it_is_meant(
    site: Site,
) -> None:
    client = coordinator(site)
    task = f"/plans/{PLAN_KEY}/tasks/II.3"
    page = client.get(task).text
    assert 'name="confirmed"' in page
    form = {"csrf": form_csrf(page), "decision": "grant", "until": "2024-01-15", "reason": "chờ"}
    refused = client.post(f"{task}/milestones/1/extension", data=form)
    assert "Hạn mới 15/01/2024 sang năm sau năm kế hoạch 2023" in refused.text
    assert "--confirm" not in refused.text
    granted = client.post(f"{task}/milestones/1/extension", data={**form, "confirmed": "true"})
    assert "Đã gia hạn mốc 1 đến 15/01/2024." in granted.text
    grants = [what for name, _a, what in site.engine.calls if name == "grant_extension"]
    assert [g["until"] for g in grants] == [date(2024, 1, 15), date(2024, 1, 15)]


def test_a_reason_the_table_does_not_know_is_still_shown_and_said_to_be_untranslated(
    site: Site,
) -> None:
    client = coordinator(site)
    task = f"/plans/{PLAN_KEY}/tasks/II.3"
    site.engine.refuse_with = "the moon is in the wrong phase on 2023-03-20"
    form = {"csrf": form_csrf(client.get(task).text), "decision": "grant", "until": "2023-04-14"}
    refused = client.post(f"{task}/milestones/1/extension", data={**form, "reason": "chờ"})
    assert (
        "Hệ thống không chấp nhận: chưa có lời giải thích bằng tiếng Việt cho lý do này "
        "(lý do kỹ thuật: the moon is in the wrong phase on 20/03/2023)" in refused.text
    )


def test_the_json_api_takes_confirmed_for_an_extension_into_the_next_year(site: Site) -> None:
    """The API says what the form's checkbox says: the unit's request and the grant."""
    milestone = f"/api/plans/{PLAN_KEY}/tasks/II.3/milestones/1"
    unit = {"Authorization": f"Bearer {site.link('van-phong')}"}
    ask = {"until": "2024-01-15", "reason": "chờ"}
    assert (
        site.client.post(f"{milestone}/extension-request", json=ask, headers=unit).status_code
        == 409
    )
    asked = site.client.post(
        f"{milestone}/extension-request", json={**ask, "confirmed": True}, headers=unit
    )
    assert asked.status_code == 200, asked.text
    client = site.browser()
    token = sign_in(client, *COORDINATOR)
    headers = {"X-CSRF-Token": token}
    grant = {**ask, "decision": "grant"}
    assert client.post(f"{milestone}/extension", json=grant, headers=headers).status_code == 409
    granted = client.post(
        f"{milestone}/extension", json={**grant, "confirmed": True}, headers=headers
    )
    assert granted.status_code == 200, granted.text
    asks = [what for name, _a, what in site.engine.calls if name == "request_extension"]
    assert [a["until"] for a in asks] == [date(2024, 1, 15)] * 2
