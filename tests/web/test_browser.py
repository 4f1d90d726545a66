"""The web app in a real browser (Debian's Chromium driven by Playwright), on the real engine:
the time-skipping Temporal server, the worker with its real notification activities, a real
SMTP server on loopback, and the web app served by uvicorn.

(a) The whole way: the plan starts, a reminder reaches the SMTP server, the link is taken out
of that email and opened, a PDF is uploaded as evidence, and the coordinator's dashboard then
shows the milestone "hoàn thành đúng hạn".
(b) The coordinator signs in, triggers an event (after its preview) and sees the waiting tasks
become due.

Then the rest of the actions through the JSON API against the same engine (rejecting evidence
reopens the milestone and emails the unit; an extension asked and granted; a reassignment; a
cancellation). Each page is saved as a screenshot: under a temporary folder in a test run, under
docs/screenshots/ (which the README shows) when `make screenshots` sets NHACHAN_SCREENSHOTS, so
that a test run leaves the working tree as it found it.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, Page, ViewportSize, async_playwright

from control import accounts, links, refusal_words, starting
from control.runtime import build_worker
from deadlines.local_time import local_day
from models.statuses import MilestoneStatus
from models.tables import UnitRole
from notifications.channels import register_outbox
from plan_import import read_plan
from settings import PROJECT_ROOT, Settings, get_settings
from simulation.clock import start_time_skipping_at
from storage.db import session_scope
from storage.overview import milestone_rows
from storage.plans import get_plan, store_plan
from tests.notifications.servers import ReceivedMail, SmtpServer, free_port
from tests.support.engine import eventually as wait_until
from tests.support.language import foreign
from web.actions import ENDED, EngineActions
from web.app import create_app
from web.context import words
from web.planning import PlannedSteps

SHOTS = Path(
    os.environ.get("NHACHAN_SCREENSHOTS") or Path(tempfile.gettempdir()) / "nhachan-screenshots"
)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEW: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN"}
PHONE: ViewportSize = {"width": 390, "height": 844}
ON_A_PHONE: dict[str, Any] = {
    "viewport": PHONE,
    "locale": "vi-VN",
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
COORDINATOR = ("dieuphoi", "mat-khau-dieu-phoi")
LEADERSHIP = ("lanhdao", "mat-khau-lanh-dao")
# Thursday 16/03/2023, 09:00 in Vietnam: the first reminder of "Tháng 3/2023" goes out on
# Friday 17/03 (ten working days before Friday 31/03).
START = datetime(2023, 3, 16, 2, 0, tzinfo=UTC)
PLAN = """STT,Nhiệm vụ cụ thể,Cơ quan chủ trì,Cơ quan phối hợp,Thời gian thực hiện,Ghi chú
I. CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH,,,,,
1,Xây dựng Kế hoạch cải cách hành chính của Sở,Văn phòng Sở,Phòng CCHC-VTLT,Tháng 3/2023,
2,Triển khai Quyết định của UBND tỉnh về CCHC,Văn phòng Sở,,Sau khi UBND tỉnh ban hành,
3,Rà soát hồ sơ lưu trữ,Trung tâm lưu trữ lịch sử tỉnh,Văn phòng Sở,Sau khi UBND tỉnh ban hành,
II. CẢI CÁCH THỂ CHẾ,,,,,
1,Rà soát văn bản quy phạm pháp luật,Phòng Tổ chức biên chế và tổ chức phi chính phủ,,Tháng 6/2023,
2,Rà soát thủ tục theo kế hoạch của tỉnh,Văn phòng Sở,,Theo Kế hoạch của UBND tỉnh,
"""
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


@dataclass
class Engine:
    settings: Settings
    smtp: SmtpServer
    plan_key: str
    base: str
    browser: Browser
    clock: Callable[[], datetime]
    sleep_until: Callable[[datetime], Awaitable[None]]
    folder: Path


# What the browser test waits on runs on a time-skipping server beside it: 30 s covers it.
eventually = partial(wait_until, seconds=30)


def mails_to(smtp: SmtpServer, address: str) -> list[ReceivedMail]:
    return [m for m in smtp.mails if address in m.recipients]


def text_of(mail: ReceivedMail) -> str:
    part = mail.message.get_body(preferencelist=("plain", "html"))
    assert part is not None
    return str(part.get_content())


def milestone_due(settings: Settings, plan_key: str, task: str) -> datetime:
    with session_scope(settings.resolved_database_url()) as session:
        plan = get_plan(session, plan_key)
        assert plan is not None and plan.id is not None
        rows = milestone_rows(session, plan.id, task_code=task)
    assert rows and rows[0].due_at is not None, rows
    return rows[0].due_at


def milestone_status(settings: Settings, plan_key: str, task: str) -> str | None:
    with session_scope(settings.resolved_database_url()) as session:
        plan = get_plan(session, plan_key)
        assert plan is not None and plan.id is not None
        rows = milestone_rows(session, plan.id, task_code=task)
    return rows[0].status if rows else None


async def sideways(page: Page) -> tuple[int, int]:
    """How wide the page is, and how wide the window: the first above the second means a
    person has to scroll sideways."""
    wide, window = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return int(wide), int(window)


async def shot(page: Page, name: str, *, ours: bool = True) -> None:
    """The page as it is (a desktop), then on a phone: 390×844, with nothing to scroll
    sideways for; one of the app's own pages (`ours`) said in Vietnamese."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if not ours:
        return
    found = [str(f) for f in foreign(await page.content())]
    assert not found, f"{name} is not all in Vietnamese:\n" + "\n".join(found)
    desktop = page.viewport_size
    await page.set_viewport_size(PHONE)
    try:
        wide, window = await sideways(page)
        assert wide <= window, f"{name}: {wide} px wide on a {window} px phone"
        await page.screenshot(path=str(SHOTS / f"{name}-dien-thoai.png"), full_page=True)
    finally:
        if desktop is not None:
            await page.set_viewport_size(desktop)


