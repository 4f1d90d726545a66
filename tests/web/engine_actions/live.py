"""The web actions' world, shared by the modules of this folder: one deployment on the Temporal
dev server from the pip package, the product's worker with its real notification activities,
mail to an SMTP server on loopback, and the web app over HTTP (httpx on the ASGI app); and the
ways a test acts as a person does and reads back what the web shows.

The office is open around the present instant (00:00-23:59:59, today and the days after it
working days: `simulation.real_clock`), so every test is true at any hour; the plan's due dates
are ten days or more ahead and the extensions fall within the same year."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client

from control import accounts, links
from control.runtime import build_worker
from models.tables import AuditEntry, UnitRole
from notifications.event_telling import REACTION_WAIT
from settings import Settings
from simulation.real_clock import working_days_from, write_calendar
from storage.access import recent_audit
from storage.db import session_scope, upgrade_schema
from tests.notifications.servers import SmtpServer
from tests.support.engine import deployment_settings, eventually, policy_at
from web.actions import EngineActions
from web.app import create_app
from workflows.notification_calls import NOTIFICATION_RETRY
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
# The plan's message about an event waits for the tasks to record their reaction (at most
# REACTION_WAIT an attempt); an attempt a loaded machine fails is tried again after the
# notification policy's first retry and the one after it.
_FIRST = NOTIFICATION_RETRY.initial_interval
TOLD_BY_THE_PLAN_WITHIN = (
    REACTION_WAIT + _FIRST + _FIRST * NOTIFICATION_RETRY.backoff_coefficient
).total_seconds() + 30


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
    return deployment_settings(
        folder,
        task_queue="nhachan-web-actions",
        temporal_address=address,
        calendar_dir=write_calendar(
            folder / "calendar", working_days_from(datetime.now(UTC)), name="test day"
        ),
        policy_file=policy_at(folder),
        contacts=contacts_file(folder, smtp),
        public_url=f"http://127.0.0.1:{port}",
        secret_key="engine-actions-secret",
        office_opens=time(0, 0),
        office_closes=time(23, 59, 59),
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
    client: httpx.AsyncClient,
    live: Live,
    task: str,
    kind: str,
    unit: str,
    *,
    mails_before: int,
    within: float = MESSAGE_WITHIN,
) -> dict[str, Any]:
    """Waits (at most `within` seconds each) for the task's `kind` message to `unit` to be
    logged sent and for one more mail about the task than `mails_before` to reach the unit's
    mailbox; the log's row."""

    async def logged() -> bool:
        rows = (await task_json(client, live.plan_key, task))["notifications"]
        return any(r["kind"] == kind and r["unit"] == unit and r["status"] == "sent" for r in rows)

    await eventually(logged, seconds=within)
    await eventually(lambda: len(mails_about(live.smtp, unit, task)) > mails_before, seconds=within)
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


def web_app(settings: Settings, client: Client, **engine: Any) -> Any:
    """The web app of a deployment on the engine `client` reaches (`engine`: EngineActions'
    options), with the coordinator's account."""
    app = create_app(settings, engine=EngineActions(settings, client=client, **engine))
    accounts.create_account(
        settings, name=COORDINATOR[0], role=UnitRole.COORDINATOR, password=COORDINATOR[1]
    )
    return app


async def task_planned(client: httpx.AsyncClient, plan_key: str, task: str = "I.1") -> None:
    """Returns once the task's page lists its milestones: the task planned itself."""

    async def planned() -> bool:
        answer = await client.get(f"/api/plans/{plan_key}/tasks/{task}")
        return answer.status_code == 200 and bool(answer.json()["milestones"])

    await eventually(planned, seconds=MESSAGE_WITHIN)
