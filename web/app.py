"""The web app: `create_app(settings)` builds it (pages, the JSON API with its OpenAPI at
/docs for the signed-in, exports, static files); `web.server` serves it.

What goes wrong is answered in Vietnamese, never as a bare 500 or FastAPI's English JSON: a
page shows error.html, the API answers `web.schemas.Problem` (its key, the text, the engine's
reason, and whether the action was recorded). A refused or failed change that no action
recorded in the audit log is recorded here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from control.permissions import Actor
from models.tables import UnitRole
from settings import Settings
from storage.db import upgrade_schema
from web import exports
from web.actions import EngineActions
from web.auth import AccessDenied, Visitor
from web.context import WebContext, refusal_text, wall_clock, words
from web.deps import Account, visitor
from web.refusals import Refusal, Where
from web.rendering import ENVIRONMENT, render
from web.routes import (
    events,
    files,
    imports,
    milestones,
    plans,
    replies,
    session,
    tasks,
    units,
)
from web.schemas import Problem
from web.views import NotFound

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Room for the form's other fields around the largest file.
FORM_OVERHEAD = 1024 * 1024
# The pages load their scripts and styles from /static only; the colours of the states are
# style attributes, so inline styles are allowed, inline scripts never.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Swagger UI starts itself from an inline script.
DOCS_POLICY = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self'", "script-src 'self' 'unsafe-inline'"
)
logger = logging.getLogger(__name__)


def is_api(path: str) -> bool:
    return path.startswith("/api/") or path == "/openapi.json"


def _problem(refusal: Refusal) -> JSONResponse:
    body = Problem(
        error=refusal.word,
        message=refusal_text(refusal),
        detail=refusal.detail,
        recorded=refusal.recorded,
    )
    return JSONResponse(body.model_dump(), status_code=refusal.status)


def _bare_page(message: str, status: int) -> HTMLResponse:
    """The error page where no session is at hand (a body refused before it is read)."""
    page = ENVIRONMENT.get_template("error.html").render(
        who=Visitor(csrf=""),
        messages=[],
        now=datetime.now(UTC),
        public_url="",
        message=message,
    )
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})


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
    refusal = Refusal("too_large", status=413)
    response: Response
    if is_api(str(scope.get("path", ""))):
        response = _problem(refusal)
    else:
        response = _bare_page(refusal_text(refusal), 413)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
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
        "send X-CSRF-Token on every change) or a unit's link (Authorization: Bearer <token>). "
        "Every refusal or failure answers a Problem (its key, the Vietnamese text, the "
        "engine's reason, and whether the action was recorded).",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    context = WebContext.build(settings, clock=clock, engine=engine)
    app.state.web = context
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (session, plans, tasks, milestones, events, units, imports):
        app.include_router(module.pages)
        app.include_router(module.api)
    app.include_router(replies.router)
    app.include_router(exports.router)
    app.include_router(files.router)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(who: Account) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def docs(who: Account) -> HTMLResponse:
        # Swagger UI from our own static files (FastAPI's default page loads it from a CDN).
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="nhachan API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="data:,",
        )
        page.headers["Content-Security-Policy"] = DOCS_POLICY
        return page

    @app.middleware("http")
    async def sessions(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        session = context.sessions.load(request)
        request.state.session = session
        response = await call_next(request)
        if session.changed:
            context.sessions.save(session, response)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    def audit_unrecorded(request: Request, refusal: Refusal) -> None:
        """A change refused before any action could record it (a bad CSRF token, a wrong
        role, a link not valid): the audit log has it all the same."""
        if request.method in ("GET", "HEAD", "OPTIONS") or refusal.audited:
            return
        try:
            who = visitor(request)
        except (Refusal, AccessDenied):
            who = Visitor(csrf="")
        # Someone with neither account nor link is filed as a unit would be: nobody vouched.
        role = who.account.role if who.account is not None else UnitRole.UNIT
        route = request.scope.get("route")
        action = getattr(route, "name", "") or request.url.path
        params = request.path_params
        context.acting.audit(
            who,
            Actor(who.name or "anonymous", role),
            action,
            Where(
                str(params.get("plan_key", "")),
                str(params.get("task_code", "")),
                str(params.get("milestone_key", "")),
            ),
            refusal=refusal,
            details={"path": request.url.path},
        )

    @app.exception_handler(Refusal)
    async def refused(request: Request, refusal: Refusal) -> Response:
        audit_unrecorded(request, refusal)
        if is_api(request.url.path):
            return _problem(refusal)
        return render(
            request, "error.html", {"message": refusal_text(refusal)}, status=refusal.status
        )

    @app.exception_handler(AccessDenied)
    async def denied(request: Request, error: AccessDenied) -> Response:
        refusal = Refusal(error.message, status=error.status)
        if error.status == 401 and not is_api(request.url.path) and request.method == "GET":
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return await refused(request, refusal)

    @app.exception_handler(NotFound)
    async def missing(request: Request, error: NotFound) -> Response:
        return await refused(request, Refusal(str(error), status=404))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        word = {404: "not_found", 405: "not_found", 413: "too_large"}.get(
            error.status_code, "bad_request"
        )
        return await refused(request, Refusal(word, status=error.status_code))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        fields = sorted(
            {".".join(str(part) for part in e.get("loc", ())[1:]) or "?" for e in error.errors()}
        )
        detail = words()["refusals"]["fields"] + ", ".join(fields)
        return await refused(request, Refusal("bad_request", status=422, detail=detail))

    @app.exception_handler(Exception)
    async def failed(request: Request, error: Exception) -> Response:
        logger.exception("%s %s failed", request.method, request.url.path)
        refusal = Refusal("server_error", status=500, recorded=None)
        try:
            return await refused(request, refusal)
        except Exception:  # the page itself cannot be drawn: the plainest one
            if is_api(request.url.path):
                return _problem(refusal)
            return _bare_page(refusal_text(refusal), 500)

    app.add_middleware(BodyLimit, limit=settings.evidence_max_bytes + FORM_OVERHEAD)
    return app