@pytest.fixture(scope="module")
async def engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Engine]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium")
    folder = tmp_path_factory.mktemp("browser")
    plan_file = folder / "ke-hoach.csv"
    plan_file.write_text(PLAN, encoding="utf-8")
    smtp = SmtpServer()
    smtp.start()
    contacts = folder / "contacts.yaml"
    contacts.write_text(
        "units:\n"
        f"  van-phong: ['{smtp.url('vanphong@snv.example')}']\n"
        f"  ttlt: ['{smtp.url('ttlt@snv.example')}']\n"
        "default: [outbox://]\n",
        encoding="utf-8",
    )
    port = free_port()
    register_outbox()
    env = await start_time_skipping_at(START)
    target = env.client.service_client.config.target_host
    settings = get_settings().model_copy(
        update={
            "var_dir": folder / "var",
            "database_url": f"sqlite:///{folder / 'nhachan.db'}",
            "task_queue": "nhachan-browser",
            "temporal_address": target,
            "contacts": contacts,
            "public_url": f"http://127.0.0.1:{port}",
            "secret_key": "browser-test-secret",
        }
    )
    # The web app's clock is the Temporal server's (2023), moving on with the real one.
    told: dict[str, Any] = {"at": START, "real": time.monotonic()}

    def clock() -> datetime:
        at: datetime = told["at"] + timedelta(seconds=time.monotonic() - told["real"])
        return at

    async def sleep_until(target_at: datetime) -> None:
        now = await env.get_current_time()
        if target_at > now:
            await env.sleep(target_at - now)
        told.update(at=await env.get_current_time(), real=time.monotonic())

    async with env:
        with ThreadPoolExecutor(max_workers=8) as executor:
            async with build_worker(env.client, settings, executor=executor):
                report = await starting.start_plan(
                    env.client, settings, plan_file, year=2023, with_digest=False
                )
                told.update(at=await env.get_current_time(), real=time.monotonic())
                accounts.create_account(
                    settings,
                    name=COORDINATOR[0],
                    role=UnitRole.COORDINATOR,
                    password=COORDINATOR[1],
                )
                accounts.create_account(
                    settings, name=LEADERSHIP[0], role=UnitRole.LEADERSHIP, password=LEADERSHIP[1]
                )
                app = create_app(settings, clock=clock, engine=EngineActions(settings))
                server = uvicorn.Server(
                    uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
                )
                thread = threading.Thread(target=server.run, daemon=True)
                thread.start()
                await eventually(lambda: server.started, seconds=20)
                async with async_playwright() as playwright:
                    browser = await playwright.chromium.launch(
                        executable_path=CHROMIUM, args=CHROMIUM_ARGS
                    )
                    try:
                        yield Engine(
                            settings,
                            smtp,
                            report.plan_key,
                            settings.public_url,
                            browser,
                            clock,
                            sleep_until,
                            folder,
                        )
                    finally:
                        await browser.close()
                        server.should_exit = True
                        thread.join(timeout=10)
    smtp.stop()
    shutil.rmtree(folder, ignore_errors=True)


