"""A unit answers its reminder by Zalo: the bot's updates (from the Zalo stand-in's getUpdates)
record evidence for the milestone the last reminder was about, ask which one when that one is
closed and several are open, and refuse chats no unit has."""

from __future__ import annotations

import pytest

from control.replies import received_replies
from models.tables import ReplyState
from replies.zalo import ZaloPoller, ZaloWebhook
from tests.replies.conftest import PDF, UNIT_CHAT, World, is_open
from tests.support.engine import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
# A photo as a phone sends one: JPEG by its first bytes.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 256


async def poll(world: World) -> int:
    return await ZaloPoller(world.settings, world.desk(), wait_seconds=1).poll_once()


async def test_a_text_with_a_document_number_closes_the_last_reminders_milestone(
    world: World,
) -> None:
    world.remind("I.1")
    update = world.zalo.chat_sends(UNIT_CHAT, text="Đã ban hành Số 30/BC-BTG, gửi Văn phòng.")
    assert await poll(world) == 1
    row = world.reply_row(f"zalo:{update['message']['message_id']}")
    assert row.state is ReplyState.RECORDED and (row.channel, row.task_code) == ("zalo", "I.1")
    await eventually(lambda: not is_open(world.milestone("I.1").status))
    told = world.zalo.sent_to(UNIT_CHAT)
    assert told and "đã ghi nhận minh chứng" in told[-1] and "I.1" in told[-1]
    # Delivered again (a webhook retried): nothing recorded or said again.
    world.zalo.updates.append(update)
    await poll(world)
    assert len(world.zalo.sent_to(UNIT_CHAT)) == len(told)


async def test_a_photo_is_kept_as_the_evidence_file(world: World) -> None:
    world.remind("I.2")
    update = world.zalo.chat_sends(UNIT_CHAT, text="Ảnh công văn", photo=JPEG)
    await poll(world)
    row = world.reply_row(f"zalo:{update['message']['message_id']}")
    assert row.state is ReplyState.RECORDED, row.reason
    assert len(row.details["files"]) == 1
    await eventually(lambda: not is_open(world.milestone("I.2").status))
    assert list((world.settings.var_dir / "evidence").rglob("*.jpg"))


async def test_with_several_open_the_chat_is_asked_which_and_its_number_records_it(
    world: World,
) -> None:
    # The last reminder (I.2) is closed; I.3 and later are open.
    asked = world.zalo.chat_sends(UNIT_CHAT, text="Số 31/BC-BTG")
    await poll(world)
    row = world.reply_row(f"zalo:{asked['message']['message_id']}")
    assert row.state is ReplyState.ASKED
    question = world.zalo.sent_to(UNIT_CHAT)[-1]
    assert "1. I.3" in question and "2. I.4" in question
    choice = world.zalo.chat_sends(UNIT_CHAT, text="2")
    await poll(world)
    assert world.reply_row(f"zalo:{choice['message']['message_id']}").task_code == "I.4"
    assert world.reply_row(f"zalo:{asked['message']['message_id']}").state is ReplyState.RECORDED
    await eventually(lambda: not is_open(world.milestone("I.4").status))
    assert is_open(world.milestone("I.3").status)


async def test_an_unknown_chat_is_refused_and_listed_for_the_coordinator(world: World) -> None:
    update = world.zalo.chat_sends("chat-la", text="Số 32/BC-BTG", photo=PDF)
    await poll(world)
    row = world.reply_row(f"zalo:{update['message']['message_id']}")
    assert row.state is ReplyState.REFUSED and "Zalo" in row.reason
    assert row.id in [r.id for r in received_replies(world.settings)]
    assert world.zalo.sent_to("chat-la") == []


async def test_the_webhook_takes_only_updates_with_its_secret(world: World) -> None:
    settings = world.settings.model_copy(update={"zalo_webhook_secret": "bi-mat-webhook"})
    hook = ZaloWebhook(settings, world.desk())
    update = world.zalo.chat_sends(UNIT_CHAT, text="Số 33/BC-BTG")
    world.zalo.updates.clear()
    assert not hook.accept("doan-sai", update)
    assert not hook.accept(None, update)
    assert hook.accept("bi-mat-webhook", update)
    assert hook.queue.qsize() == 1
    await hook.replies.take(hook.queue.get_nowait())
    row = world.reply_row(f"zalo:{update['message']['message_id']}")
    assert row.state in (ReplyState.RECORDED, ReplyState.ASKED)


async def test_the_web_apps_webhook_answers_at_once_and_checks_the_secret(world: World) -> None:
    import httpx

    from web.actions import EngineActions
    from web.app import create_app

    settings = world.settings.model_copy(update={"zalo_webhook_secret": "bi-mat-webhook"})
    app = create_app(settings, engine=EngineActions(settings, world.client))
    world.remind("I.5")
    update = world.zalo.chat_sends(UNIT_CHAT, text="Số 34/BC-BTG")
    world.zalo.updates.clear()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
        refused = await web.post(
            "/zalo/webhook", json=update, headers={"X-Bot-Api-Secret-Token": "doan-sai"}
        )
        assert refused.status_code == 403
        taken = await web.post(
            "/zalo/webhook", json=update, headers={"X-Bot-Api-Secret-Token": "bi-mat-webhook"}
        )
        assert taken.status_code == 200 and taken.json() == {"ok": True}
    key = f"zalo:{update['message']['message_id']}"
    await eventually(lambda: world.state_of(key) is ReplyState.RECORDED)
    await eventually(lambda: not is_open(world.milestone("I.5").status))


async def test_an_update_the_desk_keeps_failing_on_is_given_up_and_the_next_still_taken(
    world: World,
) -> None:
    broken = world.zalo.chat_sends(UNIT_CHAT, text="Số 35/BC-BTG", photo=JPEG)
    # The photo is gone from Zalo's side: its download fails at every try.
    world.zalo.photos.clear()
    behind = world.zalo.chat_sends("chat-khong-quen", text="Xin chào")
    assert await poll(world) == 2
    given_up = world.reply_row(f"zalo:{broken['message']['message_id']}")
    assert given_up.state is ReplyState.REFUSED and "nhiều lần thử" in given_up.reason
    # What could be read is kept for the coordinator to attach by hand.
    assert given_up.details["document_number"] == "35/BC-BTG"
    assert world.reply_row(f"zalo:{behind['message']['message_id']}").state is not (
        ReplyState.HANDLING
    )
