"""Every web action once against the real engine: the Temporal dev server from the pip package
(one for the module), the product's worker with its real notification activities, mail to an
SMTP server on loopback, and the web app over HTTP (httpx on the ASGI app). Each test acts as a
person does (the unit from its link, the coordinator signed in) and then reads back what the web
shows: the task's state (its page and its JSON), the audit log's entry, and the messages the
action queued and sent.

The office is open around the present instant (00:00-23:59:59, today and the days after it
working days: `simulation.real_clock`), so every test is true at any hour; the plan's due dates
are ten days or more ahead and the extensions fall within the same year. Two more deployments
share the server: one whose office hours EXCLUDE the present (evidence from the unit's link is
answered and shown recorded at once, its message held for the opening: issue 16's "Done when"),
and one whose worker has stopped (the web says, in Vietnamese, that the action may still be
recorded: never a 500).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pendulum
import pytest
from temporalio.client import Client

from control import accounts, links, starting
from control.runtime import build_worker, start_dev_server
from models.tables import AuditEntry, UnitRole
from notifications.channels import register_outbox
from notifications.office_hours import next_office_opening
from settings import Settings, get_settings
from simulation.real_clock import working_days_from, write_calendar
from storage.access import recent_audit
from storage.db import session_scope, upgrade_schema
from tests.engine.test_night_on_the_dev_server import night_settings
from tests.notifications.servers import SmtpServer, free_port
from tests.support.language import foreign
from tests.web.test_browser import eventually
from web.actions import EngineActions
from web.app import create_app
from web.context import words
from workflows.outbox import FIRST_RETRY, retry_delay

LOCAL_TZ = "Asia/Ho_Chi_Minh"
COORDINATOR = ("dieuphoi", "mat-khau-dieu-phoi")
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
# The units that lead the plan's tasks, each with its own mailbox.
MAILBOXES = {
    "van-phong": "vanphong@snv.example",
    "phong-tcbc": "tcbc@snv.example",
    "ban-tdkt": "tdkt@snv.example",
    "cchc-vtlt": "cchc@snv.example",
    "lanh-dao": "lanhdao@snv.example",
}
# A message goes out at once on a live channel; one attempt that a loaded machine fails is tried
# again after the outbox's first retry and the one after it (30 s, then 60 s): the patience
# covers both, and what the task writes as it starts.
MESSAGE_WITHIN = (FIRST_RETRY + retry_delay(2)).total_seconds() + 30


def due_day(today: date) -> date:
    """A due date ten days ahead or more whose extension a week later stays in its year."""
    due = today + timedelta(days=10)
    if (due + timedelta(days=7)).year != due.year:
        due = date(due.year + 1, 1, 10)
    return due


def plan_text(due: date) -> str:
    d = f"ngày {due.day}/{due.month}/{due.year}"
    return (
        f"Kế hoạch cải cách hành chính năm {due.year}\n"
        "STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú\n"
        "I. CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH,,,,,\n"
        f"1,Xây dựng kế hoạch cải cách hành chính,Văn phòng Sở,,{d},\n"
        f"2,Báo cáo công tác cải cách hành chính quý,Văn phòng Sở,,{d},\n"
        f"3,Tổng hợp số liệu thống kê,Văn phòng Sở,,{d},\n"
        f"4,Rà soát quy chế làm việc,Văn phòng Sở,,{d},\n"
        f"5,Rà soát văn bản quy phạm pháp luật,Văn phòng Sở,,{d},\n"
        f"6,Kiểm tra công tác văn thư,Ban Thi đua - Khen thưởng,,{d},\n"
        f"7,Tập huấn nghiệp vụ,Ban Thi đua - Khen thưởng,,{d},\n"
        "8,Triển khai Quyết định của UBND tỉnh,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,\n"
        f"9,Báo cáo kết quả kiểm soát thủ tục,Văn phòng Sở,,{d},\n"
        f"10,Cập nhật cơ sở dữ liệu cán bộ,Văn phòng Sở,,{d},\n"
    )


def contacts_file(folder: Path, smtp: SmtpServer) -> Path:
    contacts = folder / "contacts.yaml"
    contacts.write_text(
        "units:\n"
        + "".join(f"  {unit}: ['{smtp.url(address)}']\n" for unit, address in MAILBOXES.items())
        + "default: [outbox://]\n",
        encoding="utf-8",
    )
    return contacts


def open_settings(folder: Path, smtp: SmtpServer, address: str, port: int) -> Settings:
    """A deployment whose office is open now and through the module's run (today and the days
    after it working days, 00:00-23:59:59), every policy time at the opening."""
    policy = folder / "policy.yaml"
    policy.write_text(
        "".join(
            f'{kind}: {{at: "00:00"}}\n'
            for kind in ("reminders", "escalations", "check_ins", "nudges")
        ),
        encoding="utf-8",
    )
    return get_settings().model_copy(
        update={
            "var_dir": folder / "var",
            "database_url": f"sqlite:///{folder / 'nhachan.db'}",
            "temporal_address": address,
            "task_queue": "nhachan-web-actions",
            "calendar_dir": write_calendar(
                folder / "calendar", working_days_from(datetime.now(UTC)), name="test day"
            ),
            "policy_file": policy,
            "contacts": contacts_file(folder, smtp),
            "public_url": f"http://127.0.0.1:{port}",
            "secret_key": "engine-actions-secret",
            "office_opens": time(0, 0),
            "office_closes": time(23, 59, 59),
        }
    )


Office = tuple[httpx.AsyncClient, dict[str, str]]


@dataclass
class Live:
    settings: Settings
    client: Client
    smtp: SmtpServer
    app: Any
    folder: Path
    due: date
    # Filled in by `plan`: the key of the plan the coordinator started through the web, and
    # the pages it went through.
    plan_key: str = ""
    started: list[httpx.Response] | None = None


@asynccontextmanager
async def web_client(app: Any, base: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url=base, follow_redirects=True, timeout=60
    ) as client:
        yield client


@asynccontextmanager
async def worker_of(client: Client, settings: Settings) -> AsyncIterator[None]:
    upgrade_schema(settings.resolved_database_url())
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with build_worker(client, settings, executor=executor):
            yield


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> AsyncIterator[Live]:
    folder = tmp_path_factory.mktemp("engine-actions")
    settings = open_settings(folder, smtp, f"127.0.0.1:{free_port()}", free_port())
    settings = settings.model_copy(update={"temporal_ui_port": free_port()})
    register_outbox()
    env = await start_dev_server(settings)
    async with env, worker_of(env.client, settings):
        accounts.create_account(
            settings, name=COORDINATOR[0], role=UnitRole.COORDINATOR, password=COORDINATOR[1]
        )
        app = create_app(settings, engine=EngineActions(settings, client=env.client))
        due = due_day(pendulum.now(LOCAL_TZ).date())
        yield Live(settings, env.client, smtp, app, folder, due)


def csrf_in(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html[:500]
    return found.group(1)


async def signed_in(client: httpx.AsyncClient) -> dict[str, str]:
    """Signs the coordinator in through the sign-in page; the API's CSRF header."""
    page = await client.get("/login")
    answer = await client.post(
        "/login",
        data={"name": COORDINATOR[0], "password": COORDINATOR[1], "csrf": csrf_in(page.text)},
    )
    assert answer.status_code == 200, answer.text
    session = (await client.get("/api/session")).json()
    assert session["account"] == {"name": COORDINATOR[0], "role": "coordinator"}, session
    return {"X-CSRF-Token": str(session["csrf"])}


