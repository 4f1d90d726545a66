"""Replies on the web: the coordinator's page of every reply units sent by email or Zalo
(matched or not, what was done with it), attaching one by hand to its milestone, and the Zalo
bot's webhook (answered at once, the update taken in after the answer)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from control.permissions import Action, NotPermitted
from control.replies import OtherAgency, attach_reply, check_reply_agency, received_replies
from models.tables import ReplyState
from replies.handling import ReplyDesk
from replies.zalo import SECRET_HEADER, ZaloReplies, secret_matches
from web.actions import EngineUnavailable
from web.context import refusal_text
from web.deps import Checked, Coordinator, web
from web.refusals import Refusal, Where
from web.rendering import flash, render

router = APIRouter(include_in_schema=False)

STATE_WORDS = {
    ReplyState.HANDLING: "đang xử lý",
    ReplyState.RECORDED: "đã ghi nhận minh chứng",
    ReplyState.EXTENSION_REQUESTED: "đã ghi nhận đề nghị gia hạn",
    ReplyState.REFUSED: "không ghi nhận",
    ReplyState.UNMATCHED: "không khớp nhiệm vụ nào",
    ReplyState.IGNORED: "thư tự động, bỏ qua",
    ReplyState.ASKED: "đã hỏi đơn vị chọn mốc",
}


@router.get("/replies")
def replies_page(
    request: Request, who: Coordinator, plan: str | None = None, task: str | None = None
) -> Response:
    agency = who.account.agency if who.account is not None else ""
    rows = received_replies(web(request).settings, agency=agency, plan_key=plan, task_code=task)
    return render(
        request, "replies.html", {"rows": rows, "states": STATE_WORDS, "task": task or ""}
    )


@router.post("/replies/{reply_id}/attach")
async def attach_by_hand(
    request: Request,
    reply_id: int,
    who: Checked,
    plan_key: Annotated[str, Form()],
    task_code: Annotated[str, Form()],
    milestone_key: Annotated[str, Form()],
    unit_code: Annotated[str, Form()],
) -> Response:
    context = web(request)
    where = Where(plan_key.strip(), task_code.strip(), milestone_key.strip())
    try:
        actor = context.acting.coordinator_actor(
            who, plan_key, action=Action.SUBMIT_EVIDENCE, for_unit=unit_code.strip()
        )
        agency = who.account.agency if who.account is not None else ""
        check_reply_agency(context.settings, reply_id, agency)
        client = await context.engine.client()
        await attach_reply(
            context.settings,
            client,
            reply_id,
            plan_key=plan_key.strip(),
            task_code=task_code.strip(),
            milestone_key=milestone_key.strip(),
            unit_code=unit_code.strip(),
            actor=actor,
        )
        context.acting.audit(
            who, actor, "submit_evidence", where, details={"reply": reply_id, "unit": unit_code}
        )
        flash(
            request,
            "ok",
            f"Đã ghi nhận thư trả lời {reply_id} cho {task_code} (mốc {milestone_key}).",
        )
    except OtherAgency as error:
        raise Refusal("other_agency", status=403, detail=str(error)) from error
    except Refusal as refusal:
        if refusal.status in (401, 403):
            raise  # who is asking may not: the error page, as for every action
        flash(request, "error", refusal_text(refusal))
    except EngineUnavailable:
        # The engine down is said as such, never a 500; nothing was recorded.
        flash(request, "error", refusal_text(Refusal("engine_unavailable", status=503)))
    except (NotPermitted, LookupError, ValueError) as error:
        flash(request, "error", f"Chưa ghi nhận được: {error}")
    return RedirectResponse("/replies", status_code=303)


@router.post("/zalo/webhook")
async def zalo_webhook(request: Request, background: BackgroundTasks) -> Response:
    """Zalo waits only a few seconds: the secret is checked and the answer given at once; the
    update is taken in after the answer has gone."""
    context = web(request)
    if not secret_matches(context.settings, request.headers.get(SECRET_HEADER)):
        return JSONResponse({"ok": False}, status_code=403)
    try:
        update: Any = await request.json()
    except ValueError:
        return JSONResponse({"ok": False}, status_code=400)
    if isinstance(update, dict):
        background.add_task(_take_update, request, update)
    return JSONResponse({"ok": True})


async def _take_update(request: Request, update: dict[str, Any]) -> None:
    context = web(request)
    client = await context.engine.client()
    await ZaloReplies(ReplyDesk(context.settings, client)).take(update)
