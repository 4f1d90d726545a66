"""A unit answers its reminder by email: the reply, sent over SMTP into a real IMAP mailbox, is
read, recorded through the engine, and answered; every bad reply does what it should, and
nothing is lost or recorded twice."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from email.utils import make_msgid

import pendulum
import pytest

from control import operations
from models.statuses import MilestoneStatus
from models.tables import ReplyState
from replies.tokens import ReplySubject
from tests.replies.conftest import (
    COORDINATOR_ADDRESS,
    LOCAL_TZ,
    PDF,
    UNIT,
    UNIT_ADDRESS,
    World,
    eventually,
    is_open,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


def reply_to(reminder: EmailMessage, text: str, *, sender: str = UNIT_ADDRESS) -> EmailMessage:
    """A reply as a mail client writes it: to the Reply-To, threaded, the reminder quoted."""
    reply = EmailMessage()
    reply["From"] = f"Ban Tôn giáo <{sender}>"
    reply["To"] = str(reminder["Reply-To"])
    reply["Subject"] = f"Re: {reminder['Subject']}"
    reply["Message-ID"] = make_msgid(domain="donvi.test")
    reply["In-Reply-To"] = str(reminder["Message-ID"])
    reply["References"] = str(reminder["Message-ID"])
    quoted = "\n".join(f"> {line}" for line in ["Nhắc hạn", "Kính gửi Ban Tôn giáo"])
    reply.set_content(
        f"{text}\n\nTrân trọng,\nNguyễn Văn A\n\n"
        f"Vào Th 6, 5 thg 12 lúc 08:00 nhắc hạn <{reminder['From']}> đã viết:\n{quoted}\n"
    )
    return reply


def today_text() -> str:
    today = pendulum.now(LOCAL_TZ).date()
    return f"{today.day}/{today.month}/{today.year}"


async def test_a_reply_with_a_pdf_closes_its_milestone_and_the_unit_is_told(world: World) -> None:
    reminder = world.remind("I.1")
    assert str(reminder["Reply-To"]).startswith("nhachan+")
    assert str(reminder["Auto-Submitted"]) == "auto-generated"
    reply = reply_to(reminder, f"Ban gửi minh chứng: Báo cáo Số 15/BC-BTG ngày {today_text()}.")
    reply.add_attachment(PDF, maintype="application", subtype="pdf", filename="bao-cao.pdf")
    world.send(reply, str(reminder["Reply-To"]))

    assert await world.reader().read_once() == 1

    row = world.reply_row(str(reply["Message-ID"]))
    assert row.state is ReplyState.RECORDED, row.reason
    assert (row.unit_code, row.task_code) == (UNIT, "I.1")
    assert row.details["document_number"] == "15/BC-BTG"
    assert [f["name"] for f in row.details["files"]] == ["bao-cao.pdf"]
    # Evidence is delivered: the dashboard's data shows the milestone done.
    await eventually(lambda: not is_open(world.milestone("I.1").status))
    assert world.milestone("I.1").status is MilestoneStatus.DONE_ON_TIME
    stored = list((world.settings.var_dir / "evidence").rglob("*.pdf"))
    assert len(stored) == 1 and stored[0].read_bytes() == PDF
    confirmations = world.answers_to(UNIT_ADDRESS)
    assert [str(m["Subject"]) for m in confirmations] == [
        "Đã ghi nhận minh chứng: I.1 – Báo cáo số 1"
    ]
    assert "15/BC-BTG" in confirmations[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert str(confirmations[0]["Auto-Submitted"]) == "auto-generated"

    # The same message delivered a second time: read, found, nothing recorded or said again.
    world.send(reply, str(reminder["Reply-To"]))
    assert await world.reader().read_once() == 1
    assert world.reply_row(str(reply["Message-ID"])).state is ReplyState.RECORDED
    assert len(world.answers_to(UNIT_ADDRESS)) == 1
    snapshot = await operations.task_snapshot(world.client, world.plan_key, "I.1")
    assert len(snapshot.milestones[0].evidence) == 1
    # Read messages are not read again.
    assert await world.reader().read_once() == 0
