"""A unit answers its reminder by email: the reply, sent over SMTP into a real IMAP mailbox, is
read, recorded through the engine, and answered; every bad reply does what it should, and
nothing is lost or recorded twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pendulum
import pytest

from control import operations
from control.permissions import Actor
from models.statuses import MilestoneStatus
from models.tables import ReceivedReply, ReplyState, UnitRole
from models.workflow_messages import ExtensionRefusal, ExtensionRequest
from replies.handling import ReplyDesk
from replies.incoming import Incoming
from replies.mailbox import GIVE_UP_ATTEMPTS, MailboxReader, read_inbox_url
from replies.tokens import ReplySubject, read_token
from storage.access import audit_of_task
from storage.db import session_scope
from tests.replies.conftest import (
    COORDINATOR_ADDRESS,
    LOCAL_TZ,
    PDF,
    UNIT,
    UNIT_ADDRESS,
    World,
    is_open,
)
from tests.support.engine import eventually

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


async def _read(world: World, reply: EmailMessage, to: str) -> None:
    world.send(reply, to)
    assert await world.reader().read_once() == 1


async def test_a_forged_token_is_refused_and_not_answered(world: World) -> None:
    reminder = world.remind("I.2")
    address = str(reminder["Reply-To"])
    box, domain = address.split("@")
    forged = box[:-4] + ("aaaa" if not box.endswith("aaaa") else "bbbb") + "@" + domain
    reply = reply_to(reminder, "Số 16/BC-BTG")
    reply.replace_header("To", forged)
    del reply["In-Reply-To"], reply["References"]
    before = len(world.answers_to(UNIT_ADDRESS))
    await _read(world, reply, forged)
    row = world.reply_row(str(reply["Message-ID"]))
    assert row.state is ReplyState.REFUSED and "không phải do hệ thống cấp" in row.reason
    assert is_open(world.milestone("I.2").status)
    assert len(world.answers_to(UNIT_ADDRESS)) == before


async def test_a_sender_not_in_the_contacts_is_refused_for_the_coordinator_to_see(
    world: World,
) -> None:
    reminder = world.remind("I.3")
    reply = reply_to(reminder, "Số 17/BC-BTG", sender="la@ngoai.test")
    await _read(world, reply, str(reminder["Reply-To"]))
    row = world.reply_row(str(reply["Message-ID"]))
    assert row.state is ReplyState.REFUSED
    assert "la@ngoai.test" in row.reason and UNIT in row.reason
    # What it brought is kept, for the coordinator to attach by hand if it is the unit's.
    assert row.details["document_number"] == "17/BC-BTG"
    assert (row.plan_key, row.task_code) == (world.plan_key, "I.3")
    assert is_open(world.milestone("I.3").status)
    assert world.answers_to("la@ngoai.test") == []
    # In the task's history beside the web's actions, refused and why.
    with session_scope(world.settings.resolved_database_url()) as session:
        audit = audit_of_task(session, plan_key=world.plan_key, task_code="I.3")
    assert [(a.via, a.outcome) for a in audit] == [("email", "refused")]
    assert "la@ngoai.test" in audit[0].message


async def test_the_coordinator_may_reply_for_the_unit(world: World) -> None:
    reminder = world.remind("I.4")
    reply = reply_to(reminder, "Số 18/BC-BTG (văn phòng nhập thay)", sender=COORDINATOR_ADDRESS)
    await _read(world, reply, str(reminder["Reply-To"]))
    assert world.reply_row(str(reply["Message-ID"])).state is ReplyState.RECORDED
    await eventually(lambda: not is_open(world.milestone("I.4").status))


async def test_an_expired_token_is_refused_and_the_unit_told_why(world: World) -> None:
    reminder = world.remind("I.5")
    # The reply address of that reminder, issued as long ago as a unit's link lives and a day.
    desk = world.desk()
    tokens = desk._tokens
    token = str(reminder["Reply-To"]).split("+", 1)[1].split("@")[0]
    row_id = read_token(token).row_id
    milestone = world.milestone("I.5")
    old = tokens.reply_to(
        row_id,
        ReplySubject(UNIT, world.plan_key, "I.5", milestone.key),
        issued_at=pendulum.now("UTC") - tokens.max_age - pendulum.duration(days=1),
    )
    reply = reply_to(reminder, "Số 19/BC-BTG")
    reply.replace_header("To", old)
    await _read(world, reply, old)
    row = world.reply_row(str(reply["Message-ID"]))
    assert row.state is ReplyState.REFUSED and "quá cũ" in row.reason
    assert is_open(world.milestone("I.5").status)
    told = world.answers_to(UNIT_ADDRESS)[-1]
    assert str(told["Subject"]) == "Chưa ghi nhận được thư trả lời của đơn vị"


async def test_an_html_only_reply_is_read(world: World) -> None:
    reminder = world.remind("I.6")
    reply = reply_to(reminder, "")
    reply.set_content(
        f"<html><body><p>Gửi Văn phòng</p><p>Báo cáo <b>Số 20/BC-BTG</b> ngày {today_text()}</p>"
        "<blockquote>Số 99/XX ngày 1/1/2020</blockquote></body></html>",
        subtype="html",
    )
    await _read(world, reply, str(reminder["Reply-To"]))
    row = world.reply_row(str(reply["Message-ID"]))
    assert row.state is ReplyState.RECORDED and row.details["document_number"] == "20/BC-BTG"
    await eventually(lambda: not is_open(world.milestone("I.6").status))


async def test_a_winmail_dat_alone_is_refused_with_the_reason(world: World) -> None:
    reminder = world.remind("I.7")
    reply = reply_to(reminder, "Gửi kèm báo cáo.")
    reply.add_attachment(
        b"\x78\x9f\x3e\x22" + b"\0" * 64,
        maintype="application",
        subtype="ms-tnef",
        filename="winmail.dat",
    )
    await _read(world, reply, str(reminder["Reply-To"]))
    row = world.reply_row(str(reply["Message-ID"]))
    assert row.state is ReplyState.REFUSED and "winmail.dat" in row.reason
    assert is_open(world.milestone("I.7").status)
    told = world.answers_to(UNIT_ADDRESS)[-1].get_body(("plain",))
    assert told is not None and "winmail.dat" in told.get_content()


async def test_a_30_mb_attachment_is_refused_by_the_web_apps_limit(world: World) -> None:
    reminder = world.remind("I.8")
    reply = reply_to(reminder, "Gửi kèm bản scan.")
    big = PDF + b"0" * (30 * 1024 * 1024)
    reply.add_attachment(big, maintype="application", subtype="pdf", filename="scan.pdf")
    await _read(world, reply, str(reminder["Reply-To"]))
    row = world.reply_row(str(reply["Message-ID"]))
    assert row.state is ReplyState.REFUSED and "quá lớn" in row.reason and "scan.pdf" in row.reason
    assert is_open(world.milestone("I.8").status)
    assert not [
        p for p in (world.settings.var_dir / "evidence").rglob("*") if p.stat().st_size > 20e6
    ]


async def test_auto_replies_and_bounces_are_ignored_and_never_answered(world: World) -> None:
    reminder = world.remind("I.9")
    before = len(world.mail.outside)
    vacation = reply_to(reminder, "Tôi đang nghỉ phép đến 10/12. Số 1/NP")
    vacation["Auto-Submitted"] = "auto-replied"
    await _read(world, vacation, str(reminder["Reply-To"]))
    bounce = EmailMessage()
    bounce["From"] = "MAILER-DAEMON@donvi.test"
    bounce["To"] = str(reminder["Reply-To"])
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Message-ID"] = make_msgid(domain="donvi.test")
    bounce.set_content("The mail system could not deliver.")
    bounce.make_mixed()
    bounce.replace_header("Content-Type", 'multipart/report; report-type="delivery-status"')
    await _read(world, bounce, str(reminder["Reply-To"]))
    for message in (vacation, bounce):
        assert world.reply_row(str(message["Message-ID"])).state is ReplyState.IGNORED
    assert len(world.mail.outside) == before
    assert is_open(world.milestone("I.9").status)


async def test_a_message_matching_nothing_is_told_how_to_reply_once_a_day(world: World) -> None:
    before = len(world.answers_to(UNIT_ADDRESS))
    for _ in range(2):
        lost = EmailMessage()
        lost["From"] = UNIT_ADDRESS
        lost["To"] = "nhachan@so.test"
        lost["Subject"] = "Gửi văn phòng"
        lost["Message-ID"] = make_msgid(domain="donvi.test")
        lost.set_content("Số 21/BC-BTG")
        await _read(world, lost, "nhachan@so.test")
        assert world.reply_row(str(lost["Message-ID"])).state is ReplyState.UNMATCHED
    told = world.answers_to(UNIT_ADDRESS)[before:]
    assert [str(m["Subject"]) for m in told] == ["Cách gửi minh chứng bằng thư trả lời"]


async def test_a_request_for_more_time_becomes_an_extension_request(world: World) -> None:
    until = world.due + timedelta(days=1)
    reminder = world.remind("I.10")
    reply = reply_to(
        reminder, f"Xin gia hạn đến {until.day}/{until.month} vì chờ số liệu của huyện."
    )
    await _read(world, reply, str(reminder["Reply-To"]))
    row = world.reply_row(str(reply["Message-ID"]))
    assert row.state is ReplyState.EXTENSION_REQUESTED, row.reason
    assert row.details["extension_until"] == until.isoformat()
    assert "chờ số liệu" in row.details["extension_reason"]
    assert is_open(world.milestone("I.10").status)
    told = world.answers_to(UNIT_ADDRESS)[-1]
    assert str(told["Subject"]).startswith("Đã nhận đề nghị gia hạn: I.10")


async def test_a_reader_killed_between_fetch_and_record_loses_and_doubles_nothing(
    world: World,
) -> None:
    class KilledAfterRecording(ReplyDesk):
        # The process dies once the engine has the evidence and before the row is settled.
        def _finish(self, *args: object, **kwargs: object) -> object:  # type: ignore[override]
            raise SystemExit("killed")

    reminder = world.remind("I.11")
    reply = reply_to(reminder, "Số 22/BC-BTG")
    world.send(reply, str(reminder["Reply-To"]))
    with pytest.raises(SystemExit):
        await world.reader(KilledAfterRecording(world.settings, world.client)).read_once()
    assert world.reply_row(str(reply["Message-ID"])).state is ReplyState.HANDLING
    # The next reader finds the message unread and its row claimed: it finishes it.
    assert await world.reader().read_once() == 1
    assert world.reply_row(str(reply["Message-ID"])).state is ReplyState.RECORDED
    snapshot = await operations.task_snapshot(world.client, world.plan_key, "I.11")
    assert len(snapshot.milestones[0].evidence) == 1
    assert len([m for m in world.answers_to(UNIT_ADDRESS) if "I.11" in str(m["Subject"])]) == 1


async def test_a_reply_the_desk_keeps_failing_on_holds_up_no_other_and_is_given_up(
    world: World,
) -> None:
    def lost(number: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = UNIT_ADDRESS
        message["To"] = "nhachan@so.test"
        message["Subject"] = "Báo cáo"
        message["Message-ID"] = make_msgid(domain="donvi.test")
        message.set_content(f"Gửi Văn phòng: Số {number}/BC-BTG")
        return message

    failing, behind = lost("41"), lost("42")

    class FailingOnOne(ReplyDesk):
        # Fails on one message after claiming it, as a lost database connection would.
        async def take(self, incoming: Incoming) -> ReceivedReply:
            if incoming.message_key == str(failing["Message-ID"]):
                self.claim(incoming)
                raise RuntimeError("the database went away")
            return await super().take(incoming)

    desk = FailingOnOne(world.settings, world.client)
    reader = MailboxReader(
        read_inbox_url(world.settings.inbox_url),
        desk.take_email,
        give_up=desk.give_up_email,
        give_up_after=0,
        wait_seconds=1,
        retry_seconds=0.5,
    )
    world.send(failing, "nhachan@so.test")
    world.send(behind, "nhachan@so.test")
    # The one behind it is taken in at once; the failing one stays unread, tried each round.
    assert await reader.read_once() == 1
    assert world.reply_row(str(behind["Message-ID"])).state is ReplyState.UNMATCHED
    assert world.reply_row(str(failing["Message-ID"])).state is ReplyState.HANDLING
    for _ in range(GIVE_UP_ATTEMPTS - 2):
        assert await reader.read_once() == 0
    # The last attempt gives it up: refused for the coordinator, what it brought kept.
    assert await reader.read_once() == 1
    given_up = world.reply_row(str(failing["Message-ID"]))
    assert given_up.state is ReplyState.REFUSED and "nhiều lần thử" in given_up.reason
    assert given_up.details["document_number"] == "41/BC-BTG"
    assert await reader.read_once() == 0
    # The unit did nothing wrong: it is not answered.
    assert given_up.answered_at is None and "answer_channel" not in given_up.details


async def test_imap_down_for_a_while_is_waited_out(world: World) -> None:
    reminder = world.remind("I.12")
    reply = reply_to(reminder, "Số 23/BC-BTG")
    world.send(reply, str(reminder["Reply-To"]))
    world.mail.dovecot.stop()
    stop = asyncio.Event()
    reader = world.reader()
    running = asyncio.create_task(reader.run(stop))
    try:
        # Down for several of the reader's retries.
        await asyncio.sleep(reader.retry_seconds * 4)
        assert not running.done()
        world.mail.dovecot.start()
        recorded = ReplyState.RECORDED
        await eventually(lambda: world.state_of(str(reply["Message-ID"])) is recorded)
        await eventually(lambda: not is_open(world.milestone("I.12").status))
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=reader.wait_seconds + reader.timeout + 5)


async def test_the_coordinator_sees_every_reply_and_attaches_one_by_hand(world: World) -> None:
    import httpx

    from control.accounts import create_account
    from models.tables import UnitRole
    from tests.web.conftest import form_csrf
    from web.actions import EngineActions
    from web.app import create_app

    lost = EmailMessage()
    lost["From"] = UNIT_ADDRESS
    lost["To"] = "nhachan@so.test"
    lost["Subject"] = "Báo cáo"
    lost["Message-ID"] = make_msgid(domain="donvi.test")
    lost.set_content("Gửi Văn phòng: Số 40/BC-BTG")
    await _read(world, lost, "nhachan@so.test")
    row = world.reply_row(str(lost["Message-ID"]))
    assert row.state is ReplyState.UNMATCHED and row.details["document_number"] == "40/BC-BTG"

    create_account(
        world.settings, name="dieuphoi.thu", role=UnitRole.COORDINATOR, password="mat-khau-dai-1"
    )
    app = create_app(world.settings, engine=EngineActions(world.settings, world.client))
    # On the test's own loop: the engine's worker runs there too.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
        token = (await browser.get("/api/session")).json()["csrf"]
        signed = await browser.post(
            "/api/session",
            json={"name": "dieuphoi.thu", "password": "mat-khau-dai-1"},
            headers={"X-CSRF-Token": token},
        )
        assert signed.status_code == 200, signed.text
        page = await browser.get("/replies")
        assert page.status_code == 200
        assert "không khớp nhiệm vụ nào" in page.text and "40/BC-BTG" in page.text
        milestone = world.milestone("I.3")
        answer = await browser.post(
            f"/replies/{row.id}/attach",
            data={
                "csrf": form_csrf(page.text),
                "plan_key": world.plan_key,
                "task_code": "I.3",
                "milestone_key": milestone.key,
                "unit_code": UNIT,
            },
        )
        assert answer.status_code == 303, answer.text
    attached = world.reply_row(str(lost["Message-ID"]))
    assert attached.state is ReplyState.RECORDED and attached.task_code == "I.3"
    with session_scope(world.settings.resolved_database_url()) as session:
        audit = audit_of_task(session, plan_key=world.plan_key, task_code="I.3")
    assert ("account", "done", "dieuphoi.thu") in [(a.via, a.outcome, a.actor) for a in audit]
    await eventually(lambda: not is_open(world.milestone("I.3").status))


async def test_a_reply_to_a_message_the_workflow_sent_records_its_evidence(world: World) -> None:
    """The workflow's own message (the coordinator's refusal of an extension, sent by the
    worker's notification activities through the real SMTP server) carries the signed reply
    address: the unit answers it with its PDF and the milestone closes."""
    milestone = world.milestone("I.13")
    await operations.request_extension(
        world.client,
        world.plan_key,
        "I.13",
        # A day later, said to be meant even when it falls in the next year (on 31 December).
        ExtensionRequest(
            milestone.key,
            world.due + timedelta(days=1),
            "chờ số liệu",
            requested_by=UNIT,
            confirmed=True,
        ),
        actor=Actor(UNIT, UnitRole.UNIT),
    )
    await operations.refuse_extension(
        world.client,
        world.plan_key,
        "I.13",
        ExtensionRefusal(milestone.key, "hạn không đổi", refused_by="cchc-vtlt"),
        actor=Actor("cchc-vtlt", UnitRole.COORDINATOR),
    )

    def refusal() -> EmailMessage | None:
        found = [
            m
            for to, m in world.mail.outside
            if UNIT_ADDRESS in to and str(m["Subject"]).startswith("[Không gia hạn] I.13:")
        ]
        return found[0] if found else None

    await eventually(lambda: refusal() is not None)
    message = refusal()
    assert message is not None and str(message["Reply-To"]).startswith("nhachan+")
    reply = reply_to(message, "Số 50/BC-BTG, gửi kèm bản ký.")
    reply.add_attachment(PDF, maintype="application", subtype="pdf", filename="ky.pdf")
    await _read(world, reply, str(message["Reply-To"]))
    assert world.reply_row(str(reply["Message-ID"])).state is ReplyState.RECORDED
    await eventually(lambda: not is_open(world.milestone("I.13").status))


async def test_the_mail_and_replies_verbs_read_the_inbox_and_list_what_came(
    world: World,
) -> None:
    from typer.testing import CliRunner

    from scheduler import app
    from settings import get_settings
    from tests.support.mailserver import PASSWORD

    reminder = world.remind("I.14")
    reply = reply_to(reminder, "Số 60/BC-BTG")
    world.send(reply, str(reminder["Reply-To"]))
    settings = world.settings
    env = {
        f"NHACHAN_{name.upper()}": str(getattr(settings, name))
        for name in (
            "var_dir",
            "database_url",
            "temporal_address",
            "task_queue",
            "calendar_dir",
            "policy_file",
            "contacts",
            "office_opens",
            "office_closes",
            "reply_address",
            "inbox_url",
            "reply_sender",
        )
    }
    runner = CliRunner()

    # The verbs read the settings once per process: these, not a copy made before.
    get_settings.cache_clear()
    try:
        # Off the test's loop: the verb runs a loop of its own, and the worker runs on this one.
        read = await asyncio.to_thread(runner.invoke, app, ["mail", "--once"], env=env)
        assert read.exit_code == 0, read.output
        assert "1 message(s) read from imap://nhachan:****@127.0.0.1" in read.output
        assert PASSWORD not in read.output
        assert world.reply_row(str(reply["Message-ID"])).state is ReplyState.RECORDED
        listed = await asyncio.to_thread(
            runner.invoke, app, ["replies", "--plan", world.plan_key], env={**env, "COLUMNS": "300"}
        )
        assert listed.exit_code == 0, listed.output
        assert "bantongiao@donvi.test" in listed.output and "recorded" in listed.output
    finally:
        get_settings.cache_clear()


async def test_a_reply_the_engine_refuses_is_answered_in_vietnamese(world: World) -> None:
    # I.1 was closed by the first test: a second delivery for it is refused by the engine.
    reminder = world.remind("I.1")
    reply = reply_to(reminder, "Số 70/BC-BTG, gửi bổ sung.")
    await _read(world, reply, str(reminder["Reply-To"]))
    row = world.reply_row(str(reply["Message-ID"]))
    assert row.state is ReplyState.REFUSED
    told = world.answers_to(UNIT_ADDRESS)[-1]
    assert str(told["Subject"]) == "Chưa ghi nhận được thư trả lời của đơn vị"
    body = told.get_body(("plain",))
    assert body is not None and row.reason in body.get_content()
    assert "I.1 đã đóng (hoàn thành đúng hạn)" in row.reason


async def test_a_reply_address_from_before_the_units_links_were_revoked_is_refused(
    world: World,
) -> None:
    from control.links import send_unit_link

    reminder = world.remind("I.5")
    # That reminder's reply address as signed ten minutes ago: well within its life.
    tokens = world.desk()._tokens
    token = str(reminder["Reply-To"]).split("+", 1)[1].split("@")[0]
    earlier = tokens.reply_to(
        read_token(token).row_id,
        ReplySubject(UNIT, world.plan_key, "I.5", world.milestone("I.5").key),
        issued_at=pendulum.now("UTC") - pendulum.duration(minutes=10),
    )
    # "Gửi lại" with "thu hồi đường dẫn cũ", as the coordinator does it from the unit's page.
    sent = send_unit_link(
        world.settings, UNIT, now=pendulum.now("UTC"), revoke_old=True, by="dieuphoi.thu"
    )
    assert sent and all(attempt.delivered for attempt in sent), sent

    reply = reply_to(reminder, "Số 80/BC-BTG")
    reply.replace_header("To", earlier)
    await _read(world, reply, earlier)
    row = world.reply_row(str(reply["Message-ID"]))
    assert row.state is ReplyState.REFUSED and "đã bị thu hồi" in row.reason
    assert is_open(world.milestone("I.5").status)
    told = world.answers_to(UNIT_ADDRESS)[-1].get_body(("plain",))
    assert told is not None and row.reason in told.get_content()
    # The coordinator sees it on the task, refused and why, beside the web's actions.
    assert (row.plan_key, row.task_code) == (world.plan_key, "I.5")
    with session_scope(world.settings.resolved_database_url()) as session:
        audit = audit_of_task(session, plan_key=world.plan_key, task_code="I.5")
    assert [a.message for a in audit if a.via == "email"] == [row.reason]

    # A reminder sent after the revocation carries an address that still records.
    fresh = world.remind("I.5")
    answer = reply_to(fresh, "Số 81/BC-BTG")
    await _read(world, answer, str(fresh["Reply-To"]))
    assert world.reply_row(str(answer["Message-ID"])).state is ReplyState.RECORDED
    await eventually(lambda: not is_open(world.milestone("I.5").status))
