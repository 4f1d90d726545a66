"""Signing in and out, and an account's own password: the pages and `/api/session`."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from control import accounts, refusal_words
from control.permissions import Actor
from models.tables import Account as AccountRow
from models.tables import UnitRole
from web.auth import Visitor
from web.context import refusal_text, say
from web.deps import Account, Checked, Who, address, session_of, visitor, web
from web.forms import back, safe_next
from web.refusals import Refusal, Where
from web.rendering import flash, render
from web.schemas import PROBLEMS, AccountOut, SessionOut, SignedOut, SignIn

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["session"], responses=PROBLEMS)


def sign_in(request: Request, name: str, password: str) -> AccountRow:
    """The session becomes the account's once its password is right. Only a failed try counts
    toward the limits (per address, and per account name whatever the address)."""
    context = web(request)
    name = name.strip().lower()
    where = address(request)
    limits = context.limits
    if limits.sign_in_address.blocked(where) or limits.sign_in_name.blocked(name):
        raise Refusal("too_many", status=429)
    account = accounts.signed_in_account(context.settings, name, password)
    if account is None:
        limits.sign_in_address.failed(where)
        limits.sign_in_name.failed(name)
        refusal = Refusal("sign_in_failed", status=401)
        # Guessing shows in the audit log: the name tried and whence, never the password.
        known = accounts.find_account(context.settings, name)
        context.acting.audit(
            visitor(request),
            Actor(name, known.role if known is not None else UnitRole.UNIT),
            "sign_in",
            Where(),
            refusal=refusal,
            role_known=known is not None,
        )
        raise refusal
    context.sessions.sign_in(session_of(request), account.name)
    request.state.visitor = None
    who = visitor(request)
    context.acting.audit(who, Actor(account.name, account.role), "sign_in", Where())
    return account


def sign_out(request: Request, who: Visitor) -> None:
    web(request).sessions.sign_out(session_of(request))
    request.state.visitor = None


def _session_out(who: Visitor) -> SessionOut:
    return SessionOut(
        csrf=who.csrf,
        account=AccountOut(name=who.account.name, role=who.account.role.value)
        if who.account
        else None,
        unit=who.unit.code if who.unit else None,
    )


# ----------------------------------------------------------------------------- signing in


@pages.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": safe_next(next)})


@pages.post("/login")
def login(
    request: Request,
    who: Checked,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        account = sign_in(request, name, password)
    except Refusal as refusal:
        flash(request, "error", refusal_text(refusal))
        if refusal.status == 429:
            return render(request, "login.html", {"next": safe_next(next)}, status=429)
        return back(f"/login?next={quote(safe_next(next))}")
    if account.must_change_password:
        return back("/account/password")
    return back(safe_next(next))


@api.get("/session", response_model=SessionOut)
def session(who: Who) -> SessionOut:
    """Who this session is, and the CSRF token its changes must carry."""
    return _session_out(who)


@api.post("/session", response_model=SessionOut)
def api_sign_in(request: Request, body: SignIn, who: Checked) -> SessionOut:
    sign_in(request, body.name, body.password)
    return _session_out(visitor(request))


# ----------------------------------------------------------------------------- signing out


@pages.post("/logout")
def logout(request: Request, who: Checked) -> Response:
    sign_out(request, who)
    return back("/login")


@api.delete("/session", response_model=SignedOut)
def api_sign_out(request: Request, who: Checked) -> SignedOut:
    sign_out(request, who)
    return SignedOut()


# ----------------------------------------------------------------------------- the password


@pages.get("/account/password")
def password_page(request: Request, who: Account) -> Response:
    return render(request, "password.html", {})


@pages.post("/account/password")
def change_password(
    request: Request,
    who: Checked,
    current: Annotated[str, Form()],
    new: Annotated[str, Form()],
    again: Annotated[str, Form()],
) -> Response:
    if who.account is None:
        raise Refusal("not_signed_in", status=401)
    context = web(request)
    try:
        if new != again:
            raise accounts.AccessRefused("the two new passwords differ")
        accounts.change_password(context.settings, who.account.name, current=current, new=new)
    except accounts.AccessRefused as refused:
        reason = refusal_words.refusal(str(refused))
        flash(request, "error", say("done", "password_not_changed", reason=reason))
        return back("/account/password")
    context.sessions.sign_in(session_of(request), who.account.name)
    flash(request, "ok", say("done", "password_changed"))
    return back("/")
