"""The web app: `create_app(settings)` builds it (pages, the JSON API with its OpenAPI at
/docs, exports, static files); `web.server` serves it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings import Settings
from storage.db import upgrade_schema
from web import api, exports, pages, replies
from web.acting import Refusal
from web.actions import EngineActions
from web.auth import AccessDenied
from web.context import WebContext, refusal_text, wall_clock, words
from web.reading import NotFound
from web.rendering import render

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Room for the form's other fields around the largest file.
FORM_OVERHEAD = 1024 * 1024


class BodyLimit:
    """Refuses a request body larger than `limit` bytes before it is read whole: by its
    Content-Length when it says, and by counting when it does not."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _BodyTooLarge:
            await _too_large(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    text = refusal_text(Refusal("too_large"))
    path = str(scope.get("path", ""))
    response: Response
    if path.startswith("/api/"):
        response = JSONResponse({"error": "too_large", "message": text}, status_code=413)
    else:
        response = HTMLResponse(f"<p>{text}</p>", status_code=413)
    await response(scope, receive, send)


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = wall_clock,
    engine: EngineActions | None = None,
) -> FastAPI:
    """The app on `settings`' database (migrated now). `clock` is the app's idea of now (tests
    give the time-skipping server's); `engine` acts on Temporal (default: connect when first
    needed, to NHACHAN_TEMPORAL_ADDRESS)."""
    upgrade_schema(settings.resolved_database_url())
    app = FastAPI(
        title="nhachan",
        description="Nhắc hạn: theo dõi nhiệm vụ của kế hoạch. Every page's data and action, "
        "with the same access rules: a session cookie (sign in with POST /api/session, then "
        "send X-CSRF-Token on every change) or a unit's link (Authorization: Bearer <token>).",
        docs_url=None,
        redoc_url=None,
    )
    context = WebContext.build(settings, clock=clock, engine=engine)
    app.state.web = context
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(pages.router)
    app.include_router(replies.router)
    app.include_router(exports.router)
    app.include_router(api.router)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # Swagger UI from our own static files (FastAPI's default page loads it from a CDN).
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="nhachan API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="data:,",
        )

    @app.middleware("http")
    async def sessions(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        session = context.sessions.load(request)
        request.state.session = session
        response = await call_next(request)
        if session.changed:
            context.sessions.save(session, response)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.exception_handler(Refusal)
    async def refused(request: Request, refusal: Refusal) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {"error": refusal.word, "message": refusal_text(refusal), "detail": refusal.detail},
                status_code=refusal.status,
            )
        return render(
            request, "error.html", {"message": refusal_text(refusal)}, status=refusal.status
        )

    @app.exception_handler(AccessDenied)
    async def denied(request: Request, error: AccessDenied) -> Response:
        if request.url.path.startswith("/api/"):
            text = str(words()["refusals"].get(error.message, error.message))
            return JSONResponse(
                {"error": error.message, "message": text, "detail": ""}, status_code=error.status
            )
        if error.status == 401:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return render(
            request,
            "error.html",
            {"message": words()["refusals"].get(error.message, error.message)},
            status=error.status,
        )

    @app.exception_handler(NotFound)
    async def missing(request: Request, error: NotFound) -> Response:
        return await refused(request, Refusal(str(error), status=404))

    app.add_middleware(BodyLimit, limit=settings.evidence_max_bytes + FORM_OVERHEAD)
    return app
