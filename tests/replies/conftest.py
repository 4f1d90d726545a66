"""The reply tests' world: a real mail system (dovecot and an SMTP server on loopback), the
Temporal dev server with a worker, and a plan of fourteen tasks led by Ban Tôn giáo, all due at
23:59:59 of today (of tomorrow when midnight is less than half an hour away).

The worker sends its messages through the real notification activities, to the same SMTP
server. Office hours run from 00:00 to 23:59:59 and the calendar makes today and the days after
working days (simulation/real_clock.py), so the present is inside office hours at whatever hour
the tests run, across midnight too (a decision sent outside office hours would wait for the
opening)."""

from __future__ import annotations

import re
import smtplib
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from functools import partial

import pytest
import pytest_asyncio
from sqlmodel import select
from temporalio.client import Client

from control import starting
from control.runtime import build_worker, start_dev_server
from deadlines.local_time import local_day
from models.payloads import MessageKind, NotificationRequest
from models.statuses import MilestoneStatus
from models.tables import Milestone, ReceivedReply, ReplyState, Task
from notifications.channels import register_outbox
from replies.handling import ReplyDesk
from replies.mailbox import MailboxReader, read_inbox_url
from settings import Settings
from simulation.real_clock import office_window, write_calendar
from storage.db import session_scope
from storage.replies import find_reply
from tests.notifications.servers import ZaloApi
from tests.support.engine import deployment_settings, eventually, plan_csv, policy_at
from tests.support.mailserver import MAILBOX, MailSystem, mail_system

LOCAL_TZ = "Asia/Ho_Chi_Minh"
UNIT = "ban-ton-giao"
UNIT_ADDRESS = "bantongiao@donvi.test"
COORDINATOR_ADDRESS = "cchc@donvi.test"
ZALO_BOT = "1234567890:AbCdEfGhIjKlMnOpQrSt"
UNIT_CHAT = "chat-ban-ton-giao"
TASKS = 14
# A PDF as a scanner writes one: what the web app takes by its first bytes.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(scope="module")
def mail() -> Iterator[MailSystem]:
    with mail_system() as system:
        yield system


@pytest.fixture(scope="module")
def zalo() -> Iterator[ZaloApi]:
    api = ZaloApi()
    server = api.serve()
    yield api
    server.shutdown()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, mail: MailSystem, zalo: ZaloApi) -> Settings:
    folder = tmp_path_factory.mktemp("replies")
    # The tasks fall due at the close of the first day whose office hours stay open long after
    # now (today, or tomorrow when midnight is near); today and the days after are working days.
    window = office_window(datetime.now(UTC), timedelta(0), timedelta(minutes=30))
    due = window.day
    days = [local_day(datetime.now(UTC)), *window.days()]
    calendar = write_calendar(folder / "calendar", days, name="test day")
    rows = "".join(
        f"{n},Báo cáo số {n},Ban Tôn giáo,,ngày {due.day}/{due.month}/{due.year},\n"
        for n in range(1, TASKS + 1)
    )
    contacts = folder / "contacts.yaml"
    contacts.write_text(
        f"units:\n  {UNIT}: ['{mail.mailto(UNIT_ADDRESS)}', 'zalo://{ZALO_BOT}/{UNIT_CHAT}']\n"
        f"  cchc-vtlt: ['{mail.mailto(COORDINATOR_ADDRESS)}']\n",
        encoding="utf-8",
    )
    return deployment_settings(
        folder,
        task_queue="nhachan-replies",
        calendar_dir=calendar,
        policy_file=policy_at(folder),
        plan_file=plan_csv(folder, "I. BÁO CÁO", rows),
        contacts=contacts,
        office_opens=time(0, 0),
        office_closes=time(23, 59, 59),
        reply_address=MAILBOX,
        inbox_url=mail.dovecot.inbox_url,
        reply_sender=mail.mailto(),
        zalo_bot_token=ZALO_BOT,
        zalo_api_base=zalo.base,
    )


