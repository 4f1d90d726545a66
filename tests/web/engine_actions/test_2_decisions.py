"""The coordinator's decisions from the web on the real engine: an extension granted and
refused, evidence rejected and accepted, a task reassigned and closed, an event recorded after
its preview. Each reads back the task's state, its audit entry and the message it sent."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pendulum
import pytest

from tests.support.engine import eventually
from tests.web.engine_actions.live import (
    COORDINATOR,
    LOCAL_TZ,
    MESSAGE_WITHIN,
    PDF,
    TOLD_BY_THE_PLAN_WITHIN,
    Live,
    Office,
    audit_log,
    audit_of,
    csrf_in,
    flash_of,
    mails_about,
    milestone_path,
    sent,
    task_json,
    unit_headers,
    web_client,
)
from web.context import words

# ----------------------------------------------------------------------------- decisions


async def asked_for_more_time(plan: Live, task: str, until: date) -> None:
    async with web_client(plan.app, plan.settings.public_url) as clerk:
        asked = await clerk.post(
            f"/api{milestone_path(plan, task)}/extension-request",
            json={"until": until.isoformat(), "reason": "Chờ ý kiến góp ý"},
            headers=unit_headers(plan, "van-phong"),
        )
        assert asked.status_code == 200, asked.text


async def delivered_evidence(plan: Live, task: str) -> None:
    async with web_client(plan.app, plan.settings.public_url) as clerk:
        answered = await clerk.post(
            f"/api{milestone_path(plan, task)}/evidence",
            data={"document_number": f"{task}/BC-VP"},
            files={"file": ("bao-cao.pdf", PDF, "application/pdf")},
            headers=unit_headers(plan, "van-phong"),
        )
        assert answered.status_code == 200, answered.text
        assert answered.json()["status"] == "done_on_time", answered.json()


async def test_the_coordinator_grants_an_extension(plan: Live, office: Office) -> None:
    until = plan.due + timedelta(days=7)
    await asked_for_more_time(plan, "I.3", until)
    mails_before = len(mails_about(plan.smtp, "van-phong", "I.3"))
    client, headers = office
    granted = await client.post(
        f"/api{milestone_path(plan, 'I.3')}/extension",
        json={"decision": "grant", "until": until.isoformat(), "reason": "Đồng ý"},
        headers=headers,
    )
    assert granted.status_code == 200, granted.text
    task = await task_json(client, plan.plan_key, "I.3")
    milestone = task["milestones"][0]
    assert milestone["due"].startswith(until.isoformat()), milestone
    assert milestone["pending_extension"] is None
    (entry,) = audit_of(task, "grant_extension")
    assert (entry["outcome"], entry["actor"]) == ("done", COORDINATOR[0])
    page = await client.get(f"/plans/{plan.plan_key}/tasks/I.3")
    assert until.strftime("%d/%m/%Y") in page.text
    await sent(client, plan, "I.3", "extension_granted", "van-phong", mails_before=mails_before)


async def test_the_coordinator_refuses_an_extension(plan: Live, office: Office) -> None:
    await asked_for_more_time(plan, "I.10", plan.due + timedelta(days=5))
    mails_before = len(mails_about(plan.smtp, "van-phong", "I.10"))
    client, headers = office
    refused = await client.post(
        f"/api{milestone_path(plan, 'I.10')}/extension",
        json={"decision": "refuse", "reason": "Không có lý do chính đáng"},
        headers=headers,
    )
    assert refused.status_code == 200, refused.text
    task = await task_json(client, plan.plan_key, "I.10")
    milestone = task["milestones"][0]
    assert milestone["due"].startswith(plan.due.isoformat()), milestone
    assert milestone["pending_extension"] is None
    assert milestone["status"] == "open"
    (entry,) = audit_of(task, "refuse_extension")
    assert (entry["outcome"], entry["details"]["reason"]) == (
        "done",
        "Không có lý do chính đáng",
    )
    await sent(client, plan, "I.10", "extension_refused", "van-phong", mails_before=mails_before)


async def test_the_coordinator_rejects_evidence(plan: Live, office: Office) -> None:
    await delivered_evidence(plan, "I.4")
    mails_before = len(mails_about(plan.smtp, "van-phong", "I.4"))
    client, headers = office
    rejected = await client.post(
        f"/api{milestone_path(plan, 'I.4')}/review",
        json={"decision": "reject", "reason": "Báo cáo chưa có chữ ký"},
        headers=headers,
    )
    assert rejected.status_code == 200, rejected.text
    task = await task_json(client, plan.plan_key, "I.4")
    milestone = task["milestones"][0]
    assert milestone["status"] == "open", milestone  # open again, for better evidence
    (review,) = milestone["evidence"][0]["reviews"]
    assert (review["decision"], review["reason"]) == ("rejected", "Báo cáo chưa có chữ ký")
    (entry,) = audit_of(task, "reject_evidence")
    assert entry["outcome"] == "done"
    await sent(client, plan, "I.4", "evidence_rejected", "van-phong", mails_before=mails_before)


async def test_the_coordinator_accepts_evidence(plan: Live, office: Office) -> None:
    await delivered_evidence(plan, "I.9")
    client, headers = office
    # The evidence's own message first, so that what follows is the acceptance's alone.
    await sent(client, plan, "I.9", "evidence_received", "cchc-vtlt", mails_before=0)
    before = (await task_json(client, plan.plan_key, "I.9"))["notifications"]
    accepted = await client.post(
        f"/api{milestone_path(plan, 'I.9')}/review",
        json={"decision": "accept"},
        headers=headers,
    )
    assert accepted.status_code == 200, accepted.text
    task = await task_json(client, plan.plan_key, "I.9")
    milestone = task["milestones"][0]
    assert milestone["status"] == "done_on_time", milestone
    (review,) = milestone["evidence"][0]["reviews"]
    assert (review["decision"], review["by"]) == ("accepted", COORDINATOR[0])
    (entry,) = audit_of(task, "accept_evidence")
    assert entry["outcome"] == "done"
    # Accepting tells no one: the unit already knows its milestone is done.
    assert [n["kind"] for n in task["notifications"]] == [n["kind"] for n in before]


async def test_the_coordinator_reassigns_a_task(plan: Live, office: Office) -> None:
    mails_before = len(mails_about(plan.smtp, "phong-tcbc", "I.5"))
    client, headers = office
    reassigned = await client.post(
        f"/api/plans/{plan.plan_key}/tasks/I.5/reassign",
        json={"lead_units": ["phong-tcbc"], "reason": "Phân công lại theo chức năng"},
        headers=headers,
    )
    assert reassigned.status_code == 200, reassigned.text
    task = await task_json(client, plan.plan_key, "I.5")
    assert task["lead_units"] == ["phong-tcbc"]
    assert task["milestones"][0]["lead_units"] == ["phong-tcbc"]
    (entry,) = audit_of(task, "reassign")
    assert entry["outcome"] == "done"
    # The new lead unit's page lists the task; the old one's no longer does.
    async with web_client(plan.app, plan.settings.public_url) as unit:
        mine = (await unit.get("/api/unit", headers=unit_headers(plan, "phong-tcbc"))).json()
        theirs = (await unit.get("/api/unit", headers=unit_headers(plan, "van-phong"))).json()
    assert "I.5" in str(mine) and '"I.5"' not in str(theirs).replace("'", '"')
    for unit_code in ("phong-tcbc", "van-phong"):
        await sent(
            client,
            plan,
            "I.5",
            "reassigned",
            unit_code,
            mails_before=mails_before if unit_code == "phong-tcbc" else 0,
        )


@pytest.mark.parametrize(
    ("task_code", "carry_over", "kind"),
    [("I.6", False, "cancelled"), ("I.7", True, "carried_over")],
    ids=["cancel", "carry-over"],
)
async def test_the_coordinator_closes_a_task(
    plan: Live, office: Office, task_code: str, carry_over: bool, kind: str
) -> None:
    mails_before = len(mails_about(plan.smtp, "ban-tdkt", task_code))
    client, headers = office
    closed = await client.post(
        f"/api/plans/{plan.plan_key}/tasks/{task_code}/close",
        json={"reason": "Gộp vào nhiệm vụ I.1", "carry_over": carry_over},
        headers=headers,
    )
    assert closed.status_code == 200, closed.text
    assert (closed.json()["closed"], closed.json()["recorded"]) == (kind, True)
    task = await task_json(client, plan.plan_key, task_code)
    assert task["milestones"][0]["status"] == "cancelled", task["milestones"]
    (entry,) = audit_of(task, "carry_over" if carry_over else "cancel")
    assert (entry["outcome"], entry["details"]["reason"]) == ("done", "Gộp vào nhiệm vụ I.1")
    await sent(client, plan, task_code, kind, "ban-tdkt", mails_before=mails_before)
    # Closed, it takes no more changes: said in Vietnamese, as refused.
    again = await client.post(
        f"/api/plans/{plan.plan_key}/tasks/{task_code}/close",
        json={"reason": "lần hai"},
        headers=headers,
    )
    assert again.status_code == 409, again.text


async def test_the_coordinator_records_an_event_after_its_preview(
    plan: Live, office: Office
) -> None:
    today = pendulum.now(LOCAL_TZ).date()
    mails_before = len(mails_about(plan.smtp, "van-phong", "I.8"))
    client, _ = office
    preview = await client.get(
        f"/plans/{plan.plan_key}/events",
        params={"key": "ubnd-tinh-ban-hanh", "occurred_on": today.isoformat()},
    )
    assert preview.status_code == 200, preview.text
    shown = re.search(r'id="event-preview".*?</table>', preview.text, re.S)
    assert shown is not None and "I.8" in shown.group(0), preview.text[-3000:]
    due = re.search(r"<strong>(\d\d)/(\d\d)/(\d{4}) (\d\d:\d\d)</strong>", shown.group(0))
    assert due is not None, shown.group(0)
    assert 'id="event-confirm"' in preview.text
    confirmed = await client.post(
        f"/plans/{plan.plan_key}/events",
        data={
            "csrf": csrf_in(preview.text),
            "key": "ubnd-tinh-ban-hanh",
            "occurred_on": today.isoformat(),
            "decision": "12/QĐ-UBND",
        },
    )
    assert confirmed.status_code == 200, confirmed.text
    assert "1 nhiệm vụ bắt đầu tính hạn (I.8)" in flash_of(confirmed.text, "ok")
    # The web waits a moment for the task to write its new clock; past that moment it says the
    # engine is still recording, and only then may the page lag behind.
    said = flash_of(confirmed.text, "ok")
    still = words()["done"]["still_recording"]

    async def started() -> bool:
        shown = (await task_json(client, plan.plan_key, "I.8"))["milestones"][0]
        return bool(shown["tracking"] != "waiting_event")

    if still in said:
        await eventually(started, seconds=MESSAGE_WITHIN)
    else:
        assert await started(), "the event's answer said done, the task's page still waits"
    task = await task_json(client, plan.plan_key, "I.8")
    milestone = task["milestones"][0]
    day, month, year, at = due.groups()
    assert milestone["due"].startswith(f"{year}-{month}-{day}T{at}"), (milestone, due.group(0))
    # The task's page says who started its clock; the plan's entry, the event as a whole.
    (entry,) = audit_of(task, "trigger_event")
    assert (entry["outcome"], entry["details"]["decision"]) == ("done", "12/QĐ-UBND")
    assert [
        e.outcome
        for e in audit_log(plan.settings)
        if e.action == "trigger_event" and not e.task_code
    ] == ["done"]
    # The plan tells the unit of its tasks the event reached, in one message.
    await sent(
        client,
        plan,
        "I.8",
        "clocks_started",
        "van-phong",
        mails_before=mails_before,
        within=TOLD_BY_THE_PLAN_WITHIN,
    )
