"""The coordinator imports and starts a plan from the web; a unit then acts from its link:
evidence with its file, a request for more time. Each reads back the task's page and JSON, its
audit entry and the message the action sent (`conftest.py`: the engine they share)."""

from __future__ import annotations

import re
from datetime import timedelta

import pendulum

from control import links
from tests.web.engine_actions.live import (
    COORDINATOR,
    LOCAL_TZ,
    PDF,
    Live,
    Office,
    audit_log,
    audit_of,
    csrf_in,
    flash_of,
    mails_about,
    milestone_path,
    planned_board,
    sent,
    task_json,
    unit_headers,
    web_client,
)

# ----------------------------------------------------------------------------- import and start


async def test_the_coordinator_imports_and_starts_a_plan_from_the_web(
    plan: Live, office: Office
) -> None:
    assert plan.started is not None
    uploaded, started = plan.started
    assert "Xác nhận và khởi động kế hoạch" in uploaded.text  # the preview, then the start
    assert "Đã khởi động" in flash_of(started.text, "ok")
    client, _ = office
    rows = await planned_board(client, plan.plan_key, tasks=10)
    # Every task planned itself at once: a due date on each dated one, the last waits.
    for n in (1, 2, 3, 4, 5, 6, 7, 9, 10):
        assert rows[(f"I.{n}", "1")]["due"].startswith(plan.due.isoformat()), rows
    assert rows[("I.8", "1")]["tracking"] == "waiting_event"
    task = await task_json(client, plan.plan_key, "I.1")
    # The start is in the audit log (tied to no task: read from the log itself), by the
    # upload it started.
    upload = re.search(r"/import/([0-9a-f]+)/start", uploaded.text)
    assert upload is not None
    (entry,) = [e for e in audit_log(plan.settings) if e.action == "start_plan"]
    assert (entry.outcome, entry.actor, entry.details["sha256"]) == (
        "done",
        COORDINATOR[0],
        upload.group(1),
    )
    assert task["milestones"][0]["status"] == "open"


# ----------------------------------------------------------------------------- units act


async def test_evidence_from_the_units_link_with_a_file(plan: Live, office: Office) -> None:
    mails_before = len(mails_about(plan.smtp, "cchc-vtlt", "I.1"))
    token = links.unit_links(plan.settings).token("van-phong")
    async with web_client(plan.app, plan.settings.public_url) as clerk:
        form = await clerk.get(f"{milestone_path(plan, 'I.1')}/evidence", params={"t": token})
        assert form.status_code == 200 and "t=" not in str(form.url)
        answered = await clerk.post(
            f"{milestone_path(plan, 'I.1')}/evidence",
            data={
                "csrf": csrf_in(form.text),
                "document_number": "15/KH-SNV",
                "document_date": pendulum.now(LOCAL_TZ).date().isoformat(),
            },
            files={"file": ("ke-hoach.pdf", PDF, "application/pdf")},
        )
        assert answered.status_code == 200, answered.text
        assert "Đã nhận minh chứng" in flash_of(answered.text, "ok")
    client, _ = office
    task = await task_json(client, plan.plan_key, "I.1")
    milestone = task["milestones"][0]
    # Recorded by the time the answer came: the page shows it done, with the file.
    assert milestone["status"] == "done_on_time", milestone
    (evidence,) = milestone["evidence"]
    assert evidence["document_number"] == "15/KH-SNV" and evidence["file"]
    assert evidence["file"].startswith("sha256:")
    assert (await client.get(f"/files/{evidence['file'][7:]}")).content == PDF
    (entry,) = audit_of(task, "submit_evidence")
    assert (entry["outcome"], entry["via"], entry["actor"]) == (
        "done",
        "unit_link",
        "van-phong",
    )
    page = await client.get(f"/plans/{plan.plan_key}/tasks/I.1")
    assert "15/KH-SNV" in page.text and "Hoàn thành đúng hạn" in page.text
    await sent(client, plan, "I.1", "evidence_received", "cchc-vtlt", mails_before=mails_before)


async def test_an_extension_request_from_the_units_link(plan: Live, office: Office) -> None:
    until = plan.due + timedelta(days=7)
    mails_before = len(mails_about(plan.smtp, "cchc-vtlt", "I.2"))
    async with web_client(plan.app, plan.settings.public_url) as clerk:
        asked = await clerk.post(
            f"/api{milestone_path(plan, 'I.2')}/extension-request",
            json={"until": until.isoformat(), "reason": "Chờ ý kiến góp ý"},
            headers=unit_headers(plan, "van-phong"),
        )
        assert asked.status_code == 200, asked.text
    client, _ = office
    task = await task_json(client, plan.plan_key, "I.2")
    pending = task["milestones"][0]["pending_extension"]
    assert pending is not None and until.isoformat() in str(pending), task["milestones"][0]
    (entry,) = audit_of(task, "request_extension")
    assert (entry["outcome"], entry["via"]) == ("done", "unit_link")
    await sent(client, plan, "I.2", "extension_request", "cchc-vtlt", mails_before=mails_before)
