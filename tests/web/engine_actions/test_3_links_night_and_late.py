"""A unit's new link, sent by the coordinator, and the old one revoked; then two deployments
more on the package's dev server: one whose office hours EXCLUDE the present (evidence from
the unit's link is answered and shown recorded at once, its message held for the opening: issue
16's "Done when"), and one whose worker has stopped (the web says, in Vietnamese, that the
action may still be recorded: never a 500)."""

from __future__ import annotations

import re
from datetime import timedelta

import pendulum

from control import links, starting
from notifications.office_hours import next_office_opening
from tests.engine.test_night_on_the_dev_server import night_settings
from tests.notifications.servers import SmtpServer, free_port
from tests.support.engine import eventually
from tests.support.language import foreign
from tests.web.engine_actions.live import (
    COORDINATOR,
    LOCAL_TZ,
    MAILBOXES,
    MESSAGE_WITHIN,
    PDF,
    Live,
    Office,
    audit_log,
    audit_of,
    contacts_file,
    csrf_in,
    flash_of,
    open_settings,
    signed_in,
    task_json,
    task_planned,
    web_app,
    web_client,
    worker_of,
)
from web.context import words

# ----------------------------------------------------------------------------- a unit's link


async def test_the_coordinator_sends_a_new_link_and_revokes_the_old(
    plan: Live, office: Office
) -> None:
    client, headers = office
    old = links.unit_links(plan.settings).token(
        "ban-tdkt", issued_at=pendulum.now("UTC") - timedelta(minutes=5)
    )
    async with web_client(plan.app, plan.settings.public_url) as clerk:
        assert (await clerk.get("/api/unit", headers={"Authorization": f"Bearer {old}"})).is_success
    mails_before = len([m for m in plan.smtp.mails if MAILBOXES["ban-tdkt"] in m.recipients])
    answer = await client.post(
        "/api/units/ban-tdkt/link", json={"revoke_old": True}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["delivered"] is True, answer.json()
    # The new link reached the unit's mailbox (sent at once, not queued).
    mails = [m for m in plan.smtp.mails if MAILBOXES["ban-tdkt"] in m.recipients]
    assert len(mails) == mails_before + 1
    part = mails[-1].message.get_body(preferencelist=("plain", "html"))
    assert part is not None
    found = re.search(r"http://127\.0\.0\.1:\d+(/u/[\w.\-]+)", str(part.get_content()))
    assert found is not None, part.get_content()
    (entry,) = [e for e in audit_log(plan.settings) if e.action == "send_unit_link"]
    assert (entry.outcome, entry.actor, entry.details) == (
        "done",
        COORDINATOR[0],
        {"unit": "ban-tdkt", "revoke_old": True},
    )
    async with web_client(plan.app, plan.settings.public_url) as clerk:
        # The link in the mail opens the unit's page ...
        opened = await clerk.get(found.group(1))
        assert opened.status_code == 200 and str(opened.url).endswith("/unit"), opened.text[:500]
        assert "I.6" in opened.text
    async with web_client(plan.app, plan.settings.public_url) as stranger:
        # ... and the old one no longer does, said in Vietnamese.
        refused = await stranger.get(f"/u/{old}")
        assert refused.status_code == 401, refused.text[:500]
        assert "Đường dẫn" in refused.text or "đường dẫn" in refused.text


# ----------------------------------------------------------------------------- the office closed


async def test_evidence_outside_office_hours_is_recorded_at_once_its_message_held(
    live: Live, smtp: SmtpServer
) -> None:
    """A second deployment on the same server, its office hours excluding the present (the
    next opening an hour away or more, today a working day): the unit's evidence is answered
    and shown recorded at once; the coordinator's message waits in the log for the opening."""
    now = pendulum.now(LOCAL_TZ)
    folder = live.folder / "night"
    folder.mkdir()
    night = night_settings(
        folder, f"1,Xây dựng kế hoạch thi đua,Văn phòng Sở,,Tháng {now.month}/{now.year},\n"
    ).model_copy(
        update={
            "temporal_address": live.settings.temporal_address,
            "task_queue": "nhachan-web-night",
            "contacts": contacts_file(folder, smtp),
            "public_url": live.settings.public_url,
            "secret_key": live.settings.secret_key,
        }
    )
    opening = next_office_opening(night.working_calendar, pendulum.now("UTC"))
    assert opening is not None and opening - pendulum.now("UTC") >= timedelta(minutes=50)
    async with worker_of(live.client, night):
        report = await starting.start_plan(live.client, night, night.plan_file, year=now.year)
        assert report.plan_key != live.plan_key
        app = web_app(night, live.client)
        async with web_client(app, night.public_url) as client:
            await signed_in(client)
            # The task plans itself and writes where it stands at once, office or not.
            await task_planned(client, report.plan_key)
            path = f"/plans/{report.plan_key}/tasks/I.1/milestones/1"
            token = links.unit_links(night).token("van-phong")
            async with web_client(app, night.public_url) as clerk:
                form = await clerk.get(f"{path}/evidence", params={"t": token})
                assert form.status_code == 200, form.text[:500]
                answered = await clerk.post(
                    f"{path}/evidence",
                    data={"csrf": csrf_in(form.text), "document_number": "7/KH-SNV"},
                    files={"file": ("ke-hoach.pdf", PDF, "application/pdf")},
                )
                assert answered.status_code == 200, answered.text
                assert "Đã nhận minh chứng" in flash_of(answered.text, "ok")
            task = await task_json(client, report.plan_key, "I.1")
            milestone = task["milestones"][0]
            # Recorded and shown at once, in the night ...
            assert milestone["status"] == "done_on_time", milestone
            (entry,) = audit_of(task, "submit_evidence")
            assert entry["outcome"] == "done"

            # ... its message to the coordinator queued for the opening, not sent.
            async def queued() -> bool:
                rows = (await task_json(client, report.plan_key, "I.1"))["notifications"]
                return any(
                    r["kind"] == "evidence_received" and r["unit"] == "cchc-vtlt" for r in rows
                )

            await eventually(queued, seconds=MESSAGE_WITHIN)
            rows = (await task_json(client, report.plan_key, "I.1"))["notifications"]
            told = [r for r in rows if r["kind"] == "evidence_received"]
            assert [r["status"] for r in told] == ["queued"], told
            assert pendulum.now("UTC") < opening
            assert not [m for m in smtp.mails if "7/KH-SNV" in str(m.message)]


# ----------------------------------------------------------------------------- the engine late


async def test_an_engine_that_answers_late_is_said_in_vietnamese_never_a_500(
    live: Live, smtp: SmtpServer
) -> None:
    """The worker stopped: the update waits for an answer that does not come within the web's
    patience (`answer_within`: 5 s here, as true as the product's 20 s and four times shorter).
    The unit is told, in Vietnamese on the page and in the JSON, that it is not known yet
    whether its action was recorded (the server keeps the update for the worker's return), and
    the audit log says it failed, not that it was refused."""
    folder = live.folder / "late"
    folder.mkdir()
    late = open_settings(folder, smtp, live.settings.temporal_address, free_port()).model_copy(
        update={"task_queue": "nhachan-web-late"}
    )
    due = live.due
    plan_file = folder / "ke-hoach.csv"
    plan_file.write_text(
        f"Kế hoạch thi đua khen thưởng năm {due.year}\n"
        "STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú\n"
        "I. CHỈ ĐẠO,,,,,\n"
        f"1,Tổng kết phong trào thi đua,Văn phòng Sở,,ngày {due.day}/{due.month}/{due.year},\n",
        encoding="utf-8",
    )
    app = web_app(late, live.client, answer_within=5)
    async with web_client(app, late.public_url) as client:
        await signed_in(client)
        async with worker_of(live.client, late):
            report = await starting.start_plan(live.client, late, plan_file, year=due.year)
            await task_planned(client, report.plan_key)
        # The worker has stopped: nothing answers the task's updates now.
        path = f"/plans/{report.plan_key}/tasks/I.1/milestones/1"
        token = links.unit_links(late).token("van-phong")
        async with web_client(app, late.public_url) as clerk:
            form = await clerk.get(f"{path}/evidence", params={"t": token})
            assert form.status_code == 200, form.text[:500]
            answered = await clerk.post(
                f"{path}/evidence",
                data={"csrf": csrf_in(form.text), "document_number": "9/BC-TDKT"},
                files={"file": ("bao-cao.pdf", PDF, "application/pdf")},
            )
            assert answered.status_code == 200, answered.text
            late_words = words()["refusals"]["engine_late"]
            assert "chưa biết" in late_words  # what the person must know: it may be recorded
            assert flash_of(answered.text, "error") == late_words
            assert not foreign(answered.text), foreign(answered.text)
            asked = await clerk.post(
                f"/api{path}/extension-request",
                json={"until": (due + timedelta(days=7)).isoformat(), "reason": "Chờ số liệu"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert asked.status_code == 504, asked.text
            problem = asked.json()
            assert (problem["error"], problem["message"], problem["recorded"]) == (
                "engine_late",
                late_words,
                None,
            )
        task = await task_json(client, report.plan_key, "I.1")
        assert [(a["action"], a["outcome"]) for a in task["audit"]] == [
            ("submit_evidence", "failed"),
            ("request_extension", "failed"),
        ]
        assert task["milestones"][0]["status"] == "open"  # nothing shown as done