async def planned_board(
    client: httpx.AsyncClient, plan_key: str, *, tasks: int
) -> dict[tuple[str, str], dict[str, Any]]:
    """The plan's page once each of its `tasks` has written where it stands, by milestone (the
    start waits a moment for them, then answers that the engine is still recording)."""

    async def board() -> dict[tuple[str, str], dict[str, Any]]:
        found = (await client.get(f"/api/plans/{plan_key}")).json()
        return {(r["task"], r["milestone"]): r for r in found["rows"] if r["status"]}

    async def every_task_planned() -> bool:
        return len({task for task, _ in await board()}) == tasks

    await eventually(every_task_planned, seconds=MESSAGE_WITHIN)
    return await board()


@pytest.fixture(scope="module")
async def plan(live: Live) -> Live:
    """The coordinator uploads the plan file through the import page, reads its preview and
    starts it: every other test acts on this plan."""
    async with web_client(live.app, live.settings.public_url) as coordinator:
        await signed_in(coordinator)
        page = await coordinator.get("/import")
        uploaded = await coordinator.post(
            "/import",
            data={"csrf": csrf_in(page.text), "year": str(live.due.year)},
            files={"file": ("ke-hoach.csv", plan_text(live.due).encode(), "text/csv")},
        )
        assert uploaded.status_code == 200, uploaded.text
        start = re.search(r'action="(/import/[0-9a-f]+/start)"', uploaded.text)
        assert start is not None, uploaded.text[-2000:]
        started = await coordinator.post(
            start.group(1), data={"csrf": csrf_in(uploaded.text), "year": str(live.due.year)}
        )
        assert started.status_code == 200, started.text
        found = re.search(r"/plans/([\w-]+)$", str(started.url))
        assert found is not None, started.url
        live.plan_key = found.group(1)
        live.started = [uploaded, started]
        await planned_board(coordinator, live.plan_key, tasks=10)
    return live


