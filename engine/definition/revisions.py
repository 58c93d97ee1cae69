"""A process definition as it was at a git revision: `REV:path`, e.g. `main:processes/sales.yaml`.

`git archive` writes the tree of the revision (of the folder git runs in, as git does from a subfolder), the
standard library's `tarfile` unpacks it into a scratch folder with the `data` filter (no links or paths out of
it), and the ordinary loader reads it there, schemas and templates beside it. The loaded definition holds every
text it needs, so the scratch folder goes away at once. Every failure is an `InputError` naming the spec.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

from ..errors import InputError, UsageError
from .loader import load
from .model import ProcessDefinition

GIT_TIMEOUT_S = 60


def is_revision_spec(spec: str) -> bool:
    """Whether `spec` reads as REV:path (and not PROCESS@VERSION, whose part before any colon has an '@')."""
    return ":" in spec and "@" not in spec.split(":", 1)[0]


def load_revision(spec: str, *, cwd: str | os.PathLike[str] | None = None) -> ProcessDefinition:
    """Load the process file `path` as it is in git revision `rev`, from `spec` written REV:path.

    The path is relative to `cwd` (default: the current folder), which must be inside a git work tree.
    """
    rev, _, path = spec.partition(":")
    if not rev or not path or rev.startswith("-"):  # a leading '-' would reach git as an option
        raise UsageError(f"{spec!r}: write REV:path, for example main:processes/sales.yaml")
    folder = Path(cwd) if cwd is not None else Path.cwd()
    archive = _archive(spec, rev, folder)
    with tempfile.TemporaryDirectory(prefix="procflow-rev-") as scratch:
        root = Path(scratch)
        try:
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(root, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise InputError(f"{spec}: cannot unpack revision {rev!r}: {exc}") from None
        target = (root / path).resolve()
        if not target.is_relative_to(root.resolve()) or not target.is_file():
            raise InputError(f"{spec}: there is no {path} in revision {rev}")
        return load(target)


def _archive(spec: str, rev: str, folder: Path) -> bytes:
    """The tar of `rev`'s tree of `folder`, or an InputError saying why git would not give it."""
    if not folder.is_dir():
        raise InputError(f"{spec}: the folder {folder} does not exist")
    try:
        done = subprocess.run(
            ["git", "archive", "--format=tar", rev, "--"],
            cwd=folder,
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        raise InputError(f"{spec}: reading a revision needs git, and git is not installed") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"{spec}: git did not answer within {GIT_TIMEOUT_S}s") from None
    if done.returncode == 0:
        return done.stdout
    reason = done.stderr.decode("utf-8", "replace").strip().removeprefix("fatal: ")
    if "not a git repository" in reason:
        raise InputError(f"{spec}: {folder} is not inside a git repository, so there is no revision {rev!r}")
    raise InputError(f"{spec}: git cannot read revision {rev!r}: {reason}")
