"""The processes, schemas and templates that ship with procflow, wherever it is installed.

In a clone they are the top-level `processes/`, `schemas/` and `doc_templates/`; in the wheel they are package
data inside the import package (pyproject's `package-dir` maps one onto the other). Both are found through the
import system by names relative to this package, so nothing here hard-codes the import name.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import InputError

FOLDERS = ("processes", "schemas", "doc_templates")
_PACKAGE = __name__.rpartition(".")[0]


def folder(name: str) -> Path:
    """The shipped folder `name` (one of FOLDERS) on disk: package data in an install, the top-level folder in a
    clone (an editable install maps it there too, but does not expose a data-only folder to the import system)."""
    for candidate in (resources.files(_PACKAGE) / name, Path(__file__).resolve().parent.parent / name):
        if isinstance(candidate, Path) and candidate.is_dir():
            return candidate
    raise InputError(f"procflow's shipped {name}/ folder is missing from this installation; reinstall procflow")


def process_file(process_id: str) -> Path:
    """A shipped process file, e.g. `sales` → …/processes/sales.yaml."""
    path = folder("processes") / f"{process_id}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in folder("processes").glob("*.yaml"))
        raise InputError(f"procflow ships no process {process_id!r}; it ships: {', '.join(known)}")
    return path
