"""An uploaded plan, read and previewed before anything starts, then started: the import flow
of the web app (its page and API are `web/routes/imports.py`). The coordinator alone imports;
every step is in the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from control.permissions import Actor
from control.plan_preview import preview_imported
from deadlines import CalendarDataError, PolicyError
from deadlines.preview import Preview
from plan_import import ImportedPlan, PlanImportError, read_plan
from plan_import.units import load_unit_directory
from web.acts import ActingBase, settled
from web.auth import Visitor
from web.evidence import upload_refusal
from web.refusals import Refusal, Where
from web.uploads import UploadRefused, store_plan_file, stored_path
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
        self, visitor: Visitor, *, file_name: str, content: bytes, year: int | None
    ) -> ImportCheck:
        """Read an uploaded plan as the importer does and preview every milestone; nothing is
        stored or started."""
        actor = self.acting.coordinator_actor(visitor)
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
        check = self.read_import(stored.sha256, file_name=file_name, year=year)
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

    def read_import(self, sha256: str, *, file_name: str, year: int | None) -> ImportCheck:
        path = self._import_path(sha256)
        check = ImportCheck(sha256, file_name, year, None, None)
        directory = load_unit_directory(self.settings.units_file)
        try:
            check.imported = read_plan(
                path, year=year, directory=directory, agencies_dir=self.settings.agencies_dir
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
        self, visitor: Visitor, sha256: str, *, year: int | None
    ) -> StartOutcome:
        """Start the plan of an upload the coordinator has seen previewed. Answers once the
        plan's every task shows its milestones, or after `SETTLE_WITHIN` saying they are being
        recorded (the tasks plan themselves in their own time)."""

        async def act(actor: Actor) -> StartOutcome:
            path = self._import_path(sha256)
            read = self.read_import(sha256, file_name=path.name, year=year).imported
            if read is not None:
                self.acting.check_agency(visitor, read.key, read.agency_code)
            report = await self.acting.engine_call(
                self.acting.engine.start_plan(actor, path, year=year)
            )
            if report is None:
                return StartOutcome(read.key if read is not None else "", pending=True)
            plan_key = str(report.plan_key)

            def planned() -> bool:
                try:
                    _plan, rows = self.acting.reader.plan_rows(plan_key)
                except NotFound:
                    return False
                return bool(rows) and all(row.key is not None for row in rows)

            return StartOutcome(plan_key, pending=not await settled(planned))

        outcome: StartOutcome = await self.acting.as_coordinator(
            visitor, "start_plan", Where(), {"sha256": sha256, "year": year}, act
        )
        return outcome
