"""What every verb prints and how it ends: tables for people on stdout, one JSON document on
stdout with --json, errors on stderr, and one convention of exit codes.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import IntEnum
from typing import Annotated

import typer
from pydantic import PlainSerializer
from pydantic_core import to_jsonable_python
from rich.console import Console

from deadlines.local_time import local_iso

console = Console()
errors = Console(stderr=True)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout instead of tables.")
]

# An instant in a JSON document: ISO 8601 in Vietnam's time, as people there read it.
LocalInstant = Annotated[datetime, PlainSerializer(local_iso, return_type=str)]


class ExitCode(IntEnum):
    OK = 0
    # The verb ran and could not do what was asked: the file has errors, a deadline cannot be
    # read, the database or the engine refused, a channel failed.
    FAILED = 1
    # The command line names what does not exist: a unit or a message kind no one knows
    # (click's own usage errors, such as a missing option, end with this code too).
    USAGE = 2


def print_json(document: object, *, indent: int | None = None) -> None:
    """Pydantic models, dataclasses, dates and plain values as one JSON document.

    Plain print, not Rich: Rich would wrap long lines and break the document."""
    print(json.dumps(to_jsonable_python(document), ensure_ascii=False, indent=indent))


def fail(*messages: str, code: ExitCode = ExitCode.FAILED, document: object = None) -> typer.Exit:
    """Say why the verb stops (or print `document` on stdout, under --json) and return the exit
    for the caller to raise: `raise fail(...) from error` keeps the cause, and shows the reader
    (and mypy) that the verb ends there."""
    if document is not None:
        print_json(document, indent=2)
    else:
        for message in messages:
            # One line however narrow the terminal: it wraps it, the program does not.
            errors.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=code)
