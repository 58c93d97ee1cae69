"""The wheel, as a new user gets it: built offline, installed into a fresh virtualenv, run from an empty folder.

The fresh venv sees the test environment's third-party packages through a .pth file (so nothing is downloaded), but
not its editable procflow: the `procflow` it imports must be the one inside the wheel, with the shipped processes,
schemas and templates as package data.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

Sh = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(out)]
    result = subprocess.run([*build, str(ROOT)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    (found,) = out.glob("procflow-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; returns its bin/ folder."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=True)
    python = home / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "_test_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    install = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)]
    result = subprocess.run(install, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return home / "bin"


@pytest.fixture
def sh(installed: Path, tmp_path: Path) -> Sh:
    """sh(command line) in an empty folder, with the fresh venv first on PATH; asserts it succeeded."""
    empty = tmp_path / "empty"
    empty.mkdir()

    def call(command: str) -> subprocess.CompletedProcess[str]:
        env = {"PATH": f"{installed}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
        result = subprocess.run(command, shell=True, cwd=empty, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{command}: {result.stdout[-1500:]}\n{result.stderr[-1500:]}"
        return result

    return call


def test_the_wheel_carries_the_shipped_files_and_the_type_marker(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {n.split("/")[0] for n in names if ".dist-info/" not in n} == {"procflow"}  # one top-level name
    for path in (
        "procflow/py.typed",
        "procflow/processes/sales.yaml",
        "procflow/processes/sales/scenarios/won.yaml",
        "procflow/schemas/process.schema.json",
        "procflow/schemas/sales/lead_record.schema.json",
        "procflow/doc_templates/sales/lead_record.md.j2",
    ):
        assert path in names, path
    shipped = {
        p.relative_to(ROOT).as_posix()
        for d in ("processes", "schemas", "doc_templates")
        for p in (ROOT / d).rglob("*")
        if p.is_file()
    }
    assert {f"procflow/{p}" for p in shipped} <= names
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: MIT" in text and "Classifier: Typing :: Typed" in text and "Keywords: workflow" in text
    assert (
        "Requires-Dist: psycopg" in text
        and 'extra == "postgres"' in text.split("Requires-Dist: psycopg", 1)[1].split("\n", 1)[0]
    )


def test_the_installed_engine_is_the_wheels(sh: Sh, installed: Path) -> None:
    where = sh("python -c 'import procflow; print(procflow.__file__)'").stdout.strip()
    assert where.startswith(str(installed.parent)), where
    folder_name = subprocess.run(  # the source folder's name is no import name: nothing to collide with
        [str(installed / "python"), "-c", "import engine"],  # rename: keep
        cwd=installed.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert folder_name.returncode != 0 and "No module named" in folder_name.stderr, folder_name.stderr
    assert sh("procflow --version").stdout.startswith("procflow ")
    assert sh("python -m procflow --version").stdout.startswith("procflow ")


def test_a_new_user_runs_the_demo_and_starts_a_project_from_an_empty_folder(sh: Sh, tmp_path: Path) -> None:
    demo = sh("procflow demo")
    assert "demo finished: every step as expected" in demo.stdout
    sh("procflow init team && procflow validate team/processes/*.yaml")
    assert (tmp_path / "empty/team/README.md").is_file()
    sh("procflow simulate team/processes/sales.yaml team/processes/sales/scenarios/*.yaml --quiet")
    sh("procflow handbook sales -o handbook.html")
    assert "<html" in (tmp_path / "empty/handbook.html").read_text("utf-8")
    assert sh("procflow graph sales").stdout.startswith("flowchart")
    assert sh("procflow graph team/processes/complaint.yaml --format dot").stdout.startswith("digraph")