@pytest.fixture(scope="module")
async def office(plan: Live) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """The coordinator, signed in once for the module (as a person stays signed in)."""
    async with web_client(plan.app, plan.settings.public_url) as client:
        yield client, await signed_in(client)


async def task_json(client: httpx.AsyncClient, plan_key: str, task: str) -> dict[str, Any]:
    answer = await client.get(f"/api/plans/{plan_key}/tasks/{task}")
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def audit_log(settings: Settings) -> list[AuditEntry]:
    """The audit log's latest entries, for the actions no task's page lists."""
    with session_scope(settings.resolved_database_url()) as session:
        return recent_audit(session, limit=200)


def audit_of(task: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [a for a in task["audit"] if a["action"] == action]


def mails_about(smtp: SmtpServer, unit: str, task: str) -> list[str]:
    """The subjects and bodies of the mails that reached `unit` about `task`."""
    found = []
    for mail in smtp.mails:
        if MAILBOXES[unit] not in mail.recipients:
            continue
        part = mail.message.get_body(preferencelist=("plain", "html"))
        text = f"{mail.message['subject']}\n{part.get_content() if part is not None else ''}"
        if task in text:
            found.append(text)
    return found


async def sent(
    client: httpx.AsyncClient, live: Live, task: str, kind: str, unit: str, *, mails_before: int
) -> dict[str, Any]:
    """Waits for the task's `kind` message to `unit` to be logged sent and for one more mail
    about the task than `mails_before` to reach the unit's mailbox; the log's row."""

    async def logged() -> bool:
        rows = (await task_json(client, live.plan_key, task))["notifications"]
        return any(r["kind"] == kind and r["unit"] == unit and r["status"] == "sent" for r in rows)

    await eventually(logged, seconds=MESSAGE_WITHIN)
    await eventually(
        lambda: len(mails_about(live.smtp, unit, task)) > mails_before, seconds=MESSAGE_WITHIN
    )
    rows = (await task_json(client, live.plan_key, task))["notifications"]
    return next(r for r in rows if r["kind"] == kind and r["unit"] == unit)


def flash_of(html: str, kind: str) -> str:
    found = re.search(rf'<p class="flash {kind}"[^>]*>([^<]*)</p>', html)
    assert found is not None, html[:3000]
    return found.group(1)


def unit_headers(live: Live, unit: str) -> dict[str, str]:
    """A unit acting from its link through the API (no cookie, no CSRF token)."""
    return {"Authorization": f"Bearer {links.unit_links(live.settings).token(unit)}"}


def milestone_path(live: Live, task: str) -> str:
    return f"/plans/{live.plan_key}/tasks/{task}/milestones/1"


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
    await sent(client, plan, "I.8", "clock_started", "van-phong", mails_before=mails_before)


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
        app = create_app(night, engine=EngineActions(night, client=live.client))
        accounts.create_account(
            night, name=COORDINATOR[0], role=UnitRole.COORDINATOR, password=COORDINATOR[1]
        )
        async with web_client(app, night.public_url) as client:
            await signed_in(client)

            async def planned() -> bool:
                answer = await client.get(f"/api/plans/{report.plan_key}/tasks/I.1")
                return answer.status_code == 200 and bool(answer.json()["milestones"])

            # The task plans itself and writes where it stands at once, office or not.
            await eventually(planned, seconds=MESSAGE_WITHIN)
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
    patience (`ANSWER_WITHIN`). The unit is told, in Vietnamese on the page and in the JSON,
    that it is not known yet whether its action was recorded (the server keeps the update for
    the worker's return), and the audit log says it failed, not that it was refused."""
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
    app = create_app(late, engine=EngineActions(late, client=live.client))
    accounts.create_account(
        late, name=COORDINATOR[0], role=UnitRole.COORDINATOR, password=COORDINATOR[1]
    )
    async with web_client(app, late.public_url) as client:
        await signed_in(client)
        async with worker_of(live.client, late):
            report = await starting.start_plan(live.client, late, plan_file, year=due.year)

            async def planned() -> bool:
                answer = await client.get(f"/api/plans/{report.plan_key}/tasks/I.1")
                return answer.status_code == 200 and bool(answer.json()["milestones"])

            await eventually(planned, seconds=MESSAGE_WITHIN)
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
