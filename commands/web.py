"""The web app's verbs: `web` serves it alone (the engine runs elsewhere), `user add` makes an
account for the coordinator's staff or the leadership."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from commands.output import console, fail
from control import accounts
from models.tables import UnitRole
from settings import get_settings


class AccountRole(StrEnum):
    COORDINATOR = UnitRole.COORDINATOR.value
    LEADERSHIP = UnitRole.LEADERSHIP.value


def web_command() -> None:
    """Serve the web app alone on NHACHAN_PUBLIC_URL (or NHACHAN_WEB_LISTEN); the worker and
    Temporal run elsewhere (`scheduler.py run` serves the web app beside them)."""
    from web.server import serve_alone

    serve_alone(get_settings())


def user_add_command(
    name: Annotated[str, typer.Argument(help="The account's name: lowercase, e.g. 'lan.nguyen'.")],
    role: Annotated[AccountRole, typer.Option("--role", help="What the account may do.")],
    password: Annotated[
        str,
        typer.Option(
            prompt="Password",
            hide_input=True,
            confirmation_prompt=True,
            help="Asked for, never shown; at least 10 characters.",
        ),
    ],
    agency: Annotated[
        str,
        typer.Option(
            "--agency",
            help="The one agency whose plans it reads and acts on (its code); "
            "default: every agency's.",
        ),
    ] = "",
) -> None:
    """Make a web account: a coordinator acts on the plan, the leadership reads it."""
    settings = get_settings()
    try:
        account = accounts.create_account(
            settings, name=name, role=UnitRole(role.value), password=password, agency_code=agency
        )
    except accounts.AccessRefused as error:
        raise fail(str(error)) from error
    of_agency = f", of agency {account.agency_code}" if account.agency_code else ""
    console.print(
        f"Account [bold]{account.name}[/bold] ({account.role.value}{of_agency}) made; sign in at "
        f"{settings.public_url.rstrip('/')}/login"
    )


def register(app: typer.Typer) -> None:
    app.command("web")(web_command)
    users = typer.Typer(help="Web accounts of the coordinator's staff and the leadership.")
    users.command("add")(user_add_command)
    app.add_typer(users, name="user")