# What the browser reports blocked by the Content-Security-Policy, on every page of these tests.
BLOCKED: list[str] = []


def watched(page: Page) -> Page:
    """The page, its console watched for anything the Content-Security-Policy blocked."""
    page.on(
        "console",
        lambda message: (
            BLOCKED.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


async def signed_in(engine: Engine, name: str, password: str) -> Page:
    context = await engine.browser.new_context(
        viewport={"width": 1280, "height": 860}, locale="vi-VN"
    )
    page = watched(await context.new_page())
    await page.goto(f"{engine.base}/login")
    await page.fill("input[name=name]", name)
    await page.fill("input[name=password]", password)
    await page.click("form.stack button")
    await page.wait_for_load_state()
    # Signed in: the plans' page, with the account named and a way out.
    assert page.url == f"{engine.base}/", page.url
    role = "coordinator" if name == COORDINATOR[0] else "leadership"
    assert await page.locator("header .who").inner_text() == f"{name} · {words()['roles'][role]}"
    assert await page.locator("form[action='/logout'] button").count() == 1
    return page


async def test_a_reminder_email_leads_to_evidence_and_the_dashboard_shows_it_done(
    engine: Engine,
) -> None:
    login = await (await engine.browser.new_context(**VIEW)).new_page()
    await login.goto(f"{engine.base}/login")
    await shot(login, "01-dang-nhap")

    # Friday 17/03, 09:00: the first reminder of I.1 has gone to Văn phòng Sở's mailbox.
    await engine.sleep_until(datetime(2023, 3, 17, 2, 0, tzinfo=UTC))
    await eventually(
        lambda: any(
            "[Nhắc hạn] I.1" in str(m.message["subject"])
            for m in mails_to(engine.smtp, "vanphong@snv.example")
        )
    )
    mail = next(
        m
        for m in mails_to(engine.smtp, "vanphong@snv.example")
        if "[Nhắc hạn] I.1" in str(m.message["subject"])
    )
    found = re.search(r"(http://127\.0\.0\.1:\d+/plans/\S+/evidence\?t=[\w.\-]+)", text_of(mail))
    assert found is not None, text_of(mail)
    link = found.group(1)

    clerk = await (await engine.browser.new_context(**VIEW)).new_page()
    await clerk.goto(link)
    assert "?t=" not in clerk.url  # recognised, and the token left the address bar
    assert (
        await clerk.locator("h1").inner_text()
        == "I.1. Xây dựng Kế hoạch cải cách hành chính của Sở"
    )
    # The same link on a phone: the form and the unit's page fit the screen, each milestone's
    # state and its button within reach without scrolling sideways.
    phone = await (await engine.browser.new_context(**ON_A_PHONE)).new_page()
    await phone.goto(link)
    assert await sideways(phone) == (PHONE["width"], PHONE["width"])
    for field in ("input[name=document_number]", "input[name=file]", "#evidence-form button"):
        box = await phone.locator(field).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    await clerk.fill("input[name=document_number]", "15/KH-SNV")
    await clerk.fill("input[name=document_date]", "2023-03-16")
    pdf = engine.folder / "ke-hoach-cchc.pdf"
    pdf.write_bytes(PDF)
    await clerk.set_input_files("input[name=file]", str(pdf))
    await shot(clerk, "03-don-vi-gui-minh-chung")
    await clerk.click("#evidence-form button")
    await clerk.wait_for_load_state()
    assert "Đã nhận minh chứng" in await clerk.locator(".flash.ok").inner_text()
    await clerk.goto(f"{engine.base}/unit")
    await shot(clerk, "04-trang-cua-don-vi")

    await phone.goto(f"{engine.base}/unit")
    assert await sideways(phone) == (PHONE["width"], PHONE["width"])
    rows = phone.locator("#unit-work tbody tr")
    assert await rows.count() >= 2
    for n in range(await rows.count()):
        for part in (".state", "a.button"):
            box = await rows.nth(n).locator(part).bounding_box()
            assert box is not None and box["x"] + box["width"] <= PHONE["width"], (n, part)
    title = await rows.first.locator("td.title").bounding_box()
    assert title is not None and title["width"] > PHONE["width"] / 2  # no word-a-line column

    await eventually(
        lambda: (
            milestone_status(engine.settings, engine.plan_key, "I.1")
            == MilestoneStatus.DONE_ON_TIME
        )
    )
    coordinator = await signed_in(engine, *COORDINATOR)
    await shot(coordinator, "02-cac-ke-hoach")
    await coordinator.goto(f"{engine.base}/plans/{engine.plan_key}")
    row = coordinator.locator('tr[data-task="I.1"][data-milestone="1"]')
    assert await row.get_attribute("data-state") == "done_on_time"
    assert "Hoàn thành đúng hạn" in await row.inner_text()
    await shot(coordinator, "05-bang-theo-doi")
    await coordinator.goto(f"{engine.base}/plans/{engine.plan_key}/tasks/I.1")
    task_text = await coordinator.locator("main").inner_text()
    assert "15/KH-SNV" in task_text and "tệp đính kèm" in task_text
    assert "Gửi minh chứng" in task_text  # the audit log: who, through the unit's link
    await shot(coordinator, "06-nhiem-vu")


async def test_the_coordinator_triggers_an_event_and_the_waiting_tasks_become_due(
    engine: Engine,
) -> None:
    page = await signed_in(engine, *COORDINATOR)
    await page.goto(f"{engine.base}/plans/{engine.plan_key}")
    waiting = page.locator('tr[data-state="waiting_event"]')
    assert await waiting.count() == 3  # I.2 and I.3 on one event, II.2 on the province's plan
    await page.click("text=Ghi nhận sự kiện")
    await page.select_option("select[name=key]", "ubnd-tinh-ban-hanh")
    await page.fill("input[name=decision]", "12/QĐ-UBND")
    await page.click("#event-choose button")
    await page.wait_for_load_state()
    preview = await page.locator("#event-preview").inner_text()
    assert "I.2" in preview and "I.3" in preview and "/2023" in preview
    await shot(page, "07-su-kien-xem-truoc")
    await page.click("#event-confirm button")
    await page.wait_for_load_state()
    said = await page.locator(".flash.ok").inner_text()
    assert "2 nhiệm vụ bắt đầu tính hạn" in said
    # The page after the confirmation shows the new state, not the old one as if current.
    assert "đang ghi nhận" not in said

    async def waiting_are(tasks: set[str]) -> bool:
        await page.goto(f"{engine.base}/plans/{engine.plan_key}")
        rows = page.locator('tr[data-state="waiting_event"]')
        return {
            await rows.nth(n).get_attribute("data-task") for n in range(await rows.count())
        } == tasks

    assert await waiting_are({"II.2"})
    # The province's plan sets II.2's due date: the preview asks for it before anything can be
    # confirmed, and the engine takes the event once it is given.
    await page.goto(f"{engine.base}/plans/{engine.plan_key}/events")
    await page.select_option("select[name=key]", "ke-hoach-cua-ubnd-tinh")
    await page.fill("input[name=decision]", "30/KH-UBND")
    await page.click("#event-choose button")
    await page.wait_for_load_state()
    assert await page.locator("#event-confirm").count() == 0
    assert "Hạn của II.2 do văn bản" in await page.locator("#event-needs-due").inner_text()
    await page.fill("#event-due input[name=due_on]", "2023-05-31")
    await page.click("#event-due button")
    await page.wait_for_load_state()
    assert "31/05/2023" in await page.locator("#event-preview").inner_text()
    await shot(page, "07b-su-kien-can-han")
    await page.click("#event-confirm button")
    await page.wait_for_load_state()
    assert (
        "“Theo Kế hoạch của UBND tỉnh”: 1 nhiệm vụ" in await page.locator(".flash.ok").inner_text()
    )
    await eventually(lambda: waiting_are(set()))
    due = await page.locator('tr[data-task="II.2"] td[data-label="Hạn"]').inner_text()
    assert due.strip() == "31/05/2023 17:00"
    await page.goto(f"{engine.base}/plans/{engine.plan_key}")
    due_soon_until = PlannedSteps(engine.settings).due_soon_until(local_day(engine.clock()), 2023)
    for task in ("I.2", "I.3"):
        row = page.locator(f'tr[data-task="{task}"]')
        due_at = milestone_due(engine.settings, engine.plan_key, task)
        expected = "due_soon" if local_day(due_at) <= due_soon_until else "in_progress"
        assert await row.get_attribute("data-state") == expected, (task, due_at)
    await shot(page, "08-bang-theo-doi-sau-su-kien")


async def test_the_other_pages(engine: Engine) -> None:
    coordinator = await signed_in(engine, *COORDINATOR)
    await coordinator.goto(f"{engine.base}/units")
    await shot(coordinator, "09-don-vi")
    await coordinator.goto(f"{engine.base}/import")
    await coordinator.set_input_files("input[name=file]", str(engine.folder / "ke-hoach.csv"))
    await coordinator.fill("input[name=year]", "2023")
    await coordinator.click("form.card button")
    await coordinator.wait_for_load_state()
    assert (
        "Xác nhận và khởi động kế hoạch" in await coordinator.locator("#import-report").inner_text()
    )
    await shot(coordinator, "10-nhap-ke-hoach")
    # The API's documentation, from the app's own files (no CDN).
    loaded: list[str] = []
    coordinator.on("request", lambda request: loaded.append(request.url))
    await coordinator.goto(f"{engine.base}/docs")
    await coordinator.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert all(url.startswith(engine.base) or url.startswith("data:") for url in loaded), loaded
    await shot(coordinator, "12-api", ours=False)  # Swagger UI's own page
    leadership = await signed_in(engine, *LEADERSHIP)
    await leadership.goto(f"{engine.base}/overview")
    assert "Tổng quan cho lãnh đạo" in await leadership.locator("h1").inner_text()
    await shot(leadership, "11-tong-quan-lanh-dao")
    # The dashboard's filters load their rows through HTMX, under the same policy.
    await coordinator.goto(f"{engine.base}/plans/{engine.plan_key}")
    async with coordinator.expect_response(lambda r: "/plans/" in r.url and "q=" in r.url):
        # Typed key by key: HTMX asks on the keys going up.
        await coordinator.locator("input[name=q]").press_sequentially("I.1")
    assert BLOCKED == [], BLOCKED


async def test_the_api_acts_on_the_real_engine(engine: Engine) -> None:
    base = engine.base
    plan = f"{base}/api/plans/{engine.plan_key}"
    async with httpx.AsyncClient() as coordinator:
        csrf = (await coordinator.get(f"{base}/api/session")).json()["csrf"]
        signed = await coordinator.post(
            f"{base}/api/session",
            json={"name": COORDINATOR[0], "password": COORDINATOR[1]},
            headers={"X-CSRF-Token": csrf},
        )
        headers = {"X-CSRF-Token": signed.json()["csrf"]}

        # Rejecting the evidence reopens the milestone and emails the lead unit why.
        rejected = await coordinator.post(
            f"{plan}/tasks/I.1/milestones/1/review",
            json={"decision": "reject", "reason": "Kế hoạch chưa có chữ ký"},
            headers=headers,
        )
        assert rejected.status_code == 200, rejected.text
        await eventually(
            lambda: (
                milestone_status(engine.settings, engine.plan_key, "I.1") == MilestoneStatus.OPEN
            )
        )
        await eventually(
            lambda: any(
                "Minh chứng chưa đạt" in str(m.message["subject"])
                for m in mails_to(engine.smtp, "vanphong@snv.example")
            )
        )

        # The unit asks for more time (from its link, no cookie); the coordinator grants it.
        token = links.unit_links(engine.settings).token("van-phong")
        unit = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient() as clerk:
            asked = await clerk.post(
                f"{plan}/tasks/I.1/milestones/1/extension-request",
                json={"until": "2023-04-14", "reason": "Chờ ý kiến góp ý"},
                headers=unit,
            )
            assert asked.status_code == 200, asked.text
            refused = await clerk.post(
                f"{plan}/tasks/I.1/milestones/1/extension-request",
                json={"until": "2023-03-01", "reason": "ngày đã qua"},
                headers=unit,
            )
            assert refused.status_code == 409
            assert "không sau hạn hiện tại" in refused.json()["detail"]
        granted = await coordinator.post(
            f"{plan}/tasks/I.1/milestones/1/extension",
            json={"decision": "grant", "until": "2023-04-14", "reason": "Đồng ý"},
            headers=headers,
        )
        assert granted.status_code == 200, granted.text
        task = (await coordinator.get(f"{plan}/tasks/I.1")).json()
        # The grant is recorded before the engine answers: the new due date, and the audit.
        assert task["milestones"][0]["due"].startswith("2023-04-14"), task["milestones"][0]
        assert any(a["action"] == "grant_extension" for a in task["audit"])

        reassigned = await coordinator.post(
            f"{plan}/tasks/II.1/reassign",
            json={"lead_units": ["phong-ccvc"], "reason": "Phân công lại"},
            headers=headers,
        )
        assert reassigned.status_code == 200, reassigned.text
        cancelled = await coordinator.post(
            f"{plan}/tasks/II.1/close", json={"reason": "Gộp vào I.1"}, headers=headers
        )
        assert cancelled.status_code == 200, cancelled.text
        again = await coordinator.post(
            f"{plan}/tasks/II.1/close", json={"reason": "lần hai"}, headers=headers
        )
        # Refused by the workflow ("the task is cancelled"), or once it has ended, by the engine.
        assert again.status_code == 409
        assert again.json()["detail"] in (
            refusal_words.refusal("the task is cancelled"),
            refusal_words.refusal(ENDED),
        )
        await eventually(
            lambda: (
                milestone_status(engine.settings, engine.plan_key, "II.1")
                == MilestoneStatus.CANCELLED
            )
        )


async def test_the_home_page_filters_by_agency(engine: Engine) -> None:
    # Another agency's plan beside the one running (imported: the home page lists it too).
    data = PROJECT_ROOT / "tests" / "engine" / "data"
    imported = read_plan(data / "svhttdl-qng-2025-2026.txt", agencies_dir=data / "agencies")
    with session_scope(engine.settings.resolved_database_url()) as session:
        store_plan(session, imported=imported)
    coordinator = await signed_in(engine, *COORDINATOR)
    await coordinator.goto(f"{engine.base}/")
    groups = coordinator.locator("section.agency")
    assert await groups.count() == 2
    await shot(coordinator, "13-cac-co-quan")
    # Choosing an agency in the list shows its plans alone.
    await coordinator.select_option("select[name=agency]", "svhttdl-quang-ngai")
    await coordinator.wait_for_url(re.compile(r"agency=svhttdl-quang-ngai"))
    assert await groups.count() == 1
    assert "Quảng Ngãi" in await groups.first.locator("h2").inner_text()
    await coordinator.click("section.agency article h3 a")
    await coordinator.wait_for_load_state()
    agency = await coordinator.locator("p.agency-name").inner_text()
    assert agency == "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi"
