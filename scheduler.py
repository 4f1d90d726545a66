"""The command line of nhachan: `python scheduler.py --help`.

Thin on purpose: each group of verbs lives in `commands/`, named for what it does.
"""

from __future__ import annotations

import typer

from commands import actions, engine, generations, notify, plan, preview, replies, status, web
from commands.output import fail
from control.preflight import NAMED_FAILURES
from control.runtime import exit_without_finalizing

app = typer.Typer(
    name="nhachan",
    help="nhắc hạn: deadline reminders for a government work plan.",
    no_args_is_help=True,
    add_completion=False,
)

for group in (plan, preview, engine, actions, status, generations, notify, replies, web):
    group.register(app)


def main() -> None:
    code: int | str | None = 0
    try:
        app()
    except SystemExit as finished:
        code = finished.code
    except NAMED_FAILURES as error:
        # A condition the program can name (a database it cannot reach, a broken file, no
        # engine) is one line, whichever verb met it, never a traceback.
        code = fail(str(error)).exit_code
    if code is None:
        code = 0
    exit_without_finalizing(code if isinstance(code, int) else 1)


if __name__ == "__main__":
    main()
