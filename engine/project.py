"""`procflow init`: a new project folder to start from, copied from the processes procflow ships.

The folder has the layout the loader expects by default — `processes/` (each process with its scenarios and team
file), `schemas/` (the format's own schemas for editors, and each process's document schemas), `doc_templates/` —
and a README for the process owner. It is written beside the target and renamed into place, so a failure leaves
nothing behind.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from . import shipped
from .errors import InputError

FORMAT_SCHEMAS = ("process.schema.json", "scenario.schema.json")
README = "project_readme.md"


def shipped_processes() -> list[str]:
    """The ids of the processes procflow ships, in name order."""
    return sorted(p.stem for p in shipped.folder("processes").glob("*.yaml"))


def init_project(target: Path, processes: Sequence[str] = ()) -> list[str]:
    """Write a project folder at `target` (which must not exist or be empty) with the chosen shipped processes
    (all if none are named); return the process ids written."""
    chosen = list(processes) or shipped_processes()
    for process_id in chosen:
        shipped.process_file(process_id)  # an unknown name is refused before anything is written
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"{target}: already exists and is not an empty folder; choose a new folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    except OSError as exc:
        raise InputError(f"cannot create {target}: {exc.strerror or exc}") from None
    try:
        _fill(scratch, chosen)
        scratch.chmod(0o755)  # mkdtemp made it private; a project folder is an ordinary one
        if target.exists():
            target.rmdir()
        scratch.rename(target)
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return chosen


def _fill(root: Path, processes: Sequence[str]) -> None:
    source = {name: shipped.folder(name) for name in shipped.FOLDERS}
    (root / "processes").mkdir()
    (root / "schemas").mkdir()
    (root / "doc_templates").mkdir()
    for name in FORMAT_SCHEMAS:
        shutil.copy2(source["schemas"] / name, root / "schemas" / name)
    for process_id in processes:
        shutil.copy2(source["processes"] / f"{process_id}.yaml", root / "processes" / f"{process_id}.yaml")
        for folder in shipped.FOLDERS:
            own = source[folder] / process_id
            if own.is_dir():
                shutil.copytree(own, root / folder / process_id)
    readme = resources.files(__name__.rpartition(".")[0]).joinpath(README).read_text("utf-8")
    (root / "README.md").write_text(readme.replace("{processes}", ", ".join(processes)), "utf-8")