@dataclass
class World:
    settings: Settings
    mail: MailSystem
    client: Client
    plan_key: str
    zalo: ZaloApi

    @property
    def due(self) -> date:
        """The day every task falls due (at 23:59:59)."""
        return due_day(self.settings)

    def desk(self) -> ReplyDesk:
        return ReplyDesk(self.settings, self.client)

    def reader(self, desk: ReplyDesk | None = None) -> MailboxReader:
        taker = (desk or self.desk()).take_email
        return MailboxReader(
            read_inbox_url(self.settings.inbox_url), taker, wait_seconds=1, retry_seconds=0.5
        )

    def milestone(self, task_code: str) -> Milestone:
        with session_scope(self.settings.resolved_database_url()) as session:
            row = session.exec(select(Milestone).join(Task).where(Task.code == task_code)).first()
            assert row is not None
            session.expunge(row)
            return row

    def reply_row(self, message_id: str) -> ReceivedReply:
        with session_scope(self.settings.resolved_database_url()) as session:
            row = find_reply(session, message_id)
            assert row is not None, f"no reply {message_id} recorded"
            session.expunge(row)
            return row

    def state_of(self, message_id: str) -> ReplyState | None:
        with session_scope(self.settings.resolved_database_url()) as session:
            row = find_reply(session, message_id)
            return None if row is None else row.state

    def remind(self, task_code: str) -> EmailMessage:
        """The engine's reminder of the task's milestone, through the real SMTP server; the
        email as the unit receives it."""
        from activities.notify import notification_service

        milestone = self.milestone(task_code)
        now = datetime.now(UTC)
        workflow_id = f"{self.plan_key}/{task_code}"
        request = NotificationRequest(
            key=f"{workflow_id}/{milestone.key}/reminder/lead/{now.isoformat()}",
            workflow_id=workflow_id,
            kind=MessageKind.REMINDER,
            plan_key=self.plan_key,
            task_code=task_code,
            task_title=f"Báo cáo {task_code}",
            milestone_key=milestone.key,
            milestone_label=milestone.label,
            scheduled_at=now,
            recipients=[UNIT],
            due_at=milestone.due_at,
        )
        before = len(self.mail.outside)
        notification_service(self.settings).send(request, now=now)
        # The engine's own messages (the workflows') may arrive meanwhile: this one's subject.
        sent = [
            m
            for to, m in self.mail.outside[before:]
            if UNIT_ADDRESS in to and str(m["Subject"]).startswith(f"[Nhắc hạn] {task_code}:")
        ]
        assert len(sent) == 1, "the reminder did not reach the unit's mailbox"
        return sent[0]

    def send(self, message: EmailMessage, to: str) -> None:
        """Over SMTP, as the unit's mail client sends it."""
        with smtplib.SMTP("127.0.0.1", self.mail.smtp_port, timeout=60) as smtp:
            smtp.send_message(message, to_addrs=[to])

    def answers_to(self, address: str) -> list[EmailMessage]:
        return [
            m
            for to, m in self.mail.outside
            if address in to and str(m.get("Subject", "")).startswith(("Đã", "Chưa", "Cách"))
        ]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(settings: Settings, mail: MailSystem, zalo: ZaloApi) -> AsyncIterator[World]:
    register_outbox()
    env = await start_dev_server(settings)
    async with env:
        with ThreadPoolExecutor(max_workers=8) as executor:
            worker = build_worker(
                env.client,
                settings,
                executor=executor,
            )
            async with worker:
                report = await starting.start_plan(
                    env.client, settings, settings.plan_file, year=due_day(settings).year
                )
                assert len(report.started) == TASKS
                found = World(settings, mail, env.client, report.plan_key, zalo)
                for n in range(1, TASKS + 1):
                    await eventually(partial(_planned, found, f"I.{n}"))
                yield found


def due_day(settings: Settings) -> date:
    """The day the plan's rows name (the only 'ngày' in the plan file)."""
    found = re.search(r"ngày (\d+)/(\d+)/(\d+)", settings.plan_file.read_text(encoding="utf-8"))
    assert found is not None
    return date(int(found[3]), int(found[2]), int(found[1]))


def _planned(world: World, task_code: str) -> bool:
    try:
        return world.milestone(task_code).status is not None
    except AssertionError:
        return False


def is_open(status: MilestoneStatus | None) -> bool:
    return status in (MilestoneStatus.OPEN, MilestoneStatus.OVERDUE)
