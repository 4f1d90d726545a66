"""The workflow sandbox's code compiled once per process.

The SDK's sandbox loads a workflow's own module afresh for every workflow it runs, so that no
state leaks from one workflow to another. Without bytecode files (PYTHONDONTWRITEBYTECODE, as
the Dockerfile and this project's machines set it) Python compiled that module's source each
time: a fifth of the worker's CPU while a plan's tasks started. The compiled code is kept in
memory here, per module and source text; each workflow still executes its module afresh, so
the sandbox isolates workflows exactly as before.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from collections.abc import Iterable, Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import CodeType, ModuleType

# A module's path -> its source and the code compiled from it (replaced when the source changes).
_COMPILED: dict[str, tuple[bytes, CodeType]] = {}


class _CompiledOnceLoader(importlib.machinery.SourceFileLoader):
    """A source file loader that compiles each source text of a module once."""

    def get_code(self, fullname: str) -> CodeType:
        path = self.get_filename(fullname)
        source = self.get_data(path)
        kept = _COMPILED.get(path)
        if kept is not None and kept[0] == source:
            return kept[1]
        code = compile(source, path, "exec", dont_inherit=True)
        _COMPILED[path] = (source, code)
        return code


class _WorkflowCodeFinder(MetaPathFinder):
    """Finds the `modules` as the path finder does, with the loader above."""

    def __init__(self, modules: Iterable[str]) -> None:
        self.modules = frozenset(modules)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in self.modules:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or type(spec.loader) is not importlib.machinery.SourceFileLoader:
            return spec
        assert spec.origin is not None  # a source file's
        return importlib.util.spec_from_file_location(
            fullname,
            spec.origin,
            loader=_CompiledOnceLoader(fullname, spec.origin),
            submodule_search_locations=spec.submodule_search_locations,
        )


def compile_workflow_code_once(workflows: Iterable[type]) -> None:
    """Keeps the compiled code of the modules that define `workflows` (idempotent)."""
    modules = {cls.__module__ for cls in workflows}
    for finder in sys.meta_path:
        if isinstance(finder, _WorkflowCodeFinder):
            finder.modules |= modules
            return
    sys.meta_path.insert(0, _WorkflowCodeFinder(modules))
