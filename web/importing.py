"""An uploaded plan, read and previewed before anything starts, then started: the import flow
of the web app (its page and API are `web/routes/imports.py`). The coordinator alone imports;
every step is in the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from control import refusal_words, starting
from control.permissions import Action, Actor
from control.plan_preview import preview_imported
from deadlines import CalendarDataError, PolicyError
from deadlines.preview import Preview
from plan_import import (
    Correction,
    CorrectionError,
    ImportedPlan,
    PlanImportError,
    parse_corrections,
    read_plan,
)
from plan_import.units import load_unit_directory
from storage.files import UploadRefused, store_plan_file, stored_path
from web.acts import ActingBase, settled
from web.auth import Visitor
from web.evidence import upload_refusal
from web.refusals import Refusal, Where
from web.views import NotFound


@dataclass
class ImportCheck:
    """An uploaded plan read by the importer: its report, and the preview of every milestone
    (nothing is stored or started until the coordinator confirms)."""

    sha256: str
    file_name: str
    year: int | None
    imported: ImportedPlan | None
    preview: Preview | None
    problems: list[str] = field(default_factory=list)
    # The last year the coordinator set, and the cells corrected in place, read with the file.
    until: int | None = None
    corrections: list[Correction] = field(default_factory=list)

    @property
    def fixes(self) -> list[tuple[str, str, str, str, str]]:
        """(row, task, field, text as written, why) of each cell the coordinator may correct: the
        refused and doubtful ones, and those already corrected (kept on the next reading)."""
        corrected = {(c.task, c.field) for c in self.corrections}
        cells = self.imported.cells_to_check if self.imported else []
        fixes = [
            (c.row, c.task, c.field, c.text, c.why)
            for c in cells
            if (c.task, c.field) not in corrected
        ]
        for task in self.imported.tasks if self.imported else []:
            row = str(task.source_line)
            for done in task.corrections:
                fixes.append((row, task.code, done["field"], done["original"], ""))
        return fixes

    def corrected(self, task: str, field_name: str) -> str | None:
        return next(
            (c.text for c in self.corrections if (c.task, c.field) == (task, field_name)), None
        )

    @property
    def startable(self) -> bool:
        return (
            self.imported is not None
            and not self.imported.errors
            and not self.imported.new_units
            and self.preview is not None
            and not self.preview.refused
            and not self.problems
        )


@dataclass(frozen=True)
class StartOutcome:
    """The plan started; `pending` while some of its tasks have not yet written their
    milestones where the pages read them."""

    plan_key: str
    pending: bool = False


class Importing:
    """The import flow, acting through `acting` (its coordinator check, its engine, its audit)."""

    def __init__(self, acting: ActingBase) -> None:
        self.acting = acting
        self.settings = acting.settings

    def check_import(
        self,
        visitor: Visitor,
        *,
        file_name: str,
        content: bytes,
        year: int | None,
        until: int | None = None,
    ) -> ImportCheck:
        """Read an uploaded plan as the importer does and preview every milestone; nothing is
        stored or started."""
        actor = self.acting.coordinator_actor(visitor, action=Action.START_PLAN)
        try:
            stored = store_plan_file(
                content,
                name=file_name,
                folder=self.settings.var_dir / "imports",
                limit=self.settings.evidence_max_bytes,
            )
        except UploadRefused as refused:
            refusal = upload_refusal(refused)
            self.acting.audit(
                visitor, actor, "import_plan", Where(), refusal=refusal, details={"file": file_name}
            )
            raise refusal from refused
        check = self.read_import(stored.sha256, file_name=file_name, year=year, until=until)
        self.acting.audit(
            visitor,
            actor,
            "import_plan",
            Where(check.imported.key if check.imported else ""),
            details={"file": file_name, "sha256": stored.sha256, "startable": check.startable},
        )
        return check

    def _import_path(self, sha256: str) -> Path:
        path = stored_path(self.settings.var_dir / "imports", sha256)
        if path is None:
            raise Refusal("unknown_upload", status=404)
        return path

    def recheck_import(
        self,
        visitor: Visitor,
        sha256: str,
        *,
        year: int | None,
        until: int | None,
        fixes: list[tuple[str, str]],
    ) -> ImportCheck:
        """Read an upload again with the coordinator's corrections of its cells ((task:field,
        text) pairs), as `check_import` reads it; nothing is stored or started."""
        self.acting.coordinator_actor(visitor, action=Action.START_PLAN)
        path = self._import_path(sha256)
        try:
            corrections = corrections_of(visitor, fixes)
        except CorrectionError as error:
            check = self.read_import(sha256, file_name=path.name, year=year, until=until)
            check.problems.append(str(error))
            return check
        return self.read_import(
            sha256, file_name=path.name, year=year, until=until, corrections=corrections
        )

    def read_import(
        self,
        sha256: str,
        *,
        file_name: str,
        year: int | None,
        until: int | None = None,
        corrections: list[Correction] | None = None,
    ) -> ImportCheck:
        path = self._import_path(sha256)
        check = ImportCheck(
            sha256, file_name, year, None, None, until=until, corrections=corrections or []
        )
        directory = load_unit_directory(self.settings.units_file)
        try:
            check.imported = read_plan(
                path,
                year=year,
                directory=directory,
                agencies_dir=self.settings.agencies_dir,
                until=until,
                corrections=check.corrections,
            )
        except PlanImportError as error:
            check.problems.append(str(error))
            return check
        imported = check.imported
        if imported.errors:
            return check
        try:
            check.preview = preview_imported(
                self.settings, imported, directory, policy_for=self.acting.reader.planned.policy
            )
        except (PolicyError, CalendarDataError) as error:
            check.problems.append(str(error))
        return check

    async def start_import(
        self,
        visitor: Visitor,
        sha256: str,
        *,
        year: int | None,
        until: int | None = None,
        fixes: list[tuple[str, str]] | None = None,
    ) -> StartOutcome:
        """Start the plan of an upload the coordinator has seen previewed, with the cells they
        corrected in place. Answers once the plan's every task shows its milestones, or after
        `SETTLE_WITHIN` saying they are being recorded (the tasks plan themselves in their own
        time)."""
        try:
            corrections = corrections_of(visitor, fixes or [])
        except CorrectionError as error:
            raise Refusal("bad_correction", status=422) from error

        async def act(actor: Actor) -> StartOutcome:
            path = self._import_path(sha256)
            # The file first, as the command line does: a broken one is named whether the
            # engine is up or not (the same words as the engine's refusal of it).
            try:
                read = starting.plan_for_start(
                    self.settings, path, year=year, corrections=corrections, until=until
                )
            except (starting.PlanNotStartable, PlanImportError) as error:
                raise Refusal(
                    "engine_refused", status=409, detail=refusal_words.refusal(str(error))
                ) from error
            self.acting.check_agency(visitor, read.key, read.agency_code)
            report = await self.acting.engine_call(
                self.acting.engine.start_plan(
                    actor, path, year=year, until=until, corrections=corrections, imported=read
                )
            )
            if report is None:
                return StartOutcome(read.key, pending=True)
            plan_key = str(report.plan_key)

            def planned() -> bool:
                try:
                    _plan, rows = self.acting.reader.plan_rows(plan_key)
                except NotFound:
                    return False
                return bool(rows) and all(row.key is not None for row in rows)

            return StartOutcome(plan_key, pending=not await settled(planned))

        details = {
            "sha256": sha256,
            "year": year,
            "until": until,
            "corrections": [c.spec for c in corrections],
        }
        outcome: StartOutcome = await self.acting.as_coordinator(
            visitor, "start_plan", Where(), details, act
        )
        return outcome


def corrections_of(visitor: Visitor, fixes: list[tuple[str, str]]) -> list[Correction]:
    """The coordinator's corrections from the import form: ("II.42:deadline", text) pairs, made
    by the signed-in account, now (`plan_import.corrections` reads them, as for the CLI)."""
    specs = [f"{cell}={text}" for cell, text in fixes]
    return parse_corrections(specs, by=visitor.name, at=datetime.now(UTC))
